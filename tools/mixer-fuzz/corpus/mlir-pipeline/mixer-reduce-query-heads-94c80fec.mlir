#x = affine_map<(b, s, n, k) -> (b, s, k)>
#w = affine_map<(b, s, n, k) -> (k, n)>
#y = affine_map<(b, s, n, k) -> (b, s, n)>
func.func @pruned(%q: tensor<1x4x8x2xf32>, %k: tensor<1x4x8x2xf32>, %v: tensor<1x4x8x2xf32>, %mask: tensor<1x4x8x8xf32>) -> tensor<1x8x4xf32> {
  %w = arith.constant dense<[[0.5, 1.5, 2.5, 3.5],
      [0.75, 1.75, 2.75, 3.75],
      [0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0],
      [1.5, 2.5, 3.5, 4.5],
      [1.75, 2.75, 3.75, 4.75],
      [0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0]]> : tensor<8x4xf32>
  %o = mixer.attention %q, %k, %v mask(%mask)
      : (tensor<1x4x8x2xf32>, tensor<1x4x8x2xf32>, tensor<1x4x8x2xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x2xf32>
  %e = tensor.empty() : tensor<1x8x4x2xf32>
  %t = linalg.transpose ins(%o : tensor<1x4x8x2xf32>) outs(%e : tensor<1x8x4x2xf32>) permutation = [0, 2, 1, 3]
  %r = tensor.collapse_shape %t [[0], [1], [2, 3]] : tensor<1x8x4x2xf32> into tensor<1x8x8xf32>
  %zero = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<1x8x4xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%init : tensor<1x8x4xf32>) -> tensor<1x8x4xf32>
  %y = linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%r, %w : tensor<1x8x8xf32>, tensor<8x4xf32>) outs(%fill : tensor<1x8x4xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  } -> tensor<1x8x4xf32>
  return %y : tensor<1x8x4xf32>
}

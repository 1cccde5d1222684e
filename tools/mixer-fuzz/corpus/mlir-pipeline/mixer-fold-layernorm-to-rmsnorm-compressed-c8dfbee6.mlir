#id = affine_map<(b, s, d) -> (b, s, d)>
#row = affine_map<(b, s, d) -> (d)>
#pos = affine_map<(b, s, d) -> (s, d)>
#lhs = affine_map<(b, s, n, k) -> (b, s, k)>
#rhs = affine_map<(b, s, n, k) -> (k, n)>
#out = affine_map<(b, s, n, k) -> (b, s, n)>

func.func @pre_ln(%gamma: tensor<3xf32>) -> tensor<1x2x3xf32> {
  %pos = arith.constant dense<[[0.0, 3.0, 6.0], [1.0, 1.0, 4.0]]> : tensor<2x3xf32>
  %w = arith.constant dense<[[1.0, 2.0, 3.0], [3.0, 3.0, 0.0], [0.0, 3.0, 0.0]]> : tensor<3x3xf32>
  %b = arith.constant dense<[1.0, 2.0, 6.0]> : tensor<3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2x3xf32>
  %x = linalg.generic {indexing_maps = [#pos, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%pos : tensor<2x3xf32>) outs(%e : tensor<1x2x3xf32>) {
  ^bb0(%p: f32, %o: f32):
    linalg.yield %p : f32
  } -> tensor<1x2x3xf32>
  %h = mixer.layer_norm %x weight(%gamma) : (tensor<1x2x3xf32>, tensor<3xf32>) -> tensor<1x2x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x3xf32>) -> tensor<1x2x3xf32>
  %mm = linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%h, %w : tensor<1x2x3xf32>, tensor<3x3xf32>) outs(%f : tensor<1x2x3xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %m = arith.mulf %a, %c : f32
    %r = arith.addf %o, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x3xf32>
  %proj = linalg.generic {indexing_maps = [#row, #id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%b, %mm : tensor<3xf32>, tensor<1x2x3xf32>) outs(%e : tensor<1x2x3xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %r = arith.addf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<1x2x3xf32>
  %x2 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %proj : tensor<1x2x3xf32>, tensor<1x2x3xf32>) outs(%e : tensor<1x2x3xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %r = arith.addf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<1x2x3xf32>
  %nf = mixer.layer_norm %x2 : (tensor<1x2x3xf32>) -> tensor<1x2x3xf32>
  return %nf : tensor<1x2x3xf32>
}

#lhs = affine_map<(b, s, n, k) -> (b, s, k)>
#rhs = affine_map<(b, s, n, k) -> (n, k)>
#out = affine_map<(b, s, n, k) -> (b, s, n)>

func.func @rms_weight_only(%x: tensor<1x4x2xf32>) -> tensor<1x4x3xf32> {
  %gamma = arith.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %w = arith.constant dense<[[1.0, 2.0], [-1.0, 1.0], [0.0, 0.0]]> : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %h = mixer.rms_norm %x weight(%gamma) : (tensor<1x4x2xf32>, tensor<2xf32>) -> tensor<1x4x2xf32>
  %e = tensor.empty() : tensor<1x4x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x3xf32>) -> tensor<1x4x3xf32>
  %mm = linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%h, %w : tensor<1x4x2xf32>, tensor<3x2xf32>) outs(%f : tensor<1x4x3xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %m = arith.mulf %a, %c : f32
    %r = arith.addf %o, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x3xf32>
  return %mm : tensor<1x4x3xf32>
}

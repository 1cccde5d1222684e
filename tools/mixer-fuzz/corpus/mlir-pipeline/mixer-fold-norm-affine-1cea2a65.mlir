#lhs = affine_map<(b, s, n, k) -> (b, s, k)>
#rhs = affine_map<(b, s, n, k) -> (k, n)>
#out = affine_map<(b, s, n, k) -> (b, s, n)>

func.func @not_constant(%x: tensor<1x4x2xf32>, %w: tensor<2x2xf32>, %g2: tensor<4x2xf32>) -> (tensor<1x4x2xf32>, tensor<1x4x2xf32>) {
  %gamma = arith.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %zero = arith.constant 0.0 : f32
  %h = mixer.rms_norm %x weight(%gamma) : (tensor<1x4x2xf32>, tensor<2xf32>) -> tensor<1x4x2xf32>
  %e = tensor.empty() : tensor<1x4x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %mm = linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%h, %w : tensor<1x4x2xf32>, tensor<2x2xf32>) outs(%f : tensor<1x4x2xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %m = arith.mulf %a, %c : f32
    %r = arith.addf %o, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x2xf32>
  %h2 = mixer.rms_norm %x weight(%g2) {axis = -2 : i64} : (tensor<1x4x2xf32>, tensor<4x2xf32>) -> tensor<1x4x2xf32>
  return %mm, %h2 : tensor<1x4x2xf32>, tensor<1x4x2xf32>
}

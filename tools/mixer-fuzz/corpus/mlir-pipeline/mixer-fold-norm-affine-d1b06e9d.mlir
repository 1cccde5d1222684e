#id = affine_map<(b, s, d) -> (b, s, d)>

func.func @residual_reader(%x: tensor<1x4x2xf32>, %y: tensor<1x4x2xf32>) -> tensor<1x4x2xf32> {
  %gamma = arith.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %beta = arith.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %h = mixer.layer_norm %x weight(%gamma) bias(%beta) : (tensor<1x4x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x4x2xf32>
  %e = tensor.empty() : tensor<1x4x2xf32>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%h, %y : tensor<1x4x2xf32>, tensor<1x4x2xf32>) outs(%e : tensor<1x4x2xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x4x2xf32>
  return %r : tensor<1x4x2xf32>
}

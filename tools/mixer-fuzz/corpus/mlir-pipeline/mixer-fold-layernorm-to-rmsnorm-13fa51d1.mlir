#id = affine_map<(b, s, d) -> (b, s, d)>

func.func @negative_post_ln(%x: tensor<1x2x2xf32>, %y: tensor<1x2x2xf32>) -> tensor<1x2x2xf32> {
  %e = tensor.empty() : tensor<1x2x2xf32>
  %n0 = mixer.layer_norm %x : (tensor<1x2x2xf32>) -> tensor<1x2x2xf32>
  %s = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%n0, %y : tensor<1x2x2xf32>, tensor<1x2x2xf32>) outs(%e : tensor<1x2x2xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %r = arith.addf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<1x2x2xf32>
  %n1 = mixer.layer_norm %s : (tensor<1x2x2xf32>) -> tensor<1x2x2xf32>
  return %n1 : tensor<1x2x2xf32>
}

func.func @layer_norm(%x: tensor<2x?x384xf32>, %w: tensor<384xf32>, %b: tensor<384xf32>) -> tensor<2x?x384xf32> {
  %y = mixer.layer_norm %x weight(%w) bias(%b) {epsilon = 1.0e-6 : f32}
      : (tensor<2x?x384xf32>, tensor<384xf32>, tensor<384xf32>) -> tensor<2x?x384xf32>
  return %y : tensor<2x?x384xf32>
}

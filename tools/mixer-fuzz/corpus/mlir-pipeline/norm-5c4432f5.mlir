func.func @layer_norm_affine(%x: tensor<2x128x384xf32>, %g: tensor<384xf32>, %b: tensor<384xf32>) -> tensor<2x128x384xf32> {
  %0 = mixer.layer_norm %x weight(%g) bias(%b)
      : (tensor<2x128x384xf32>, tensor<384xf32>, tensor<384xf32>) -> tensor<2x128x384xf32>
  return %0 : tensor<2x128x384xf32>
}

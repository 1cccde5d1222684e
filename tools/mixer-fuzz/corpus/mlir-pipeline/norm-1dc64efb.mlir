func.func @layer_norm_two_dims(%x: tensor<4x8x16xf16>, %g: tensor<8x16xf16>) -> tensor<4x8x16xf16> {
  %0 = mixer.layer_norm %x weight(%g) {axis = -2} : (tensor<4x8x16xf16>, tensor<8x16xf16>) -> tensor<4x8x16xf16>
  return %0 : tensor<4x8x16xf16>
}

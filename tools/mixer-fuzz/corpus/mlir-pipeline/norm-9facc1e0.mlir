func.func @rms_norm_f16(%x: tensor<4x8x16xf16>) -> tensor<4x8x16xf16> {
  %y = mixer.rms_norm %x {axis = 1 : i64} : (tensor<4x8x16xf16>) -> tensor<4x8x16xf16>
  return %y : tensor<4x8x16xf16>
}

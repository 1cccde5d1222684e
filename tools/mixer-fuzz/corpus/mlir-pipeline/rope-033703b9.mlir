func.func @per_token(%x: tensor<4x8x16x64xf16>, %cos: tensor<1x16x32xf16>, %sin: tensor<1x16x32xf16>) -> tensor<4x8x16x64xf16> {
  %0 = mixer.rope %x, %cos, %sin rotate_half
      : (tensor<4x8x16x64xf16>, tensor<1x16x32xf16>, tensor<1x16x32xf16>) -> tensor<4x8x16x64xf16>
  return %0 : tensor<4x8x16x64xf16>
}

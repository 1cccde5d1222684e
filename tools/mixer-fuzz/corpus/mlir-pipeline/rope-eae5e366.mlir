func.func @partial_rotary(%x: tensor<1x8x16x128xf32>, %cos: tensor<16x16xf32>) -> tensor<1x8x16x128xf32> {
  %0 = mixer.rope %x, %cos, %cos rotate_half {rotary_dim = 32 : i64}
      : (tensor<1x8x16x128xf32>, tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<1x8x16x128xf32>
  return %0 : tensor<1x8x16x128xf32>
}

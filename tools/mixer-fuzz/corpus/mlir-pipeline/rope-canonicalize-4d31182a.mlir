func.func @default_rotary_dim(%x: tensor<1x8x16x64xf32>, %c: tensor<16x32xf32>) -> tensor<1x8x16x64xf32> {
  %0 = mixer.rope %x, %c, %c rotate_half {rotary_dim = 64 : i64}
      : (tensor<1x8x16x64xf32>, tensor<16x32xf32>, tensor<16x32xf32>) -> tensor<1x8x16x64xf32>
  return %0 : tensor<1x8x16x64xf32>
}

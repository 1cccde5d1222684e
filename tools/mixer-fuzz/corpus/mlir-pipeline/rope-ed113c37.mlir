func.func @table_interleaved(%x: tensor<2x16x64x256xf32>, %cos: tensor<2048x128xf32>) -> tensor<2x16x64x256xf32> {
  %0 = mixer.rope %x, %cos, %cos interleaved
      : (tensor<2x16x64x256xf32>, tensor<2048x128xf32>, tensor<2048x128xf32>) -> tensor<2x16x64x256xf32>
  return %0 : tensor<2x16x64x256xf32>
}

func.func @interleaved(%x: tensor<2x4x8x16xf32>, %c: tensor<2x8x8xf32>, %s: tensor<2x8x8xf32>) -> tensor<2x4x8x16xf32> {
  %y = mixer.rope %x, %c, %s interleaved
      : (tensor<2x4x8x16xf32>, tensor<2x8x8xf32>, tensor<2x8x8xf32>) -> tensor<2x4x8x16xf32>
  return %y : tensor<2x4x8x16xf32>
}

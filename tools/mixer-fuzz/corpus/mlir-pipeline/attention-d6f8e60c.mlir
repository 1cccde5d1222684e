func.func @seq_lens(%q: tensor<4x8x1x64xf32>, %k: tensor<4x8x64x64xf32>, %v: tensor<4x8x64x64xf32>,
                    %bias: tensor<1x1x1x64xf32>, %lens: tensor<4xi32>) -> tensor<4x8x1x64xf32> {
  %0 = mixer.attention %q, %k, %v mask(%bias) seq_lens(%lens)
      : (tensor<4x8x1x64xf32>, tensor<4x8x64x64xf32>, tensor<4x8x64x64xf32>, tensor<1x1x1x64xf32>, tensor<4xi32>) -> tensor<4x8x1x64xf32>
  return %0 : tensor<4x8x1x64xf32>
}

func.func @no_fold_short_seq_lens(%q: tensor<2x4x16x64xf32>) -> tensor<2x4x16x64xf32> {
  %lens = arith.constant dense<[16, 9]> : tensor<2xi32>
  %0 = mixer.attention %q, %q, %q seq_lens(%lens)
      : (tensor<2x4x16x64xf32>, tensor<2x4x16x64xf32>, tensor<2x4x16x64xf32>, tensor<2xi32>) -> tensor<2x4x16x64xf32>
  return %0 : tensor<2x4x16x64xf32>
}

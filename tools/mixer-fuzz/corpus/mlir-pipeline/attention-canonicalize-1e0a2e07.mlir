func.func @dead_attention(%q: tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xf32> {
  %0 = mixer.attention %q, %q, %q
      : (tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xf32>
  return %q : tensor<1x4x16x64xf32>
}

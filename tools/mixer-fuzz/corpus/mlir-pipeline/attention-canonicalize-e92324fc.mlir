func.func @causal_single_query(%q: tensor<1x8x1x64xf32>, %k: tensor<1x8x100x64xf32>) -> tensor<1x8x1x64xf32> {
  %0 = mixer.attention %q, %k, %k {causal}
      : (tensor<1x8x1x64xf32>, tensor<1x8x100x64xf32>, tensor<1x8x100x64xf32>) -> tensor<1x8x1x64xf32>
  return %0 : tensor<1x8x1x64xf32>
}

func.func @causal_gqa(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x32xf32>) -> tensor<2x8x?x32xf32> {
  %o = mixer.attention %q, %k, %v {causal}
      : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>) -> tensor<2x8x?x32xf32>
  return %o : tensor<2x8x?x32xf32>
}

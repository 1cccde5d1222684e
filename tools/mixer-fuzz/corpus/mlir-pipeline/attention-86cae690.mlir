func.func @gqa(%q: tensor<2x8x16x64xf32>, %k: tensor<2x2x32x64xf32>,
               %v: tensor<2x2x32x48xf32>) -> tensor<2x8x16x48xf32> {
  %o = mixer.attention %q, %k, %v {causal}
      : (tensor<2x8x16x64xf32>, tensor<2x2x32x64xf32>, tensor<2x2x32x48xf32>)
      -> tensor<2x8x16x48xf32>
  return %o : tensor<2x8x16x48xf32>
}

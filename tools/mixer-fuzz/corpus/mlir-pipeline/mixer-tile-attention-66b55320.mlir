func.func @gqa_decode(%q: tensor<2x16x1x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x64xf32>) -> tensor<2x16x1x64xf32> {
  %o = mixer.attention %q, %k, %v
      : (tensor<2x16x1x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x64xf32>) -> tensor<2x16x1x64xf32>
  return %o : tensor<2x16x1x64xf32>
}

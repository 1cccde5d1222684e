func.func @masks(%q: tensor<2x4x16x64xf32>, %k: tensor<2x4x16x64xf32>, %v: tensor<2x4x16x64xf32>,
                 %add: tensor<2x1x16x16xf32>, %keep: tensor<16x16xi1>)
    -> (tensor<2x4x16x64xf32>, tensor<2x4x16x64xf32>) {
  %0 = mixer.attention %q, %k, %v mask(%add)
      : (tensor<2x4x16x64xf32>, tensor<2x4x16x64xf32>, tensor<2x4x16x64xf32>, tensor<2x1x16x16xf32>) -> tensor<2x4x16x64xf32>
  %1 = mixer.attention %q, %k, %v mask(%keep) {causal}
      : (tensor<2x4x16x64xf32>, tensor<2x4x16x64xf32>, tensor<2x4x16x64xf32>, tensor<16x16xi1>) -> tensor<2x4x16x64xf32>
  return %0, %1 : tensor<2x4x16x64xf32>, tensor<2x4x16x64xf32>
}

func.func @neutral_masks(%q: tensor<1x4x16x64xf32>) -> (tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>) {
  %zero = arith.constant dense<0.0> : tensor<16x16xf32>
  %true = arith.constant dense<true> : tensor<1x1x16x16xi1>
  %0 = mixer.attention %q, %q, %q mask(%zero)
      : (tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<16x16xf32>) -> tensor<1x4x16x64xf32>
  %1 = mixer.attention %q, %q, %q mask(%true)
      : (tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x1x16x16xi1>) -> tensor<1x4x16x64xf32>
  return %0, %1 : tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>
}

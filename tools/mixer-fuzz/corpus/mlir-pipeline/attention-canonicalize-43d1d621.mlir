func.func @no_fold_masks(%q: tensor<1x4x16x64xf32>, %m: tensor<16x16xf32>)
    -> (tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>) {
  %neg = arith.constant dense<-1.0> : tensor<16x16xf32>
  %false = arith.constant dense<false> : tensor<16x16xi1>
  %0 = mixer.attention %q, %q, %q mask(%neg)
      : (tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<16x16xf32>) -> tensor<1x4x16x64xf32>
  %1 = mixer.attention %q, %q, %q mask(%false)
      : (tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<16x16xi1>) -> tensor<1x4x16x64xf32>
  %2 = mixer.attention %q, %q, %q mask(%m)
      : (tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<16x16xf32>) -> tensor<1x4x16x64xf32>
  return %0, %1, %2 : tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>
}

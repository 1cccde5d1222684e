func.func private @block(%x: tensor<1x4x16x32xf32>) -> tensor<1x4x16x32xf32> {
  %0 = mixer.attention %x, %x, %x {causal}
      : (tensor<1x4x16x32xf32>, tensor<1x4x16x32xf32>, tensor<1x4x16x32xf32>) -> tensor<1x4x16x32xf32>
  %1 = mixer.rms_norm %0 : (tensor<1x4x16x32xf32>) -> tensor<1x4x16x32xf32>
  return %1 : tensor<1x4x16x32xf32>
}

func.func @caller(%x: tensor<1x4x16x32xf32>) -> tensor<1x4x16x32xf32> {
  %0 = call @block(%x) : (tensor<1x4x16x32xf32>) -> tensor<1x4x16x32xf32>
  return %0 : tensor<1x4x16x32xf32>
}

func.func @zero_delta_bias(%x: tensor<1x16x64xf32>, %A: tensor<64x8xf32>, %B: tensor<1x16x8xf32>) -> tensor<1x16x64xf32> {
  %zero = arith.constant dense<0.0> : tensor<64xf32>
  %y, %h = mixer.selective_scan %x, %x, %A, %B, %B delta_bias(%zero) {delta_softplus}
      : (tensor<1x16x64xf32>, tensor<1x16x64xf32>, tensor<64x8xf32>, tensor<1x16x8xf32>, tensor<1x16x8xf32>, tensor<64xf32>)
      -> (tensor<1x16x64xf32>, tensor<1x64x8xf32>)
  return %y : tensor<1x16x64xf32>
}

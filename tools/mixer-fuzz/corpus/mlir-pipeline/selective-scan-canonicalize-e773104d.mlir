func.func @no_fold_nonzero_delta_bias(%x: tensor<1x16x64xf32>, %A: tensor<64x8xf32>, %B: tensor<1x16x8xf32>) -> tensor<1x16x64xf32> {
  %bias = arith.constant dense<0.5> : tensor<64xf32>
  %y, %h = mixer.selective_scan %x, %x, %A, %B, %B delta_bias(%bias)
      : (tensor<1x16x64xf32>, tensor<1x16x64xf32>, tensor<64x8xf32>, tensor<1x16x8xf32>, tensor<1x16x8xf32>, tensor<64xf32>)
      -> (tensor<1x16x64xf32>, tensor<1x64x8xf32>)
  return %y : tensor<1x16x64xf32>
}

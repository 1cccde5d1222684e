func.func @no_fold_zero_D(%x: tensor<1x16x64xf32>, %A: tensor<64x8xf32>, %B: tensor<1x16x8xf32>) -> tensor<1x16x64xf32> {
  %zero = arith.constant dense<0.0> : tensor<64xf32>
  %y, %h = mixer.selective_scan %x, %x, %A, %B, %B D(%zero)
      : (tensor<1x16x64xf32>, tensor<1x16x64xf32>, tensor<64x8xf32>, tensor<1x16x8xf32>, tensor<1x16x8xf32>, tensor<64xf32>)
      -> (tensor<1x16x64xf32>, tensor<1x64x8xf32>)
  return %y : tensor<1x16x64xf32>
}

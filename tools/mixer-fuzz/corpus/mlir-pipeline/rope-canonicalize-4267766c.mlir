func.func @cse(%x: tensor<1x8x16x64xf32>, %c: tensor<16x32xf32>) -> (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>) {
  %0 = mixer.rope %x, %c, %c rotate_half : (tensor<1x8x16x64xf32>, tensor<16x32xf32>, tensor<16x32xf32>) -> tensor<1x8x16x64xf32>
  %1 = mixer.rope %x, %c, %c rotate_half : (tensor<1x8x16x64xf32>, tensor<16x32xf32>, tensor<16x32xf32>) -> tensor<1x8x16x64xf32>
  return %0, %1 : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>
}

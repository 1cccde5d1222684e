func.func @identity_affine(%x: tensor<4x32xf32>) -> (tensor<4x32xf32>, tensor<4x32xf32>) {
  %ones = arith.constant dense<1.0> : tensor<32xf32>
  %zeros = arith.constant dense<0.0> : tensor<32xf32>
  %0 = mixer.layer_norm %x weight(%ones) bias(%zeros) : (tensor<4x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<4x32xf32>
  %1 = mixer.rms_norm %x weight(%ones) : (tensor<4x32xf32>, tensor<32xf32>) -> tensor<4x32xf32>
  return %0, %1 : tensor<4x32xf32>, tensor<4x32xf32>
}

func.func @compressed_identity_affine(%x: tensor<4x31xf32>) -> tensor<4x32xf32> {
  %ones = arith.constant dense<1.0> : tensor<32xf32>
  %0 = mixer.compressed_rms_norm %x weight(%ones) : (tensor<4x31xf32>, tensor<32xf32>) -> tensor<4x32xf32>
  return %0 : tensor<4x32xf32>
}

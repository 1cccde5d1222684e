func.func @no_fold_non_neutral_constants(%x: tensor<4x32xf32>) -> tensor<4x32xf32> {
  %two = arith.constant dense<2.0> : tensor<32xf32>
  %ones = arith.constant dense<1.0> : tensor<32xf32>
  %0 = mixer.layer_norm %x weight(%two) bias(%ones) : (tensor<4x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<4x32xf32>
  return %0 : tensor<4x32xf32>
}

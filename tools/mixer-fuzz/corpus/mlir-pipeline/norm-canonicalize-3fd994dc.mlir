func.func @no_fold_non_splat(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[1.0, 0.5]> : tensor<2xf32>
  %0 = mixer.rms_norm %x weight(%w) : (tensor<4x2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

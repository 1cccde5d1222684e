func.func @compressed_rms_norm(%x: tensor<?x7xf32>, %w: tensor<8xf32>) -> tensor<?x8xf32> {
  %y = mixer.compressed_rms_norm %x weight(%w) : (tensor<?x7xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

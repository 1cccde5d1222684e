func.func @negative_not_last_dim(%s: tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32> {
  %es = tensor.empty() : tensor<1x2x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%s : tensor<1x2x8x8xf32>) outs(%es : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  return %p : tensor<1x2x8x8xf32>
}

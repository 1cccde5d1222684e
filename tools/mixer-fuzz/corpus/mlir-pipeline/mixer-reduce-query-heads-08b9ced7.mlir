func.func @not_projected(%q: tensor<1x4x8x2xf32>, %k: tensor<1x4x8x2xf32>, %v: tensor<1x4x8x2xf32>) -> tensor<1x4x8x2xf32> {
  %o = mixer.attention %q, %k, %v
      : (tensor<1x4x8x2xf32>, tensor<1x4x8x2xf32>, tensor<1x4x8x2xf32>) -> tensor<1x4x8x2xf32>
  return %o : tensor<1x4x8x2xf32>
}

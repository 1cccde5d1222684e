func.func @gqa(%q: tensor<1x8x4x16xf32>, %k: tensor<1x4x4x16xf32>, %v: tensor<1x4x4x16xf32>) -> tensor<1x8x4x16xf32> {
  %o = mixer.attention %q, %k, %v
      : (tensor<1x8x4x16xf32>, tensor<1x4x4x16xf32>, tensor<1x4x4x16xf32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

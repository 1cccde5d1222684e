func.func @lens_and_mask(%q: tensor<2x4x40x16xf32>, %k: tensor<2x4x40x16xf32>, %v: tensor<2x4x40x16xf32>,
                         %mask: tensor<2x1x1x40xf32>, %lens: tensor<2xi32>) -> tensor<2x4x40x16xf32> {
  %o = mixer.attention %q, %k, %v mask(%mask) seq_lens(%lens)
      : (tensor<2x4x40x16xf32>, tensor<2x4x40x16xf32>, tensor<2x4x40x16xf32>, tensor<2x1x1x40xf32>, tensor<2xi32>) -> tensor<2x4x40x16xf32>
  return %o : tensor<2x4x40x16xf32>
}

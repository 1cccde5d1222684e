func.func @masked_f16(%q: tensor<2x4x8x16xf16>, %k: tensor<2x4x8x16xf16>,
                      %v: tensor<2x4x8x16xf16>, %m: tensor<8x8xi1>,
                      %lens: tensor<2xi32>) -> tensor<2x4x8x16xf16> {
  %o = mixer.attention %q, %k, %v mask(%m) seq_lens(%lens) {scale = 0.5 : f32}
      : (tensor<2x4x8x16xf16>, tensor<2x4x8x16xf16>, tensor<2x4x8x16xf16>,
         tensor<8x8xi1>, tensor<2xi32>) -> tensor<2x4x8x16xf16>
  return %o : tensor<2x4x8x16xf16>
}

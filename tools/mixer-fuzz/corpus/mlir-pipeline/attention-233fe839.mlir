func.func @fewer_query_than_kv_heads(%q: tensor<1x4x64x16xf32>, %k: tensor<1x16x64x16xf32>,
                                     %v: tensor<1x16x64x16xf32>) -> tensor<1x16x64x16xf32> {
  %0 = mixer.attention %q, %k, %v
      : (tensor<1x4x64x16xf32>, tensor<1x16x64x16xf32>, tensor<1x16x64x16xf32>) -> tensor<1x16x64x16xf32>
  return %0 : tensor<1x16x64x16xf32>
}

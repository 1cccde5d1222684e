func.func @gqa_query_mask(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x32xf32>, %mask: tensor<?x?xf32>) -> tensor<2x8x?x32xf32> {
  %o = mixer.attention %q, %k, %v mask(%mask)
      : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>, tensor<?x?xf32>) -> tensor<2x8x?x32xf32>
  return %o : tensor<2x8x?x32xf32>
}

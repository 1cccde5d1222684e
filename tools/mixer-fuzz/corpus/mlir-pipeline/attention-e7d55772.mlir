func.func @dynamic_heads(%q: tensor<1x?x8x16xf32>, %k: tensor<1x?x8x16xf32>,
                         %v: tensor<1x?x8x16xf32>) -> tensor<1x?x8x16xf32> {
  %o = mixer.attention %q, %k, %v
      : (tensor<1x?x8x16xf32>, tensor<1x?x8x16xf32>, tensor<1x?x8x16xf32>)
      -> tensor<1x?x8x16xf32>
  return %o : tensor<1x?x8x16xf32>
}

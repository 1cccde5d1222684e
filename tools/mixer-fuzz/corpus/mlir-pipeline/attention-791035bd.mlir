func.func @grouped_query(%q: tensor<1x32x16x128xf32>, %k: tensor<1x8x16x128xf32>,
                         %v: tensor<1x8x16x128xf32>) -> tensor<1x32x16x128xf32> {
  %0 = mixer.attention %q, %k, %v {causal}
      : (tensor<1x32x16x128xf32>, tensor<1x8x16x128xf32>, tensor<1x8x16x128xf32>) -> tensor<1x32x16x128xf32>
  return %0 : tensor<1x32x16x128xf32>
}

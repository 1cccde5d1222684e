func.func @multi_query(%q: tensor<1x16x1x64xf32>, %k: tensor<1x1x16x64xf32>,
                       %v: tensor<1x1x16x64xf32>) -> tensor<1x16x1x64xf32> {
  %0 = mixer.attention %q, %k, %v
      : (tensor<1x16x1x64xf32>, tensor<1x1x16x64xf32>, tensor<1x1x16x64xf32>) -> tensor<1x16x1x64xf32>
  return %0 : tensor<1x16x1x64xf32>
}

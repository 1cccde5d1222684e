func.func @multi_head(%q: tensor<2x12x128x64xf32>, %k: tensor<2x12x128x64xf32>,
                      %v: tensor<2x12x128x64xf32>) -> tensor<2x12x128x64xf32> {
  %0 = mixer.attention %q, %k, %v
      : (tensor<2x12x128x64xf32>, tensor<2x12x128x64xf32>, tensor<2x12x128x64xf32>) -> tensor<2x12x128x64xf32>
  return %0 : tensor<2x12x128x64xf32>
}

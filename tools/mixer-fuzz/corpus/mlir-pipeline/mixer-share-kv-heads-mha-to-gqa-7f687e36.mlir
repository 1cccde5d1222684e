func.func @left_alone(%q: tensor<1x4x4x16xf32>, %k: tensor<1x2x4x16xf32>, %v: tensor<1x2x4x16xf32>,
                      %q3: tensor<1x3x4x16xf32>, %q2: tensor<1x2x4x16xf32>, %k4: tensor<1x4x4x16xf32>)
    -> (tensor<1x4x4x16xf32>, tensor<1x3x4x16xf32>, tensor<1x4x4x16xf32>) {
  %a = mixer.attention %q, %k, %v
      : (tensor<1x4x4x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>) -> tensor<1x4x4x16xf32>
  %b = mixer.attention %q3, %q3, %q3
      : (tensor<1x3x4x16xf32>, tensor<1x3x4x16xf32>, tensor<1x3x4x16xf32>) -> tensor<1x3x4x16xf32>
  %c = mixer.attention %q2, %k4, %k4
      : (tensor<1x2x4x16xf32>, tensor<1x4x4x16xf32>, tensor<1x4x4x16xf32>) -> tensor<1x4x4x16xf32>
  return %a, %b, %c : tensor<1x4x4x16xf32>, tensor<1x3x4x16xf32>, tensor<1x4x4x16xf32>
}

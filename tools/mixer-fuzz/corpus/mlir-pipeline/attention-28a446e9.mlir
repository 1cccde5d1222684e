func.func @value_head_dim_differs(%q: tensor<1x4x8x64xf32>, %k: tensor<1x4x32x64xf32>,
                                  %v: tensor<1x4x32x96xf32>) -> tensor<1x4x8x96xf32> {
  %0 = mixer.attention %q, %k, %v {scale = 0.125 : f32}
      : (tensor<1x4x8x64xf32>, tensor<1x4x32x64xf32>, tensor<1x4x32x96xf32>) -> tensor<1x4x8x96xf32>
  return %0 : tensor<1x4x8x96xf32>
}

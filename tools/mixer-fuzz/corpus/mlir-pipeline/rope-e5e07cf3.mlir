func.func @rotate_half(%x: tensor<1x4x?x64xf32>, %c: tensor<128x16xf32>, %s: tensor<128x16xf32>, %p: tensor<1x?xi64>) -> tensor<1x4x?x64xf32> {
  %y = mixer.rope %x, %c, %s positions(%p) rotate_half {rotary_dim = 32 : i64}
      : (tensor<1x4x?x64xf32>, tensor<128x16xf32>, tensor<128x16xf32>, tensor<1x?xi64>) -> tensor<1x4x?x64xf32>
  return %y : tensor<1x4x?x64xf32>
}

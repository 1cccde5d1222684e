func.func @table_with_positions(%x: tensor<1x32x?x128xf32>, %cos: tensor<4096x64xf32>, %sin: tensor<4096x64xf32>,
                                %pos: tensor<1x?xi64>) -> tensor<1x32x?x128xf32> {
  %0 = mixer.rope %x, %cos, %sin positions(%pos) rotate_half
      : (tensor<1x32x?x128xf32>, tensor<4096x64xf32>, tensor<4096x64xf32>, tensor<1x?xi64>) -> tensor<1x32x?x128xf32>
  return %0 : tensor<1x32x?x128xf32>
}

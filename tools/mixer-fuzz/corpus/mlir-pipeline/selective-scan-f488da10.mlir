func.func @bare_and_decode_step(%x: tensor<1x1x64xf32>, %A: tensor<64x8xf32>, %B: tensor<1x1x8xf32>,
                                %h0: tensor<1x64x8xf32>) -> (tensor<1x1x64xf32>, tensor<1x1x64xf32>) {
  %y0, %h1 = mixer.selective_scan %x, %x, %A, %B, %B
      : (tensor<1x1x64xf32>, tensor<1x1x64xf32>, tensor<64x8xf32>, tensor<1x1x8xf32>, tensor<1x1x8xf32>)
      -> (tensor<1x1x64xf32>, tensor<1x64x8xf32>)
  %y1, %h2 = mixer.selective_scan %x, %x, %A, %B, %B initial_state(%h0)
      : (tensor<1x1x64xf32>, tensor<1x1x64xf32>, tensor<64x8xf32>, tensor<1x1x8xf32>, tensor<1x1x8xf32>, tensor<1x64x8xf32>)
      -> (tensor<1x1x64xf32>, tensor<1x64x8xf32>)
  return %y0, %y1 : tensor<1x1x64xf32>, tensor<1x1x64xf32>
}

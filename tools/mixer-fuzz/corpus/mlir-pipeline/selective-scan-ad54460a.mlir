func.func @scan(%x: tensor<1x?x8xf32>, %dt: tensor<1x?x8xf32>, %A: tensor<8x4xf32>,
                %B: tensor<1x?x4xf32>, %C: tensor<1x?x4xf32>, %D: tensor<8xf32>)
    -> (tensor<1x?x8xf32>, tensor<1x8x4xf32>) {
  %y, %h = mixer.selective_scan %x, %dt, %A, %B, %C D(%D) {delta_softplus}
      : (tensor<1x?x8xf32>, tensor<1x?x8xf32>, tensor<8x4xf32>, tensor<1x?x4xf32>,
         tensor<1x?x4xf32>, tensor<8xf32>) -> (tensor<1x?x8xf32>, tensor<1x8x4xf32>)
  return %y, %h : tensor<1x?x8xf32>, tensor<1x8x4xf32>
}

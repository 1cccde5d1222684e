func.func @mamba(%x: tensor<2x?x1536xf32>, %dt: tensor<2x?x1536xf32>, %A: tensor<1536x16xf32>,
                 %B: tensor<2x?x16xf32>, %C: tensor<2x?x16xf32>, %D: tensor<1536xf32>,
                 %z: tensor<2x?x1536xf32>, %db: tensor<1536xf32>) -> (tensor<2x?x1536xf32>, tensor<2x1536x16xf32>) {
  %y, %h = mixer.selective_scan %x, %dt, %A, %B, %C D(%D) z(%z) delta_bias(%db) {delta_softplus}
      : (tensor<2x?x1536xf32>, tensor<2x?x1536xf32>, tensor<1536x16xf32>, tensor<2x?x16xf32>, tensor<2x?x16xf32>,
         tensor<1536xf32>, tensor<2x?x1536xf32>, tensor<1536xf32>) -> (tensor<2x?x1536xf32>, tensor<2x1536x16xf32>)
  return %y, %h : tensor<2x?x1536xf32>, tensor<2x1536x16xf32>
}

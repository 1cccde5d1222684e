func.func @compressed_rms_norm(%x: tensor<2x?x383xf32>, %g: tensor<384xf32>, %b: tensor<384xf32>, %y: tensor<?xf16>) -> (tensor<2x?x384xf32>, tensor<?xf16>) {
  %0 = mixer.compressed_rms_norm %x weight(%g) bias(%b) {epsilon = 1.0e-6 : f32}
      : (tensor<2x?x383xf32>, tensor<384xf32>, tensor<384xf32>) -> tensor<2x?x384xf32>
  %1 = mixer.compressed_rms_norm %y : (tensor<?xf16>) -> tensor<?xf16>
  return %0, %1 : tensor<2x?x384xf32>, tensor<?xf16>
}

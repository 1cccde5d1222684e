func.func @rms_norm(%x: tensor<1x?x4096xbf16>, %g: tensor<4096xbf16>)
    -> (tensor<1x?x4096xbf16>, tensor<1x?x4096xbf16>, tensor<1x?x4096xbf16>) {
  %0 = mixer.rms_norm %x weight(%g) {epsilon = 1.0e-6 : f32} : (tensor<1x?x4096xbf16>, tensor<4096xbf16>) -> tensor<1x?x4096xbf16>
  %1 = mixer.rms_norm %x : (tensor<1x?x4096xbf16>) -> tensor<1x?x4096xbf16>
  %2 = mixer.rms_norm %x weight(%g) bias(%g) : (tensor<1x?x4096xbf16>, tensor<4096xbf16>, tensor<4096xbf16>) -> tensor<1x?x4096xbf16>
  return %0, %1, %2 : tensor<1x?x4096xbf16>, tensor<1x?x4096xbf16>, tensor<1x?x4096xbf16>
}

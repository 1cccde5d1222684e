func.func @half_precision(%qb: tensor<1x8x32x64xbf16>, %qh: tensor<1x8x32x64xf16>)
    -> (tensor<1x8x32x64xbf16>, tensor<1x8x32x64xf16>) {
  %0 = mixer.attention %qb, %qb, %qb
      : (tensor<1x8x32x64xbf16>, tensor<1x8x32x64xbf16>, tensor<1x8x32x64xbf16>) -> tensor<1x8x32x64xbf16>
  %1 = mixer.attention %qh, %qh, %qh
      : (tensor<1x8x32x64xf16>, tensor<1x8x32x64xf16>, tensor<1x8x32x64xf16>) -> tensor<1x8x32x64xf16>
  return %0, %1 : tensor<1x8x32x64xbf16>, tensor<1x8x32x64xf16>
}

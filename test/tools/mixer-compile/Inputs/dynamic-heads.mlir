// A module that mixer-compile cannot lower: 16-bit attention takes the
// reference lowering, whose head grouping needs static head counts.
func.func @main(%q: tensor<1x?x8x16xf16>, %k: tensor<1x?x8x16xf16>,
                %v: tensor<1x?x8x16xf16>) -> tensor<1x?x8x16xf16> {
  // The next line is where the diagnostic points.
  %o = mixer.attention %q, %k, %v
      : (tensor<1x?x8x16xf16>, tensor<1x?x8x16xf16>, tensor<1x?x8x16xf16>)
      -> tensor<1x?x8x16xf16>
  return %o : tensor<1x?x8x16xf16>
}

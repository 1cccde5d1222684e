// A module that mixer-compile cannot lower: grouping needs static head counts.
func.func @main(%q: tensor<1x?x8x16xf32>, %k: tensor<1x?x8x16xf32>,
                %v: tensor<1x?x8x16xf32>) -> tensor<1x?x8x16xf32> {
  // The next line is where the diagnostic points.
  %o = mixer.attention %q, %k, %v
      : (tensor<1x?x8x16xf32>, tensor<1x?x8x16xf32>, tensor<1x?x8x16xf32>)
      -> tensor<1x?x8x16xf32>
  return %o : tensor<1x?x8x16xf32>
}

func.func @mqa(%q: tensor<?x8x?x16xf32>, %k: tensor<?x1x?x16xf32>, %v: tensor<?x1x?x16xf32>, %mask: tensor<?x1x1x?xf32>) -> tensor<?x8x?x16xf32> {
  %o = mixer.attention %q, %k, %v
      : (tensor<?x8x?x16xf32>, tensor<?x1x?x16xf32>, tensor<?x1x?x16xf32>) -> tensor<?x8x?x16xf32>
  return %o : tensor<?x8x?x16xf32>
}

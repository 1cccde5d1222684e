#unit = affine_map<(b, h, g, s, d) -> (b, h, 0, s, d)>
#id5 = affine_map<(b, h, g, s, d) -> (b, h, g, s, d)>

func.func @negative_unproven_extents(%q: tensor<?x4x?x16xf32>, %k: tensor<?x2x?x16xf32>, %b: index, %s: index) -> tensor<?x4x?x16xf32> {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  %unit = tensor.from_elements %b, %c2, %c1, %s, %c16 : tensor<5xindex>
  %merged = tensor.from_elements %b, %c4, %s, %c16 : tensor<4xindex>
  %k5 = tensor.reshape %k(%unit) : (tensor<?x2x?x16xf32>, tensor<5xindex>) -> tensor<?x2x1x?x16xf32>
  %e = tensor.empty(%b, %s) : tensor<?x2x2x?x16xf32>
  %kb = linalg.generic {indexing_maps = [#unit, #id5], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%k5 : tensor<?x2x1x?x16xf32>) outs(%e : tensor<?x2x2x?x16xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  } -> tensor<?x2x2x?x16xf32>
  %kr = tensor.reshape %kb(%merged) : (tensor<?x2x2x?x16xf32>, tensor<4xindex>) -> tensor<?x4x?x16xf32>
  %o = mixer.attention %q, %kr, %kr
      : (tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>) -> tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}

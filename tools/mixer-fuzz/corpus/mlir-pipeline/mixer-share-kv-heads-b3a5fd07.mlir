#unit = affine_map<(b, h, g, s, d) -> (b, h, 0, s, d)>
#id5 = affine_map<(b, h, g, s, d) -> (b, h, g, s, d)>

func.func @llama(%q: tensor<?x4x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>) -> tensor<?x4x?x16xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  %b = tensor.dim %k, %c0 : tensor<?x2x?x16xf32>
  %s = tensor.dim %k, %c2 : tensor<?x2x?x16xf32>
  %bv = tensor.dim %v, %c0 : tensor<?x2x?x16xf32>
  %sv = tensor.dim %v, %c2 : tensor<?x2x?x16xf32>
  %unit = tensor.from_elements %b, %c2, %c1, %s, %c16 : tensor<5xindex>
  %merged = tensor.from_elements %b, %c4, %s, %c16 : tensor<4xindex>
  %unitv = tensor.from_elements %bv, %c2, %c1, %sv, %c16 : tensor<5xindex>
  %mergedv = tensor.from_elements %bv, %c4, %sv, %c16 : tensor<4xindex>
  %k5 = tensor.reshape %k(%unit) : (tensor<?x2x?x16xf32>, tensor<5xindex>) -> tensor<?x2x1x?x16xf32>
  %v5 = tensor.reshape %v(%unitv) : (tensor<?x2x?x16xf32>, tensor<5xindex>) -> tensor<?x2x1x?x16xf32>
  %e = tensor.empty(%b, %s) : tensor<?x2x2x?x16xf32>
  %ev = tensor.empty(%bv, %sv) : tensor<?x2x2x?x16xf32>
  %kb = linalg.generic {indexing_maps = [#unit, #id5], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%k5 : tensor<?x2x1x?x16xf32>) outs(%e : tensor<?x2x2x?x16xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  } -> tensor<?x2x2x?x16xf32>
  %vb = linalg.generic {indexing_maps = [#unit, #id5], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%v5 : tensor<?x2x1x?x16xf32>) outs(%ev : tensor<?x2x2x?x16xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  } -> tensor<?x2x2x?x16xf32>
  %kr = tensor.reshape %kb(%merged) : (tensor<?x2x2x?x16xf32>, tensor<4xindex>) -> tensor<?x4x?x16xf32>
  %vr = tensor.reshape %vb(%mergedv) : (tensor<?x2x2x?x16xf32>, tensor<4xindex>) -> tensor<?x4x?x16xf32>
  %o = mixer.attention %q, %kr, %vr {causal}
      : (tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>) -> tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}

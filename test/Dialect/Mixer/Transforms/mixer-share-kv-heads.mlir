// RUN: mixer-opt %s --split-input-file --mixer-share-kv-heads=remarks=true --canonicalize --verify-diagnostics | FileCheck %s

#unit = affine_map<(b, h, g, s, d) -> (b, h, 0, s, d)>
#id5 = affine_map<(b, h, g, s, d) -> (b, h, g, s, d)>

// repeat_kv as PyTorch exports it (reshape to [B, 2, 1, S, D], broadcast to
// [B, 2, 2, S, D], reshape to [B, 4, S, D]), with the batch and sequence
// extents carried by the same values: the attention reads the 2 K/V heads
// directly and the repeated tensors are gone.
// CHECK-LABEL: func.func @llama
//  CHECK-SAME: (%[[Q:.+]]: tensor<?x4x?x16xf32>, %[[K:.+]]: tensor<?x2x?x16xf32>, %[[V:.+]]: tensor<?x2x?x16xf32>)
//       CHECK: %[[O:.+]] = mixer.attention %[[Q]], %[[K]], %[[V]] {causal} : (tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>) -> tensor<?x4x?x16xf32>
//   CHECK-NOT: tensor.reshape
//   CHECK-NOT: linalg.generic
//       CHECK: return %[[O]]
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

// -----

#unit = affine_map<(b, h, g, s, d) -> (b, h, 0, s, d)>
#id5 = affine_map<(b, h, g, s, d) -> (b, h, g, s, d)>

// The merged shape uses sequence and batch extents that are not provably
// the heads' own (here: function arguments): folding could read the wrong
// elements, so the repeat stays, with a remark.
// CHECK-LABEL: func.func @negative_unproven_extents
//       CHECK: mixer.attention %{{.+}}, %{{.+}}, %{{.+}} : (tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>)
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
  // expected-remark @+1 {{K/V heads not shared: key: the reshapes are not provably the repeat_kv ones}}
  %o = mixer.attention %q, %kr, %kr
      : (tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>) -> tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}

// -----

// Attention without repeated heads is left alone, silently.
// CHECK-LABEL: func.func @negative_plain
//       CHECK: mixer.attention %arg0, %arg1, %arg2 :
func.func @negative_plain(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %o = mixer.attention %q, %k, %v : (tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

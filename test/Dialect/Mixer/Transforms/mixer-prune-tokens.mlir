// RUN: mixer-opt %s --split-input-file --mixer-prune-tokens="layers=0 keep=0.5" --canonicalize --cse | FileCheck %s
// RUN: mixer-opt %s --split-input-file --mixer-prune-tokens="layers=0,1 keep=0.5,0.4 protect=2 iterations=1" --canonicalize --cse | FileCheck %s --check-prefix=TWICE
// RUN: mixer-opt %s --split-input-file --mixer-prune-tokens="layers=0 keep=0.5 remarks=true" 2>&1 >/dev/null | FileCheck %s --check-prefix=REMARK
// RUN: mixer-opt %s --split-input-file --mixer-prune-tokens="method=merge layers=0 keep=0.5" --canonicalize --cse | FileCheck %s --check-prefix=MERGE

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#pool_in = affine_map<(d0, d1, d2) -> (d0, d2, d1)>
#pool_out = affine_map<(d0, d1, d2) -> (d0, d1)>

// Two encoder layers (attention on the heads of the stream, heads merged,
// residual, LayerNorm) with a padding mask, then a mean over the tokens and
// the CLS token. Pruning after attention #0 (8 -> 1 + round(0.5 * 7) = 5
// tokens): importance on that attention's query and key, the kept queries
// only, the residual stream and the mask gathered (right after the kept
// tokens are known), the second layer and the
// pooling on 5 tokens; the CLS slice reads position 0 of the kept tokens.
// CHECK-LABEL: func.func @encoder
//  CHECK-SAME: (%[[X:.+]]: tensor<2x8x16xf32>, %[[M:.+]]: tensor<2x1x1x8xf32>)
//       CHECK: %[[Q:.+]] = linalg.transpose ins(%{{.+}} : tensor<2x8x2x8xf32>)
//       CHECK: %[[S:.+]] = mixer.token_importance %[[Q]], %[[Q]] mask(%[[M]]) {iterations = 3 : i64} : (tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x1x1x8xf32>) -> tensor<2x8xf32>
//       CHECK: %[[KEEP:.+]] = mixer.top_tokens %[[S]] {count = 5 : i64, protect = 1 : i64} : (tensor<2x8xf32>) -> tensor<2x5xi64>
//       CHECK: %[[QK:.+]] = mixer.gather_tokens %[[Q]], %[[KEEP]] {dim = 2 : i64} : (tensor<2x2x8x8xf32>, tensor<2x5xi64>) -> tensor<2x2x5x8xf32>
//       CHECK: %[[XK:.+]] = mixer.gather_tokens %[[X]], %[[KEEP]] {dim = 1 : i64} : (tensor<2x8x16xf32>, tensor<2x5xi64>) -> tensor<2x5x16xf32>
//       CHECK: %[[MK:.+]] = mixer.gather_tokens %[[M]], %[[KEEP]] {dim = 3 : i64} : (tensor<2x1x1x8xf32>, tensor<2x5xi64>) -> tensor<2x1x1x5xf32>
//       CHECK: %[[A:.+]] = mixer.attention %[[QK]], %[[Q]], %[[Q]] mask(%[[M]]) : (tensor<2x2x5x8xf32>, tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x1x1x8xf32>) -> tensor<2x2x5x8xf32>
//       CHECK: linalg.transpose ins(%[[A]] : tensor<2x2x5x8xf32>) outs(%{{.+}} : tensor<2x5x2x8xf32>)
//       CHECK: %[[MERGED:.+]] = tensor.reshape %{{.+}} : (tensor<2x5x2x8xf32>, tensor<3xindex>) -> tensor<2x5x16xf32>
//       CHECK: linalg.generic {{.*}} ins(%[[MERGED]], %[[XK]] : tensor<2x5x16xf32>, tensor<2x5x16xf32>)
//       CHECK: mixer.attention %{{.+}}, %{{.+}}, %{{.+}} mask(%[[MK]]) : (tensor<2x2x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x1x1x5xf32>) -> tensor<2x2x5x8xf32>
//       CHECK: %[[Y:.+]] = mixer.layer_norm %{{.+}} : (tensor<2x5x16xf32>) -> tensor<2x5x16xf32>
//       CHECK: %[[SUM:.+]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]{{.*}} ins(%[[Y]] : tensor<2x5x16xf32>) outs(%{{.+}} : tensor<2x16xf32>)
//       CHECK: %[[CLS:.+]] = tensor.extract_slice %[[Y]][0, 0, 0] [2, 1, 16] [1, 1, 1] : tensor<2x5x16xf32> to tensor<2x16xf32>
//       CHECK: return %[[SUM]], %[[CLS]]
// Pruned twice: 8 -> 2 + round(0.5 * 6) = 5, then 5 -> 2 + round(0.4 * 3) = 3.
// TWICE-LABEL: func.func @encoder
//       TWICE: mixer.top_tokens %{{.+}} {count = 5 : i64, protect = 2 : i64} : (tensor<2x8xf32>) -> tensor<2x5xi64>
//       TWICE: mixer.token_importance %{{.+}}, %{{.+}} mask(%{{.+}}) : (tensor<2x2x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x1x1x5xf32>) -> tensor<2x5xf32>
//       TWICE: mixer.top_tokens %{{.+}} {count = 3 : i64, protect = 2 : i64} : (tensor<2x5xf32>) -> tensor<2x3xi64>
//       TWICE: mixer.attention {{.*}} -> tensor<2x2x3x8xf32>
//       TWICE: mixer.layer_norm %{{.+}} : (tensor<2x3x16xf32>) -> tensor<2x3x16xf32>
// Merged (ToMe) after attention #0: 8 -> 5 (3 of the 4 unprotected even
// tokens merge into their most similar odd one). The attention computes all
// rows; its output, the stream and the mask are size-weighted averages into
// the 5 slots; the sizes add up; the second attention adds log(size) to each
// key's scores; the sum over tokens weights each token by its size.
// MERGE-LABEL: func.func @encoder
//  MERGE-SAME: (%[[X:.+]]: tensor<2x8x16xf32>, %[[M:.+]]: tensor<2x1x1x8xf32>)
//   MERGE-DAG: %[[ONES:.+]] = arith.constant dense<1.000000e+00> : tensor<2x8xf32>
//       MERGE: %[[A:.+]] = mixer.attention %[[Q:.+]], %[[Q]], %[[Q]] mask(%[[M]]) : {{.*}} -> tensor<2x2x8x8xf32>
//       MERGE: %[[DST:.+]], %{{.+}} = mixer.merge_plan %[[Q]] {merge = 3 : i64, protect = 1 : i64} : (tensor<2x2x8x8xf32>) -> (tensor<2x8xi64>, tensor<2x5xi64>)
//       MERGE: %[[SIZES:.+]] = mixer.merge_tokens %[[ONES]], %[[DST]] {dim = 1 : i64} : (tensor<2x8xf32>, tensor<2x8xi64>) -> tensor<2x5xf32>
//       MERGE: mixer.merge_tokens %[[A]], %[[DST]] weights(%[[ONES]]) {dim = 2 : i64, normalize} : (tensor<2x2x8x8xf32>, tensor<2x8xi64>, tensor<2x8xf32>) -> tensor<2x2x5x8xf32>
//       MERGE: mixer.merge_tokens %[[X]], %[[DST]] weights(%[[ONES]]) {dim = 1 : i64, normalize}
//       MERGE: %[[MM:.+]] = mixer.merge_tokens %[[M]], %[[DST]] weights(%[[ONES]]) {dim = 3 : i64, normalize} : (tensor<2x1x1x8xf32>, tensor<2x8xi64>, tensor<2x8xf32>) -> tensor<2x1x1x5xf32>
//       MERGE: %[[PROP:.+]] = linalg.generic {{.*}} ins(%[[SIZES]], %[[MM]] : tensor<2x5xf32>, tensor<2x1x1x5xf32>)
//       MERGE:   math.log
//       MERGE: mixer.attention %{{.+}}, %{{.+}}, %{{.+}} mask(%[[PROP]]) : {{.*}} -> tensor<2x2x5x8xf32>
//       MERGE: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]{{.*}} ins(%{{.+}}, %[[SIZES]] : tensor<2x5x16xf32>, tensor<2x5xf32>)
//       MERGE:   %[[W:.+]] = arith.mulf %{{.+}}, %{{.+}} : f32
//       MERGE:   arith.addf %{{.+}}, %[[W]] : f32
// REMARK: remark: mixer-prune-tokens: after attention #0, 8 -> 5 tokens (1 protected, keeping 50% of the others, 3 PageRank iterations); 13 later op(s) on the kept tokens, 3 tensor(s) gathered
func.func @encoder(%x: tensor<2x8x16xf32>, %m: tensor<2x1x1x8xf32>) -> (tensor<2x16xf32>, tensor<2x16xf32>) {
  %heads = arith.constant dense<[2, 8, 2, 8]> : tensor<4xindex>
  %merged = arith.constant dense<[2, 8, 16]> : tensor<3xindex>
  %zero = arith.constant 0.0 : f32
  %e3 = tensor.empty() : tensor<2x8x16xf32>
  %te = tensor.empty() : tensor<2x2x8x8xf32>
  %tb = tensor.empty() : tensor<2x8x2x8xf32>
  // Layer 0.
  %r0 = tensor.reshape %x(%heads) : (tensor<2x8x16xf32>, tensor<4xindex>) -> tensor<2x8x2x8xf32>
  %q0 = linalg.transpose ins(%r0 : tensor<2x8x2x8xf32>) outs(%te : tensor<2x2x8x8xf32>) permutation = [0, 2, 1, 3]
  %a0 = mixer.attention %q0, %q0, %q0 mask(%m)
      : (tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x1x1x8xf32>) -> tensor<2x2x8x8xf32>
  %b0 = linalg.transpose ins(%a0 : tensor<2x2x8x8xf32>) outs(%tb : tensor<2x8x2x8xf32>) permutation = [0, 2, 1, 3]
  %c0 = tensor.reshape %b0(%merged) : (tensor<2x8x2x8xf32>, tensor<3xindex>) -> tensor<2x8x16xf32>
  %s0 = linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%c0, %x : tensor<2x8x16xf32>, tensor<2x8x16xf32>) outs(%e3 : tensor<2x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<2x8x16xf32>
  %x1 = mixer.layer_norm %s0 : (tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  // Layer 1.
  %r1 = tensor.reshape %x1(%heads) : (tensor<2x8x16xf32>, tensor<4xindex>) -> tensor<2x8x2x8xf32>
  %q1 = linalg.transpose ins(%r1 : tensor<2x8x2x8xf32>) outs(%te : tensor<2x2x8x8xf32>) permutation = [0, 2, 1, 3]
  %a1 = mixer.attention %q1, %q1, %q1 mask(%m)
      : (tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x1x1x8xf32>) -> tensor<2x2x8x8xf32>
  %b1 = linalg.transpose ins(%a1 : tensor<2x2x8x8xf32>) outs(%tb : tensor<2x8x2x8xf32>) permutation = [0, 2, 1, 3]
  %c1 = tensor.reshape %b1(%merged) : (tensor<2x8x2x8xf32>, tensor<3xindex>) -> tensor<2x8x16xf32>
  %s1 = linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%c1, %x1 : tensor<2x8x16xf32>, tensor<2x8x16xf32>) outs(%e3 : tensor<2x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<2x8x16xf32>
  %y = mixer.layer_norm %s1 : (tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  // Poolings: the sum over the tokens, and the CLS token.
  %pe = tensor.empty() : tensor<2x16xf32>
  %pf = linalg.fill ins(%zero : f32) outs(%pe : tensor<2x16xf32>) -> tensor<2x16xf32>
  %sum = linalg.generic {indexing_maps = [#pool_in, #pool_out], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%y : tensor<2x8x16xf32>) outs(%pf : tensor<2x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %o, %a : f32
    linalg.yield %s : f32
  } -> tensor<2x16xf32>
  %cls = tensor.extract_slice %y[0, 0, 0] [2, 1, 16] [1, 1, 1] : tensor<2x8x16xf32> to tensor<2x16xf32>
  return %sum, %cls : tensor<2x16xf32>, tensor<2x16xf32>
}

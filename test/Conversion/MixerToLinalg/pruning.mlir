// RUN: mixer-opt %s --split-input-file --convert-mixer-to-linalg --canonicalize --cse | FileCheck %s

// Importance: the reference attention's scores and softmax per output head
// (K/V heads shared by query-head pairs through the maps), averaged over
// heads into [batch, seq_q, seq_kv], then one product with it per iteration.
// CHECK-LABEL: func.func @importance
//       CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]{{.*}} ins(%{{.+}}, %{{.+}} : tensor<2x4x10x8xf32>, tensor<2x2x8x10xf32>) outs(%{{.+}} : tensor<2x4x10x10xf32>)
//       CHECK: %[[GRAPH:.+]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]{{.*}} ins(%{{.+}}, %{{.+}} : tensor<2x4x10x10xf32>, tensor<2x4x10xf32>) outs(%{{.+}} : tensor<2x10x10xf32>)
//       CHECK: %[[S1:.+]] = linalg.generic {{.*}} ins(%{{.+}}, %[[GRAPH]] : tensor<2x10xf32>, tensor<2x10x10xf32>) outs(%{{.+}} : tensor<2x10xf32>)
//       CHECK: %[[S2:.+]] = linalg.generic {{.*}} ins(%[[S1]], %[[GRAPH]] : tensor<2x10xf32>, tensor<2x10x10xf32>) outs(%{{.+}} : tensor<2x10xf32>)
//       CHECK: return %[[S2]]
func.func @importance(%q: tensor<2x4x10x8xf32>, %k: tensor<2x2x10x8xf32>, %m: tensor<2x1x1x10xf32>) -> tensor<2x10xf32> {
  %s = mixer.token_importance %q, %k mask(%m) {iterations = 2 : i64} : (tensor<2x4x10x8xf32>, tensor<2x2x10x8xf32>, tensor<2x1x1x10xf32>) -> tensor<2x10xf32>
  return %s : tensor<2x10xf32>
}

// -----

// Top tokens: ranks, slots, then the kept index of each slot; no sort.
// CHECK-LABEL: func.func @top
//  CHECK-SAME: (%[[S:.+]]: tensor<2x10xf32>)
//   CHECK-DAG: %[[INF:.+]] = arith.constant 0x7F800000 : f32
//   CHECK-DAG: %[[PROTECT:.+]] = arith.constant 2 : i64
//   CHECK-DAG: %[[COUNT:.+]] = arith.constant 6 : i64
//       CHECK: %[[RANK:.+]] = linalg.generic {{.*}} ins(%[[S]], %[[S]] : tensor<2x10xf32>, tensor<2x10xf32>) outs(%{{.+}} : tensor<2x10xi64>)
//       CHECK:   arith.cmpi slt, %{{.+}}, %[[PROTECT]] : i64
//       CHECK:   arith.select %{{.+}}, %[[INF]], %{{.+}} : f32
//       CHECK:   arith.cmpf ogt
//       CHECK: %[[SLOT:.+]] = linalg.generic {{.*}} ins(%[[RANK]] : tensor<2x10xi64>) outs(%{{.+}} : tensor<2x10xi64>)
//       CHECK:   arith.cmpi slt, %{{.+}}, %[[COUNT]] : i64
//       CHECK: %[[OUT:.+]] = linalg.generic {{.*}} ins(%[[RANK]], %[[SLOT]] : tensor<2x10xi64>, tensor<2x10xi64>) outs(%{{.+}} : tensor<2x6xi64>)
//       CHECK: return %[[OUT]]
func.func @top(%s: tensor<2x10xf32>) -> tensor<2x6xi64> {
  %t = mixer.top_tokens %s {count = 6 : i64, protect = 2 : i64} : (tensor<2x10xf32>) -> tensor<2x6xi64>
  return %t : tensor<2x6xi64>
}

// -----

// Gather: each result element reads the input at the kept index.
// CHECK-DAG: #[[IDX:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d2)>
// CHECK-LABEL: func.func @gather
//  CHECK-SAME: (%[[X:.+]]: tensor<2x3x10x5xf32>, %[[T:.+]]: tensor<2x6xi64>)
//       CHECK: linalg.generic {indexing_maps = [#[[IDX]], #{{.+}}], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[T]] : tensor<2x6xi64>) outs(%{{.+}} : tensor<2x3x6x5xf32>)
//       CHECK:   %[[I:.+]] = arith.index_cast %{{.+}} : i64 to index
//       CHECK:   tensor.extract %[[X]][%{{.+}}, %{{.+}}, %[[I]], %{{.+}}] : tensor<2x3x10x5xf32>
func.func @gather(%x: tensor<2x3x10x5xf32>, %t: tensor<2x6xi64>) -> tensor<2x3x6x5xf32> {
  %y = mixer.gather_tokens %x, %t {dim = 2 : i64} : (tensor<2x3x10x5xf32>, tensor<2x6xi64>) -> tensor<2x3x6x5xf32>
  return %y : tensor<2x3x6x5xf32>
}

// -----

// Merge: a [batch, slots, seq] matrix of weights (normalized per slot)
// times the input, a contraction over the tokens.
// CHECK-LABEL: func.func @merge_tokens
//  CHECK-SAME: (%[[X:.+]]: tensor<2x8x16xf32>, %[[D:.+]]: tensor<2x8xi64>, %[[W:.+]]: tensor<2x8xf32>)
//       CHECK: %[[M:.+]] = linalg.generic {{.*}} ins(%[[D]], %[[W]] : tensor<2x8xi64>, tensor<2x8xf32>) outs(%{{.+}} : tensor<2x5x8xf32>)
//       CHECK: %[[T:.+]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]{{.*}} ins(%[[M]] : tensor<2x5x8xf32>) outs(%{{.+}} : tensor<2x5xf32>)
//       CHECK: %[[N:.+]] = linalg.generic {{.*}} ins(%[[M]], %[[T]] : tensor<2x5x8xf32>, tensor<2x5xf32>)
//       CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]{{.*}} ins(%[[N]], %[[X]] : tensor<2x5x8xf32>, tensor<2x8x16xf32>) outs(%{{.+}} : tensor<2x5x16xf32>)
func.func @merge_tokens(%x: tensor<2x8x16xf32>, %d: tensor<2x8xi64>, %w: tensor<2x8xf32>) -> tensor<2x5x16xf32> {
  %y = mixer.merge_tokens %x, %d weights(%w) {dim = 1 : i64, normalize} : (tensor<2x8x16xf32>, tensor<2x8xi64>, tensor<2x8xf32>) -> tensor<2x5x16xf32>
  return %y : tensor<2x5x16xf32>
}

// -----

// The plan: the metric summed over heads and normalized, all-pairs cosine
// similarity on the GEMM kernel (the metric transposed as its columns), the
// best B partner of each token, ranks, slots, then dst and kept.
// CHECK-LABEL: func.func @merge_plan
//       CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]{{.*}} ins(%{{.+}} : tensor<2x2x8x4xf32>) outs(%{{.+}} : tensor<2x8x4xf32>)
//       CHECK: math.sqrt
//       CHECK: linalg.generic {{.*}} ins(%{{.+}}, %{{.+}} : tensor<2x8x4xf32>, tensor<2x4x8xf32>) outs(%{{.+}} : tensor<2x8x8xf32>)
//       CHECK: %{{.+}}:2 = linalg.generic {{.*}} outs(%{{.+}}, %{{.+}} : tensor<2x8xf32>, tensor<2x8xi64>)
//       CHECK: tensor.extract
//       CHECK: return %{{.+}}, %{{.+}} : tensor<2x8xi64>, tensor<2x5xi64>
func.func @merge_plan(%k: tensor<2x2x8x4xf32>) -> (tensor<2x8xi64>, tensor<2x5xi64>) {
  %dst, %kept = mixer.merge_plan %k {merge = 3 : i64, protect = 1 : i64} : (tensor<2x2x8x4xf32>) -> (tensor<2x8xi64>, tensor<2x5xi64>)
  return %dst, %kept : tensor<2x8xi64>, tensor<2x5xi64>
}

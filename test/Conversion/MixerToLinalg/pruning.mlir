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

// RUN: mixer-opt %s --split-input-file --mixer-tile-attention="query-tile=16 key-tile=64" --canonicalize --cse | FileCheck %s
// RUN: not mixer-opt %s --split-input-file --mixer-tile-attention="key-tile=0" 2>&1 | FileCheck %s --check-prefix=OPTIONS

// OPTIONS: mixer-tile-attention: query-tile and key-tile must be positive

// Causal grouped-query attention (8 query heads, 2 K/V heads): Kᵀ once, a
// parallel loop over (batch, head, 16-row query tiles), K/V head h / 4, an
// online softmax over 64-key tiles that stops at the causal frontier of the
// query tile, and one [rows, keys] block of scores per step.
// CHECK-LABEL: func.func @causal_gqa
//  CHECK-SAME: (%[[Q:.+]]: tensor<2x8x?x64xf32>, %[[K:.+]]: tensor<2x2x?x64xf32>, %[[V:.+]]: tensor<2x2x?x32xf32>)
//   CHECK-DAG: %[[C4:.+]] = arith.constant 4 : index
//   CHECK-DAG: %[[C16:.+]] = arith.constant 16 : index
//   CHECK-DAG: %[[C64:.+]] = arith.constant 64 : index
//   CHECK-DAG: %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
//   CHECK-DAG: %[[SQ:.+]] = tensor.dim %[[Q]], %{{.+}}
//   CHECK-DAG: %[[SKV:.+]] = tensor.dim %[[K]], %{{.+}}
//       CHECK: %[[KT:.+]] = linalg.transpose ins(%[[K]] : tensor<2x2x?x64xf32>) outs(%{{.+}} : tensor<2x2x64x?xf32>) permutation = [0, 1, 3, 2]
//       CHECK: %[[OFFSET:.+]] = arith.subi %[[SKV]], %[[SQ]]
//       CHECK: scf.forall (%[[B:.+]], %[[H:.+]], %[[Q0:.+]]) = (0, 0, 0) to (2, 8, %[[SQ]]) step (1, 1, 16) shared_outs(%[[OUT:.+]] = %{{.+}})
//       CHECK:   %[[ROWS:.+]] = arith.minsi %{{.+}}, %[[C16]]
//       CHECK:   %[[HKV:.+]] = arith.divui %[[H]], %[[C4]]
//       CHECK:   %[[QT:.+]] = tensor.extract_slice %[[Q]][%[[B]], %[[H]], %[[Q0]], 0] [1, 1, %[[ROWS]], 64]
//       CHECK:   %[[END:.+]] = arith.addi %[[Q0]], %[[ROWS]]
//       CHECK:   %[[FRONTIER:.+]] = arith.addi %[[END]], %[[OFFSET]]
//       CHECK:   %[[STOP:.+]] = arith.minsi %[[SKV]], %{{.+}}
//       CHECK:   scf.for %[[K0:.+]] = %{{.+}} to %[[STOP]] step %[[C64]] iter_args(
//       CHECK:     tensor.extract_slice %[[KT]][%[[B]], %[[HKV]], 0, %[[K0]]] [1, 1, 64, %{{.+}}] {{.*}} to tensor<64x?xf32>
//       CHECK:     linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
//       CHECK:     arith.cmpi sle
//       CHECK:     arith.select {{.+}}, %[[NEGINF]]
//       CHECK:     arith.maximumf
//       CHECK:     math.exp
//       CHECK:     tensor.extract_slice %[[V]][%[[B]], %[[HKV]], %[[K0]], 0]
//       CHECK:     linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
//       CHECK:     scf.yield
//       CHECK:   arith.divf
//       CHECK:   scf.forall.in_parallel
//       CHECK:     tensor.parallel_insert_slice %{{.+}} into %[[OUT]][%[[B]], %[[H]], %[[Q0]], 0] [1, 1, %[[ROWS]], 32]
//   CHECK-NOT: mixer.attention
func.func @causal_gqa(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x32xf32>) -> tensor<2x8x?x32xf32> {
  %o = mixer.attention %q, %k, %v {causal}
      : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>) -> tensor<2x8x?x32xf32>
  return %o : tensor<2x8x?x32xf32>
}

// -----

// Fewer query heads than K/V heads (SQA's reverse variant): query head
// h / 2, K/V head h (the unit batch and the single key tile fold away).
// CHECK-LABEL: func.func @sqa
//   CHECK-DAG: %[[C2:.+]] = arith.constant 2 : index
//       CHECK: scf.forall (%[[H:.+]], %{{.+}}) = (0, 0) to (4, 32) step (1, 16)
//       CHECK:   %[[HQ:.+]] = arith.divui %[[H]], %[[C2]]
//       CHECK:   tensor.extract_slice %{{.+}}[0, %[[HQ]],
//       CHECK:   tensor.extract_slice %{{.+}}[0, %[[H]], 0, 0]
func.func @sqa(%q: tensor<1x2x32x16xf32>, %k: tensor<1x4x32x16xf32>, %v: tensor<1x4x32x16xf32>) -> tensor<1x4x32x16xf32> {
  %o = mixer.attention %q, %k, %v
      : (tensor<1x2x32x16xf32>, tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>) -> tensor<1x4x32x16xf32>
  return %o : tensor<1x4x32x16xf32>
}

// -----

// seq_lens bounds the key loop of each sequence; an additive [batch, 1, 1,
// keys] mask is read as a [1, keys] tile broadcast over the rows.
// CHECK-DAG: #[[ROWBCAST:.+]] = affine_map<(d0, d1) -> (0, d1)>
// CHECK-LABEL: func.func @lens_and_mask
//  CHECK-SAME: %[[MASK:[^:]+]]: tensor<2x1x1x40xf32>, %[[LENS:[^:]+]]: tensor<2xi32>
//       CHECK: scf.forall (%[[B:.+]], %{{.+}}, %{{.+}}) =
//       CHECK:   %[[LEN:.+]] = tensor.extract %[[LENS]][%[[B]]]
//       CHECK:   %[[LENI:.+]] = arith.index_cast %[[LEN]]
//       CHECK:   scf.for %[[K0:.+]] = %{{.+}} to %{{.+}} step
//       CHECK:     %[[MT:.+]] = tensor.extract_slice %[[MASK]][%[[B]], 0, 0, %[[K0]]] [1, 1, 1, %{{.+}}] {{.*}} to tensor<1x?xf32>
//       CHECK:     linalg.generic {indexing_maps = [#{{.+}}, #[[ROWBCAST]], #{{.+}}]{{.*}} ins(%{{.+}}, %[[MT]] :
//       CHECK:       arith.addf
func.func @lens_and_mask(%q: tensor<2x4x40x16xf32>, %k: tensor<2x4x40x16xf32>, %v: tensor<2x4x40x16xf32>,
                         %mask: tensor<2x1x1x40xf32>, %lens: tensor<2xi32>) -> tensor<2x4x40x16xf32> {
  %o = mixer.attention %q, %k, %v mask(%mask) seq_lens(%lens)
      : (tensor<2x4x40x16xf32>, tensor<2x4x40x16xf32>, tensor<2x4x40x16xf32>, tensor<2x1x1x40xf32>, tensor<2xi32>) -> tensor<2x4x40x16xf32>
  return %o : tensor<2x4x40x16xf32>
}

// -----

// 16-bit attention keeps the reference lowering (--convert-mixer-to-linalg).
// CHECK-LABEL: func.func @negative_f16
//       CHECK: mixer.attention
//   CHECK-NOT: scf.forall
func.func @negative_f16(%q: tensor<1x2x8x16xf16>, %k: tensor<1x2x8x16xf16>, %v: tensor<1x2x8x16xf16>) -> tensor<1x2x8x16xf16> {
  %o = mixer.attention %q, %k, %v
      : (tensor<1x2x8x16xf16>, tensor<1x2x8x16xf16>, tensor<1x2x8x16xf16>) -> tensor<1x2x8x16xf16>
  return %o : tensor<1x2x8x16xf16>
}

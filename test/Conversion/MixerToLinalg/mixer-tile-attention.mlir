// RUN: mixer-opt %s --split-input-file --mixer-tile-attention="query-tile=16 key-tile=64" --canonicalize --cse | FileCheck %s
// RUN: not mixer-opt %s --split-input-file --mixer-tile-attention="key-tile=0" 2>&1 | FileCheck %s --check-prefix=OPTIONS

// OPTIONS: mixer-tile-attention: query-tile and key-tile must be positive

// Causal grouped-query attention (8 query heads, 2 K/V heads): a parallel
// loop over (batch, K/V head, tiles of 16 / 4 = 4 query positions) whose
// tiles hold the 4 query heads of the group x 4 positions as rows, so that
// each K/V tile is read once per group. Sq is dynamic, so the loop nest is
// built twice under one scf.if: with one query tile per head (Sq <= 4) each
// key tile is transposed in the loop, otherwise Kᵀ is built once before the
// loop. An online softmax over 64-key tiles that stops at the causal
// frontier of the query tile (a row's position is its index mod the
// positions of the tile), one [rows, keys] block of scores per step, and the
// rows stored back as [4, positions].
// CHECK-LABEL: func.func @causal_gqa
//  CHECK-SAME: (%[[Q:.+]]: tensor<2x8x?x64xf32>, %[[K:.+]]: tensor<2x2x?x64xf32>, %[[V:.+]]: tensor<2x2x?x32xf32>)
//   CHECK-DAG: %[[C4:.+]] = arith.constant 4 : index
//   CHECK-DAG: %[[C64:.+]] = arith.constant 64 : index
//   CHECK-DAG: %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
//   CHECK-DAG: %[[SQ:.+]] = tensor.dim %[[Q]], %{{.+}}
//   CHECK-DAG: %[[SKV:.+]] = tensor.dim %[[K]], %{{.+}}
//       CHECK: %[[OFFSET:.+]] = arith.subi %[[SKV]], %[[SQ]]
//       CHECK: %[[FEW:.+]] = arith.cmpi ule, %[[SQ]], %[[C4]]
//       CHECK: scf.if %[[FEW]] -> (tensor<2x8x?x32xf32>) {
//       CHECK:   scf.forall
//   CHECK-NOT:     permutation = [0, 1, 3, 2]
//       CHECK:     scf.for %[[K0A:.+]] = %{{.+}} to %{{.+}} step %[[C64]] iter_args(
//       CHECK:       tensor.extract_slice %[[K]][%{{.+}}, %{{.+}}, %[[K0A]], 0]
//       CHECK:       linalg.transpose {{.*}} permutation = [1, 0]
//       CHECK: } else {
//       CHECK:   %[[KT:.+]] = linalg.transpose ins(%[[K]] : tensor<2x2x?x64xf32>) outs(%{{.+}} : tensor<2x2x64x?xf32>) permutation = [0, 1, 3, 2]
//       CHECK:   scf.forall (%[[B:.+]], %[[HKV:.+]], %[[Q0:.+]]) = (0, 0, 0) to (2, 2, %[[SQ]]) step (1, 1, 4) shared_outs(%[[OUT:.+]] = %{{.+}})
//       CHECK:     %[[POS:.+]] = arith.minsi %{{.+}}, %[[C4]]
//       CHECK:     %[[ROWS:.+]] = arith.muli %[[POS]], %[[C4]]
//       CHECK:     %[[HQ:.+]] = arith.muli %[[HKV]], %[[C4]]
//       CHECK:     %[[END:.+]] = arith.addi %[[Q0]], %[[POS]]
//       CHECK:     %[[FRONTIER:.+]] = arith.addi %[[END]], %[[OFFSET]]
//       CHECK:     %[[STOP:.+]] = arith.minsi %[[SKV]], %{{.+}}
//       CHECK:     %[[QB:.+]] = tensor.extract_slice %[[Q]][%[[B]], %[[HQ]], %[[Q0]], 0] [1, 4, %[[POS]], 64] [1, 1, 1, 1] : tensor<2x8x?x64xf32> to tensor<4x?x64xf32>
//       CHECK:     %[[QS:.+]] = linalg.generic {{.*}} ins(%[[QB]] : tensor<4x?x64xf32>)
//       CHECK:     %[[QROWS:.+]] = tensor.collapse_shape %[[QS]] {{\[}}[0, 1], [2]] : tensor<4x?x64xf32> into tensor<?x64xf32>
//       CHECK:     scf.for %[[K0:.+]] = %{{.+}} to %[[STOP]] step %[[C64]] iter_args(
//       CHECK:       %[[KTILE:.+]] = tensor.extract_slice %[[KT]][%[[B]], %[[HKV]], 0, %[[K0]]] [1, 1, 64, %{{.+}}] {{.*}} to tensor<64x?xf32>
//   CHECK-NOT:       permutation = [1, 0]
//       CHECK:       linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[QROWS]], %[[KTILE]] :
//       CHECK:       arith.remui %{{.+}}, %[[POS]]
//       CHECK:       arith.cmpi sle
//       CHECK:       arith.select {{.+}}, %[[NEGINF]]
//       CHECK:       arith.maximumf
//       CHECK:       math.exp
//       CHECK:       tensor.extract_slice %[[V]][%[[B]], %[[HKV]], %[[K0]], 0]
//       CHECK:       linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
//       CHECK:       scf.yield
//       CHECK:     arith.divf
//       CHECK:     %[[BLOCK:.+]] = tensor.expand_shape %{{.+}} {{\[}}[0, 1], [2]] output_shape [4, %[[POS]], 32] : tensor<?x32xf32> into tensor<4x?x32xf32>
//       CHECK:     scf.forall.in_parallel
//       CHECK:       tensor.parallel_insert_slice %[[BLOCK]] into %[[OUT]][%[[B]], %[[HQ]], %[[Q0]], 0] [1, 4, %[[POS]], 32]
//   CHECK-NOT: mixer.attention
func.func @causal_gqa(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x32xf32>) -> tensor<2x8x?x32xf32> {
  %o = mixer.attention %q, %k, %v {causal}
      : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>) -> tensor<2x8x?x32xf32>
  return %o : tensor<2x8x?x32xf32>
}

// -----

// A mask that differs between queries keeps one head per tile: a loop over
// (batch, query head, 16-row tiles), K/V head h / 4.
// CHECK-LABEL: func.func @gqa_query_mask
//   CHECK-DAG: %[[C4:.+]] = arith.constant 4 : index
//   CHECK-DAG: %[[C16:.+]] = arith.constant 16 : index
//       CHECK: } else {
//       CHECK: scf.forall (%[[B:.+]], %[[H:.+]], %[[Q0:.+]]) = (0, 0, 0) to (2, 8, %{{.+}}) step (1, 1, 16)
//       CHECK:   %[[ROWS:.+]] = arith.minsi %{{.+}}, %[[C16]]
//       CHECK:   %[[HKV:.+]] = arith.divui %[[H]], %[[C4]]
//       CHECK:   tensor.extract_slice %{{.+}}[%[[B]], %[[H]], %[[Q0]], 0] [1, 1, %[[ROWS]], 64]
//       CHECK:   scf.for
//       CHECK:     tensor.extract_slice %{{.+}}[%[[B]], %[[HKV]], 0, %{{.+}}]
//       CHECK:   tensor.parallel_insert_slice %{{.+}} into %{{.+}}[%[[B]], %[[H]], %[[Q0]], 0] [1, 1, %[[ROWS]], 32]
func.func @gqa_query_mask(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x32xf32>, %mask: tensor<?x?xf32>) -> tensor<2x8x?x32xf32> {
  %o = mixer.attention %q, %k, %v mask(%mask)
      : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>, tensor<?x?xf32>) -> tensor<2x8x?x32xf32>
  return %o : tensor<2x8x?x32xf32>
}

// -----

// A decode step with a static single query: no Kᵀ of the whole cache, each
// key tile transposed into a [64, 64] scratch carried by the key loop; the
// 8 query heads of the group are the tile's 8 rows.
// CHECK-LABEL: func.func @gqa_decode
//   CHECK-NOT: permutation = [0, 1, 3, 2]
//       CHECK: scf.forall (%[[B:.+]], %[[HKV:.+]]) in (2, 2)
//       CHECK:   tensor.empty() : tensor<64x64xf32>
//       CHECK:   scf.for %[[K0:[a-z0-9_]+]] =
//       CHECK:     tensor.extract_slice %{{.+}}[%[[B]], %[[HKV]], %[[K0]], 0]
//       CHECK:     linalg.transpose {{.*}} permutation = [1, 0]
//       CHECK:     linalg.generic {{.*}} outs(%{{.+}} : tensor<8x?xf32>)
//   CHECK-NOT: scf.if
func.func @gqa_decode(%q: tensor<2x16x1x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x64xf32>) -> tensor<2x16x1x64xf32> {
  %o = mixer.attention %q, %k, %v
      : (tensor<2x16x1x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x64xf32>) -> tensor<2x16x1x64xf32>
  return %o : tensor<2x16x1x64xf32>
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

// -----

// Packed variable-length attention: tasks over (sequence, K/V head, query
// tiles up to the longest sequence); every position is offset by the
// sequence's first token, a tile past the end of its sequence has no rows
// and visits no key.
// CHECK-LABEL: func.func @varlen_gqa
//  CHECK-SAME: (%[[Q:.+]]: tensor<1x4x?x64xf32>, %[[K:.+]]: tensor<1x2x?x64xf32>, %[[OFF:.+]]: tensor<9xi64>)
//   CHECK-DAG: %[[STARTS:.+]] = tensor.extract_slice %[[OFF]][0] [8] [1]
//   CHECK-DAG: %[[ENDS:.+]] = tensor.extract_slice %[[OFF]][1] [8] [1]
//       CHECK: %[[LONGEST:.+]] = linalg.generic {{.*}} ins(%[[STARTS]], %[[ENDS]] : tensor<8xi64>, tensor<8xi64>)
//       CHECK:   arith.maxsi
//       CHECK: %[[L:.+]] = tensor.extract %[[LONGEST]][]
//       CHECK: %[[LIDX:.+]] = arith.index_cast %[[L]]
//       CHECK: %[[KT:.+]] = linalg.transpose ins(%[[K]] : tensor<1x2x?x64xf32>)
//       CHECK: scf.forall (%[[S:.+]], %[[H:.+]], %[[Q0:.+]]) = (0, 0, 0) to (8, 2, %[[LIDX]]) step (1, 1, 8)
//       CHECK:   %[[BASE:.+]] = arith.index_cast %{{.+}} : i64 to index
//       CHECK:   %[[END:.+]] = arith.index_cast %{{.+}} : i64 to index
//       CHECK:   %[[LEN:.+]] = arith.subi %[[END]], %[[BASE]]
//       CHECK:   %[[QPOS:.+]] = arith.addi %[[BASE]], %[[Q0]]
//       CHECK:   %[[LEFT:.+]] = arith.subi %[[LEN]], %[[Q0]]
//       CHECK:   %[[POS:.+]] = arith.maxsi %{{.+}}, %{{.+}}
//       CHECK:   %[[HAS:.+]] = arith.cmpi sgt, %[[POS]], %{{.+}}
//       CHECK:   %[[STOP:.+]] = arith.select %[[HAS]], %{{.+}}, %{{.+}}
//       CHECK:   tensor.extract_slice %[[Q]][0, %{{.+}}, %[[QPOS]], 0]
//       CHECK:   scf.for %[[K0:.+]] = %{{.+}} to %[[STOP]]
//       CHECK:     %[[KPOS:.+]] = arith.addi %[[BASE]], %[[K0]]
//       CHECK:     tensor.extract_slice %[[KT]][0, %[[H]], 0, %[[KPOS]]]
//       CHECK:   tensor.parallel_insert_slice %{{.+}} into %{{.+}}[0, %{{.+}}, %[[QPOS]], 0]
func.func @varlen_gqa(%q: tensor<1x4x?x64xf32>, %k: tensor<1x2x?x64xf32>, %off: tensor<9xi64>) -> tensor<1x4x?x64xf32> {
  %a = mixer.attention %q, %k, %k offsets(%off) {causal}
      : (tensor<1x4x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<9xi64>) -> tensor<1x4x?x64xf32>
  return %a : tensor<1x4x?x64xf32>
}

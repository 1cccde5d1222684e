// RUN: mixer-opt %s --split-input-file --convert-mixer-to-linalg --canonicalize --cse | FileCheck %s

// The plan: valid entries counted per row, their prefix sums, then the flat
// index of each valid entry in row-major order.
// CHECK-LABEL: func.func @plan
//  CHECK-SAME: (%[[M:.+]]: tensor<4x128xi1>)
//       CHECK: %[[COUNTS:.+]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}} ins(%[[M]] : tensor<4x128xi1>)
//       CHECK: %[[PREFIX:.+]]:2 = scf.for {{.*}} -> (i64, tensor<5xi64>)
//       CHECK:   tensor.extract %[[COUNTS]]
//       CHECK: %[[TOTAL:.+]] = arith.index_cast %[[PREFIX]]#0 : i64 to index
//       CHECK: %[[EMPTY:.+]] = tensor.empty(%[[TOTAL]]) : tensor<?xi64>
//       CHECK: %[[TOKENS:.+]]:2 = scf.for {{.*}} iter_args(%{{.+}} = %{{.+}}, %{{.+}} = %[[EMPTY]])
//       CHECK:   scf.for
//       CHECK:     scf.if
//       CHECK:       tensor.insert
//       CHECK: return %[[PREFIX]]#1, %[[TOKENS]]#1
func.func @plan(%m: tensor<4x128xi1>) -> (tensor<5xi64>, tensor<?xi64>) {
  %off, %tok = mixer.padding_plan %m : (tensor<4x128xi1>) -> (tensor<5xi64>, tensor<?xi64>)
  return %off, %tok : tensor<5xi64>, tensor<?xi64>
}

// -----

// Pack and unpack move whole rows, one token per parallel iteration;
// unpacking starts from zeros.
// CHECK-LABEL: func.func @pack_unpack
//  CHECK-SAME: (%[[X:.+]]: tensor<4x128x64xf32>, %[[T:.+]]: tensor<?xi64>, %[[M:.+]]: tensor<4x128xi64>)
//   CHECK-DAG: %[[C128:.+]] = arith.constant 128 : index
//   CHECK-DAG: %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
//       CHECK: %[[N:.+]] = tensor.dim %[[T]]
//       CHECK: %[[PACKED:.+]] = scf.forall (%[[I:.+]]) in (%[[N]]) shared_outs(%[[OUT:.+]] = %{{.+}}) -> (tensor<1x?x64xf32>)
//       CHECK:   %[[FLAT:.+]] = arith.index_cast
//       CHECK:   %[[ROW:.+]] = arith.divui %[[FLAT]], %[[C128]]
//       CHECK:   %[[COL:.+]] = arith.remui %[[FLAT]], %[[C128]]
//       CHECK:   %[[R:.+]] = tensor.extract_slice %[[X]][%[[ROW]], %[[COL]], 0] [1, 1, 64] [1, 1, 1] : tensor<4x128x64xf32> to tensor<64xf32>
//       CHECK:   tensor.parallel_insert_slice %[[R]] into %[[OUT]][0, %[[I]], 0] [1, 1, 64]
//       CHECK: %[[FILLED:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.+}} : tensor<4x128x64xf32>)
//       CHECK: scf.forall (%[[J:.+]]) in (%[[N]]) shared_outs(%[[OUT2:.+]] = %[[FILLED]]) -> (tensor<4x128x64xf32>)
//       CHECK:   tensor.extract_slice %[[PACKED]][0, %[[J]], 0] [1, 1, 64]
//       CHECK:   tensor.parallel_insert_slice %{{.+}} into %[[OUT2]][%{{.+}}, %{{.+}}, 0] [1, 1, 64]
func.func @pack_unpack(%x: tensor<4x128x64xf32>, %t: tensor<?xi64>, %m: tensor<4x128xi64>) -> tensor<4x128x64xf32> {
  %p = mixer.pack_tokens %x, %t : (tensor<4x128x64xf32>, tensor<?xi64>) -> tensor<1x?x64xf32>
  %y = mixer.unpack_tokens %p, %t, %m : (tensor<1x?x64xf32>, tensor<?xi64>, tensor<4x128xi64>) -> tensor<4x128x64xf32>
  return %y : tensor<4x128x64xf32>
}

// -----

// A [batch, seq] tensor packs one element per token.
// CHECK-LABEL: func.func @pack_ids
//       CHECK: scf.forall
//       CHECK:   tensor.extract_slice %{{.+}}[%{{.+}}, %{{.+}}] [1, 1] [1, 1] : tensor<2x8xi64> to tensor<1xi64>
//       CHECK:   tensor.parallel_insert_slice %{{.+}} into %{{.+}}[0, %{{.+}}] [1, 1] [1, 1] : tensor<1xi64> into tensor<1x?xi64>
func.func @pack_ids(%x: tensor<2x8xi64>, %t: tensor<?xi64>) -> tensor<1x?xi64> {
  %p = mixer.pack_tokens %x, %t : (tensor<2x8xi64>, tensor<?xi64>) -> tensor<1x?xi64>
  return %p : tensor<1x?xi64>
}

// -----

// The reference lowering of packed attention hides the scores between
// tokens of different sequences: a token's sequence is the number of
// sequences that end at or before it.
// CHECK-LABEL: func.func @varlen_reference
//       CHECK: %[[ENDS:.+]] = tensor.extract_slice %{{.+}}[1] [3] [1] : tensor<4xi64> to tensor<3xi64>
//       CHECK: %[[SEG:.+]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}} ins(%[[ENDS]] : tensor<3xi64>)
//       CHECK:   arith.cmpi sle
//       CHECK: linalg.generic {{.*}} ins(%{{.+}}, %[[SEG]], %[[SEG]] : tensor<1x2x?x?xf32>, tensor<?xi64>, tensor<?xi64>)
//       CHECK:   %[[SAME:.+]] = arith.cmpi eq
//       CHECK:   arith.select %[[SAME]]
func.func @varlen_reference(%q: tensor<1x2x?x16xf32>, %off: tensor<4xi64>) -> tensor<1x2x?x16xf32> {
  %a = mixer.attention %q, %q, %q offsets(%off)
      : (tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<4xi64>) -> tensor<1x2x?x16xf32>
  return %a : tensor<1x2x?x16xf32>
}

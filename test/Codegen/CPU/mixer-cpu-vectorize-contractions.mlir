// RUN: mixer-opt %s --split-input-file --mixer-cpu-vectorize-contractions="rows=2 vectors-per-row=2 vector-width=8" --canonicalize --cse | FileCheck %s
// RUN: not mixer-opt %s --split-input-file --mixer-cpu-vectorize-contractions="rows=0" 2>&1 | FileCheck %s --check-prefix=OPTIONS

// OPTIONS: vector-width, rows and vectors-per-row must be positive

// A dynamic number of rows: 2x16 register tiles over (rows, columns), a
// reduction loop carrying 2x2 accumulators, and masked edge tiles.
// CHECK-LABEL: func.func @matmul
//  CHECK-SAME: (%[[A:.+]]: memref<?x64xf32>, %[[B:.+]]: memref<64x128xf32>, %[[C:.+]]: memref<?x128xf32>)
//   CHECK-DAG: %[[C2:.+]] = arith.constant 2 : index
//   CHECK-DAG: %[[C16:.+]] = arith.constant 16 : index
//   CHECK-DAG: %[[C128:.+]] = arith.constant 128 : index
//   CHECK-DAG: %[[M:.+]] = memref.dim %[[A]]
//       CHECK: scf.parallel (%[[I:.+]], %[[J:.+]]) = ({{.*}}) to (%[[M]], %[[C128]]) step (%[[C2]], %[[C16]])
//       CHECK:   scf.if
//   CHECK-DAG:     %[[C00:.+]] = vector.load %[[C]][%[[I]], %[[J]]] : memref<?x128xf32>, vector<8xf32>
//       CHECK:     %[[ACC:.+]]:4 = scf.for %[[K:.+]] = {{.*}} iter_args
//       CHECK:       %[[B0:.+]] = vector.load %[[B]][%[[K]], %[[J]]]
//       CHECK:       %[[B1:.+]] = vector.load %[[B]][%[[K]],
//       CHECK:       %[[A0:.+]] = memref.load %[[A]][%[[I]], %[[K]]]
//       CHECK:       %[[S0:.+]] = vector.broadcast %[[A0]] : f32 to vector<8xf32>
//       CHECK:       vector.fma %[[S0]], %[[B0]]
//       CHECK:       vector.fma %[[S0]], %[[B1]]
//       CHECK:       memref.load %[[A]]
//       CHECK:       vector.fma
//       CHECK:       vector.fma
//       CHECK:       scf.yield
//       CHECK:     vector.store %[[ACC]]#0, %[[C]][%[[I]], %[[J]]]
//       CHECK:   } else {
//       CHECK:     vector.create_mask
//       CHECK:     scf.for
//       CHECK:       vector.maskedload %[[C]]
//       CHECK:       scf.for
//       CHECK:         vector.maskedload %[[B]]
//       CHECK:       vector.maskedstore %[[C]]
//   CHECK-NOT: linalg.matmul
func.func @matmul(%a: memref<?x64xf32>, %b: memref<64x128xf32>, %c: memref<?x128xf32>) {
  linalg.matmul ins(%a, %b : memref<?x64xf32>, memref<64x128xf32>)
                outs(%c : memref<?x128xf32>)
  return
}

// -----

// The importer's batched MatMul with a shared right-hand side: the batch dim
// is an outer parallel dim.
#lhs = affine_map<(b, m, n, k) -> (b, m, k)>
#rhs = affine_map<(b, m, n, k) -> (k, n)>
#out = affine_map<(b, m, n, k) -> (b, m, n)>
// CHECK-LABEL: func.func @batched_shared_rhs
//       CHECK: scf.parallel (%[[BATCH:.+]], %[[I:.+]], %[[J:.+]]) =
//       CHECK:   memref.load %{{.+}}[%[[BATCH]], %[[I]], %{{.+}}] : memref<?x?x32xf32>
//   CHECK-NOT: linalg.generic
func.func @batched_shared_rhs(%a: memref<?x?x32xf32>, %b: memref<32x48xf32>, %c: memref<?x?x48xf32>) {
  linalg.generic {indexing_maps = [#lhs, #rhs, #out],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<?x?x32xf32>, memref<32x48xf32>) outs(%c : memref<?x?x48xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// The output's innermost dim comes from the first input: it is the vector
// operand, and the second input is broadcast (the product commutes).
#lhs = affine_map<(n, m, k) -> (k, m)>
#rhs = affine_map<(n, m, k) -> (n, k)>
#out = affine_map<(n, m, k) -> (n, m)>
// CHECK-LABEL: func.func @vector_operand_first
//  CHECK-SAME: (%[[A:.+]]: memref<16x64xf32>, %[[B:.+]]: memref<8x16xf32>
//       CHECK: vector.load %[[A]]
//       CHECK: memref.load %[[B]]
func.func @vector_operand_first(%a: memref<16x64xf32>, %b: memref<8x16xf32>, %c: memref<8x64xf32>) {
  linalg.generic {indexing_maps = [#lhs, #rhs, #out],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<16x64xf32>, memref<8x16xf32>) outs(%c : memref<8x64xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %p, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Not this kernel's form: the output's innermost dim is strided in the only
// input that has it (Q K^T with K not transposed).
#lhs = affine_map<(m, n, k) -> (m, k)>
#rhs = affine_map<(m, n, k) -> (n, k)>
#out = affine_map<(m, n, k) -> (m, n)>
// CHECK-LABEL: func.func @negative_transposed_rhs
//       CHECK: linalg.generic
//   CHECK-NOT: vector.fma
func.func @negative_transposed_rhs(%a: memref<8x16xf32>, %b: memref<32x16xf32>, %c: memref<8x32xf32>) {
  linalg.generic {indexing_maps = [#lhs, #rhs, #out],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<8x16xf32>, memref<32x16xf32>) outs(%c : memref<8x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Not f32.
// CHECK-LABEL: func.func @negative_f16
//       CHECK: linalg.matmul
//   CHECK-NOT: vector.fma
func.func @negative_f16(%a: memref<8x16xf16>, %b: memref<16x32xf16>, %c: memref<8x32xf16>) {
  linalg.matmul ins(%a, %b : memref<8x16xf16>, memref<16x32xf16>)
                outs(%c : memref<8x32xf16>)
  return
}

// -----

// Not a contraction (the body is not acc + a * b).
// CHECK-LABEL: func.func @negative_not_contraction
//       CHECK: linalg.generic
//   CHECK-NOT: vector.fma
#map = affine_map<(m, n, k) -> (m, k)>
#rhs = affine_map<(m, n, k) -> (k, n)>
#out = affine_map<(m, n, k) -> (m, n)>
func.func @negative_not_contraction(%a: memref<8x16xf32>, %b: memref<16x32xf32>, %c: memref<8x32xf32>) {
  linalg.generic {indexing_maps = [#map, #rhs, #out],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<8x16xf32>, memref<16x32xf32>) outs(%c : memref<8x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.subf %x, %y : f32
    %s = arith.maximumf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Tensors are left to bufferization.
// CHECK-LABEL: func.func @negative_tensors
//       CHECK: linalg.matmul
func.func @negative_tensors(%a: tensor<8x16xf32>, %b: tensor<16x32xf32>, %c: tensor<8x32xf32>) -> tensor<8x32xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<8x16xf32>, tensor<16x32xf32>)
                     outs(%c : tensor<8x32xf32>) -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}

// RUN: mixer-opt %s --split-input-file --mixer-cpu-vectorize-contractions="rows=2 vectors-per-row=2 vector-width=8 row-block=4 reduction-block=32" --canonicalize --cse | FileCheck %s
// RUN: not mixer-opt %s --split-input-file --mixer-cpu-vectorize-contractions="rows=0" 2>&1 | FileCheck %s --check-prefix=OPTIONS

// OPTIONS: every tile size must be positive

// A dynamic number of rows: a parallel loop over 16-column panels and
// 4-row blocks; per block, reduction blocks of 32 steps; per 2-row register
// tile, 2x2 accumulators carried by the reduction loop; masked edge tiles.
// CHECK-LABEL: func.func @matmul
//  CHECK-SAME: (%[[A:.+]]: memref<?x64xf32>, %[[B:.+]]: memref<64x128xf32>, %[[C:.+]]: memref<?x128xf32>)
//   CHECK-DAG: %[[C2:.+]] = arith.constant 2 : index
//   CHECK-DAG: %[[C4:.+]] = arith.constant 4 : index
//   CHECK-DAG: %[[C16:.+]] = arith.constant 16 : index
//   CHECK-DAG: %[[C32:.+]] = arith.constant 32 : index
//   CHECK-DAG: %[[C128:.+]] = arith.constant 128 : index
//   CHECK-DAG: %[[M:.+]] = memref.dim %[[A]]
//       CHECK: scf.parallel (%[[J:.+]], %[[I0:.+]]) = ({{.*}}) to (%[[C128]], %[[M]]) step (%[[C16]], %[[C4]])
//       CHECK:   scf.for %[[K0:.+]] = %{{.+}} to %{{.+}} step %[[C32]]
//       CHECK:     %[[KEND:.+]] = arith.minsi
//       CHECK:     scf.for %[[I:.+]] = %[[I0]] to %{{.+}} step %[[C2]]
//       CHECK:       scf.if
//       CHECK:         %[[C00:.+]] = vector.load %[[C]][%[[I]], %[[J]]] : memref<?x128xf32>, vector<8xf32>
//       CHECK:         %[[ACC:.+]]:4 = scf.for %[[K:.+]] = %[[K0]] to %[[KEND]] {{.*}} iter_args
//       CHECK:           %[[B0:.+]] = vector.load %[[B]][%[[K]], %[[J]]]
//       CHECK:           %[[B1:.+]] = vector.load %[[B]][%[[K]],
//       CHECK:           %[[A0:.+]] = memref.load %[[A]][%[[I]], %[[K]]]
//       CHECK:           %[[S0:.+]] = vector.broadcast %[[A0]] : f32 to vector<8xf32>
//       CHECK:           vector.fma %[[S0]], %[[B0]]
//       CHECK:           vector.fma %[[S0]], %[[B1]]
//       CHECK:           memref.load %[[A]]
//       CHECK:           vector.fma
//       CHECK:           vector.fma
//       CHECK:           scf.yield
//       CHECK:         vector.store %[[ACC]]#0, %[[C]][%[[I]], %[[J]]]
//       CHECK:       } else {
//       CHECK:         vector.create_mask
//       CHECK:         scf.for
//       CHECK:           vector.maskedload %[[C]]
//       CHECK:           scf.for
//       CHECK:             vector.maskedload %[[B]]
//       CHECK:           vector.maskedstore %[[C]]
//   CHECK-NOT: linalg.matmul
func.func @matmul(%a: memref<?x64xf32>, %b: memref<64x128xf32>, %c: memref<?x128xf32>) {
  linalg.matmul ins(%a, %b : memref<?x64xf32>, memref<64x128xf32>)
                outs(%c : memref<?x128xf32>)
  return
}

// -----

// A zero fill right before: the accumulators start from the fill value in
// the first reduction block (and from C in later ones); the fill goes.
// CHECK-LABEL: func.func @filled
//   CHECK-DAG: %[[ZERO:.+]] = arith.constant dense<0.000000e+00> : vector<8xf32>
//   CHECK-NOT: linalg.fill
//       CHECK: scf.for %[[K0:.+]] =
//       CHECK:   %[[FIRST:.+]] = arith.cmpi eq, %[[K0]]
//       CHECK:   scf.if %[[FIRST]] -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
//       CHECK:     scf.yield %[[ZERO]], %[[ZERO]], %[[ZERO]], %[[ZERO]]
//       CHECK:   } else {
//       CHECK:     vector.load
func.func @filled(%a: memref<?x64xf32>, %b: memref<64x128xf32>, %c: memref<?x128xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<?x128xf32>)
  linalg.matmul ins(%a, %b : memref<?x64xf32>, memref<64x128xf32>)
                outs(%c : memref<?x128xf32>)
  return
}

// -----

// A constant weight is packed into 16-column panels [panels, K, 16] at
// compile time (zero padded: 40 columns -> 3 panels) and read unmasked.
memref.global "private" constant @weight : memref<2x40xf32> = dense<[[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0, 32.0, 33.0, 34.0, 35.0, 36.0, 37.0, 38.0, 39.0], [40.0, 41.0, 42.0, 43.0, 44.0, 45.0, 46.0, 47.0, 48.0, 49.0, 50.0, 51.0, 52.0, 53.0, 54.0, 55.0, 56.0, 57.0, 58.0, 59.0, 60.0, 61.0, 62.0, 63.0, 64.0, 65.0, 66.0, 67.0, 68.0, 69.0, 70.0, 71.0, 72.0, 73.0, 74.0, 75.0, 76.0, 77.0, 78.0, 79.0]]>
// CHECK: memref.global "private" constant @weight_panels16 : memref<3x2x16xf32> = dense_resource<weight_panels16> {alignment = 64 : i64}
// CHECK-LABEL: func.func @packed_weight
//       CHECK: %[[PANELS:.+]] = memref.get_global @weight_panels16 : memref<3x2x16xf32>
//       CHECK: scf.parallel (%[[J:.+]], %{{.+}}) =
//       CHECK:   %[[P:.+]] = arith.divui %[[J]], %{{.+}} : index
//       CHECK:   vector.load %[[PANELS]][%[[P]], %{{.+}}, %{{.+}}] : memref<3x2x16xf32>, vector<8xf32>
//       CHECK: } else {
//   CHECK-NOT:   vector.maskedload %[[PANELS]]
//       CHECK:   vector.load %[[PANELS]]
func.func @packed_weight(%a: memref<?x2xf32>, %c: memref<?x40xf32>) {
  %w = memref.get_global @weight : memref<2x40xf32>
  linalg.matmul ins(%a, %w : memref<?x2xf32>, memref<2x40xf32>)
                outs(%c : memref<?x40xf32>)
  return
}

// -----

// An output narrower than a tile (head_dim 8 in P * V) gets one vector per
// row and four rows (the same accumulator count); the single column tile
// folds away.
// CHECK-LABEL: func.func @narrow_output
//       CHECK: %[[C4:.+]] = arith.constant 4 : index
//       CHECK: scf.parallel (%{{.+}}) = (%{{.+}}) to (%{{.+}}) step (%[[C4]])
//       CHECK: iter_args({{[^)]*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
func.func @narrow_output(%p: memref<?x?xf32>, %v: memref<?x8xf32>, %c: memref<?x8xf32>) {
  linalg.matmul ins(%p, %v : memref<?x?xf32>, memref<?x8xf32>)
                outs(%c : memref<?x8xf32>)
  return
}

// -----

// The importer's batched MatMul with a shared right-hand side: the batch dim
// is an outer parallel dim.
#lhs = affine_map<(b, m, n, k) -> (b, m, k)>
#rhs = affine_map<(b, m, n, k) -> (k, n)>
#out = affine_map<(b, m, n, k) -> (b, m, n)>
// CHECK-LABEL: func.func @batched_shared_rhs
//       CHECK: scf.parallel (%[[BATCH:.+]], %{{.+}}, %{{.+}}) =
//       CHECK:   scf.for %[[I:.+]] =
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

// -----

// The bias add (+ tanh) that consumes the product is applied to the
// accumulators and stored to its own output; C is never written after the
// last reduction block, the consumer is gone.
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @epilogue
//  CHECK-SAME: (%[[A:.+]]: memref<?x64xf32>, %[[B:.+]]: memref<64x16xf32>, %[[BIAS:.+]]: memref<16xf32>)
//   CHECK-DAG: %[[C:.+]] = memref.alloc
//   CHECK-DAG: %[[D:.+]] = memref.alloc
//       CHECK: scf.parallel
//       CHECK:   %[[LAST:.+]] = arith.cmpi eq
//       CHECK:   scf.if %[[LAST]] {
//       CHECK:     %[[BV:.+]] = vector.load %[[BIAS]][%{{.+}}] : memref<16xf32>, vector<8xf32>
//       CHECK:     %[[SUM:.+]] = arith.addf %{{.+}}, %[[BV]] : vector<8xf32>
//       CHECK:     %[[T:.+]] = math.tanh %[[SUM]] : vector<8xf32>
//       CHECK:     vector.store %[[T]], %[[D]]
//       CHECK:   } else {
//       CHECK:     vector.store %{{.+}}, %[[C]]
//   CHECK-NOT: linalg.generic
func.func @epilogue(%a: memref<?x64xf32>, %b: memref<64x16xf32>, %bias: memref<16xf32>) -> memref<?x16xf32> {
  %c0 = arith.constant 0 : index
  %m = memref.dim %a, %c0 : memref<?x64xf32>
  %c = memref.alloc(%m) : memref<?x16xf32>
  linalg.matmul ins(%a, %b : memref<?x64xf32>, memref<64x16xf32>)
                outs(%c : memref<?x16xf32>)
  %d = memref.alloc(%m) : memref<?x16xf32>
  linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c, %bias : memref<?x16xf32>, memref<16xf32>) outs(%d : memref<?x16xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    %t = math.tanh %s : f32
    linalg.yield %t : f32
  }
  memref.dealloc %c : memref<?x16xf32>
  return %d : memref<?x16xf32>
}

// -----

// No epilogue when the product is read by another op too.
#id = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @negative_epilogue_second_reader
//       CHECK: scf.parallel
//       CHECK: linalg.generic
//       CHECK: memref.copy
func.func @negative_epilogue_second_reader(%a: memref<8x64xf32>, %b: memref<64x16xf32>, %d: memref<8x16xf32>, %e: memref<8x16xf32>) {
  %c = memref.alloc() : memref<8x16xf32>
  linalg.matmul ins(%a, %b : memref<8x64xf32>, memref<64x16xf32>)
                outs(%c : memref<8x16xf32>)
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<8x16xf32>) outs(%d : memref<8x16xf32>) {
  ^bb0(%x: f32, %o: f32):
    %n = arith.negf %x : f32
    linalg.yield %n : f32
  }
  memref.copy %c, %e : memref<8x16xf32> to memref<8x16xf32>
  return
}

// -----

// No epilogue when its output is the contraction's input: tiles still to
// be computed would read overwritten values.
#id = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @negative_epilogue_overwrites_input
//       CHECK: scf.parallel
//       CHECK: linalg.generic
func.func @negative_epilogue_overwrites_input(%b: memref<16x16xf32>) {
  %a = memref.alloc() : memref<8x16xf32>
  %c = memref.alloc() : memref<8x16xf32>
  linalg.matmul ins(%a, %b : memref<8x16xf32>, memref<16x16xf32>)
                outs(%c : memref<8x16xf32>)
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<8x16xf32>) outs(%a : memref<8x16xf32>) {
  ^bb0(%x: f32, %o: f32):
    %n = arith.negf %x : f32
    linalg.yield %n : f32
  }
  return
}

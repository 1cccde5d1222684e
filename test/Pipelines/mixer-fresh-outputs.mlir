// RUN: mixer-opt %s --split-input-file --mixer-fresh-outputs | FileCheck %s
// RUN: echo 'module {}' | not mixer-opt --mixer-fresh-outputs 2>&1 | FileCheck %s --check-prefix=NOENTRY
// NOENTRY: mixer-fresh-outputs: no model entry (run --mixer-prepare-model-entry first)

// A fresh allocation returned once is the caller's: no copy.
// CHECK-LABEL: func.func @fresh
//       CHECK: %[[A:.+]] = memref.alloc
//   CHECK-NOT: memref.copy
//       CHECK: return %[[A]]
module attributes {mixer.entry = "fresh"} {
  func.func @fresh(%x: memref<4xf32>) -> memref<4xf32> {
    %a = memref.alloc() : memref<4xf32>
    %one = arith.constant 1.0 : f32
    linalg.fill ins(%one : f32) outs(%a : memref<4xf32>)
    return %a : memref<4xf32>
  }
}

// -----

// An input, a constant, and the same buffer twice: each gets its own copy.
// CHECK-LABEL: func.func @aliases
//  CHECK-SAME: (%[[X:.+]]: memref<?xf32>)
//       CHECK: %[[G:.+]] = memref.get_global @weights
//       CHECK: %[[A:.+]] = memref.alloc() : memref<4xf32>
//       CHECK: %[[N:.+]] = memref.dim %[[X]]
//       CHECK: %[[X2:.+]] = memref.alloc(%[[N]]) {alignment = 64 : i64} : memref<?xf32>
//       CHECK: memref.copy %[[X]], %[[X2]]
//       CHECK: %[[G2:.+]] = memref.alloc() {alignment = 64 : i64} : memref<4xf32>
//       CHECK: memref.copy %[[G]], %[[G2]]
//       CHECK: %[[A2:.+]] = memref.alloc() {alignment = 64 : i64} : memref<4xf32>
//       CHECK: memref.copy %[[A]], %[[A2]]
//       CHECK: return %[[X2]], %[[G2]], %[[A]], %[[A2]]
module attributes {mixer.entry = "aliases"} {
  memref.global "private" constant @weights : memref<4xf32> = dense<1.0>
  func.func @aliases(%x: memref<?xf32>) -> (memref<?xf32>, memref<4xf32>, memref<4xf32>, memref<4xf32>) {
    %g = memref.get_global @weights : memref<4xf32>
    %a = memref.alloc() : memref<4xf32>
    return %x, %g, %a, %a : memref<?xf32>, memref<4xf32>, memref<4xf32>, memref<4xf32>
  }
}


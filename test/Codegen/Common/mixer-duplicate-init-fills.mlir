// RUN: mixer-opt %s --split-input-file --mixer-duplicate-init-fills | FileCheck %s

// One zero fill initializing two matmuls becomes two fills of two empties.
// CHECK-LABEL: func.func @shared
//       CHECK: %[[E0:.+]] = tensor.empty() : tensor<4x8xf32>
//       CHECK: %[[F0:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[E0]]
//       CHECK: %[[E1:.+]] = tensor.empty() : tensor<4x8xf32>
//       CHECK: %[[F1:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[E1]]
//   CHECK-DAG: linalg.matmul {{.*}} outs(%[[F0]]
//   CHECK-DAG: linalg.matmul {{.*}} outs(%[[F1]]
func.func @shared(%a: tensor<4x16xf32>, %b: tensor<16x8xf32>, %c: tensor<16x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %x = linalg.matmul ins(%a, %b : tensor<4x16xf32>, tensor<16x8xf32>) outs(%f : tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = linalg.matmul ins(%a, %c : tensor<4x16xf32>, tensor<16x8xf32>) outs(%f : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %x, %y : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// A fill of something other than an empty tensor keeps its users.
// CHECK-LABEL: func.func @negative_not_empty
//       CHECK: linalg.fill
//   CHECK-NOT: linalg.fill
func.func @negative_not_empty(%t: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%t : tensor<4xf32>) -> tensor<4xf32>
  %n = arith.negf %zero : f32
  return %f, %f : tensor<4xf32>, tensor<4xf32>
}

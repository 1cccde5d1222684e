// REQUIRES: onnx
// RUN: %onnx_from_text %s -o %t.onnx
// RUN: mixer-translate --import-onnx %t.onnx | FileCheck %s

// The Shape -> Gather -> Concat -> Reshape chain exporters emit for dynamic
// axes folds to the input's symbolic dims: no i64 shape tensor survives.

// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[X:.+]]: tensor<?x?x64xf32> {onnx.name = "x"}) -> (tensor<?x4x?x16xf32> {onnx.name = "y"})
// CHECK-DAG: %[[B:.+]] = tensor.dim %[[X]], %c0
// CHECK-DAG: %[[S:.+]] = tensor.dim %[[X]], %c1
// CHECK: %[[SHAPE:.+]] = tensor.from_elements %[[B]], %[[S]], %c4, %c16 : tensor<4xindex>
// CHECK: %[[R:.+]] = tensor.reshape %[[X]](%[[SHAPE]]) : (tensor<?x?x64xf32>, tensor<4xindex>) -> tensor<?x?x4x16xf32>
// CHECK: linalg.transpose ins(%[[R]] : tensor<?x?x4x16xf32>) outs(%{{.+}} : tensor<?x4x?x16xf32>) permutation = [0, 2, 1, 3]
// CHECK-NOT: tensor<{{[0-9]+}}xi64>

// ONNX: <ir_version: 9, opset_import: ["" : 17]>
// ONNX: agraph (float[batch, seq, 64] x) => (float[batch, 4, seq, 16] y) {
// ONNX:   s = Shape(x)
// ONNX:   i0 = Constant <value = int64[1] {0}> ()
// ONNX:   i1 = Constant <value = int64[1] {1}> ()
// ONNX:   b = Gather <axis = 0> (s, i0)
// ONNX:   n = Gather <axis = 0> (s, i1)
// ONNX:   h = Constant <value = int64[2] {4, 16}> ()
// ONNX:   shape = Concat <axis = 0> (b, n, h)
// ONNX:   r = Reshape(x, shape)
// ONNX:   y = Transpose <perm = [0, 2, 1, 3]> (r)
// ONNX: }

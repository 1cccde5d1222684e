// REQUIRES: onnx
// RUN: %onnx_from_text %s -o %t.onnx
// RUN: mixer-translate --import-onnx %t.onnx | FileCheck %s

// Shape values that a graph also returns (or feeds to ordinary ops) are
// built as tensors from their elements: a symbolic dim, the constant false of
// Equal(dim, -1), and the shape of a Where over them.

// CHECK-LABEL: func.func @main
// CHECK: %[[D:.+]] = tensor.dim %arg0, %c1
// CHECK: %[[DI:.+]] = arith.index_cast %[[D]] : index to i64
// CHECK: %[[S:.+]] = tensor.from_elements %{{.+}}, %[[DI]] : tensor<2xi64>
// CHECK: %[[F:.+]] = arith.constant false
// CHECK: %[[E:.+]] = tensor.from_elements %[[F]], %{{.+}} : tensor<2xi1>
// CHECK: %[[W:.+]] = tensor.from_elements %{{.+}}, %{{.+}} : tensor<2xi64>
// CHECK: return %[[S]], %[[E]], %[[W]]

// ONNX: <ir_version: 9, opset_import: ["" : 17]>
// ONNX: agraph (float[2, N] x) => (int64[2] s, bool[2] e, int64[2] w) {
// ONNX:   s = Shape(x)
// ONNX:   m1 = Constant <value = int64[1] {-1}> ()
// ONNX:   e = Equal(s, m1)
// ONNX:   ones = Constant <value = int64[2] {1, 1}> ()
// ONNX:   w = Where(e, ones, s)
// ONNX: }

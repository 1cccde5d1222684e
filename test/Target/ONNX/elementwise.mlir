// REQUIRES: onnx
// RUN: %onnx_from_text %s -o %t.onnx
// RUN: mixer-translate --import-onnx %t.onnx | FileCheck %s

// ONNX: <ir_version: 9, opset_import: ["" : 17]>
// ONNX: agraph (float[N, 128] x, float[128] b) => (float[N, 128] y) {
// ONNX:   t = Add(x, b)
// ONNX:   y = Relu(t)
// ONNX: }

// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[X:.+]]: tensor<?x128xf32> {onnx.name = "x"}, %[[B:.+]]: tensor<128xf32> {onnx.name = "b"})
// CHECK-SAME: -> (tensor<?x128xf32> {onnx.name = "y"})
// CHECK: %[[N:.+]] = tensor.dim %[[X]], %{{.+}} : tensor<?x128xf32>
// CHECK: %[[E:.+]] = tensor.empty(%[[N]]) : tensor<?x128xf32>
// CHECK: %[[ADD:.+]] = linalg.generic
// CHECK-SAME: ins(%[[X]], %[[B]] : tensor<?x128xf32>, tensor<128xf32>)
// CHECK: arith.addf
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[ADD]] : tensor<?x128xf32>)
// CHECK: arith.maximumf

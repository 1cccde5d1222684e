// REQUIRES: onnx
// RUN: %onnx_from_text %s -o %t.onnx
// RUN: mixer-translate --import-onnx %t.onnx | FileCheck %s

// MatMul with a broadcast batch dim, Gemm with transB and bias, ReduceMean
// with keepdims, Softmax along the last axis.

// CHECK-DAG: #[[A:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[B:.+]] = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
// CHECK-DAG: #[[C:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @main
// CHECK: %[[MM:.+]] = linalg.generic {indexing_maps = [#[[A]], #[[B]], #[[C]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%arg0, %arg1 : tensor<?x8x32xf32>, tensor<32x16xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: linalg.transpose ins(%arg3 : tensor<6x16xf32>)
// CHECK: tensor.reshape {{.*}} -> tensor<?x8x1xf32>
// CHECK: linalg.softmax dimension(2)

// ONNX: <ir_version: 9, opset_import: ["" : 17]>
// ONNX: agraph (float[B, 8, 32] a, float[32, 16] w, float[4, 16] g, float[6, 16] gw, float[6] gb)
// ONNX:     => (float[B, 8, 16] y, float[4, 6] z, float[B, 8, 1] m, float[B, 8, 16] s) {
// ONNX:   y = MatMul(a, w)
// ONNX:   z = Gemm <transB = 1, alpha = 0.5> (g, gw, gb)
// ONNX:   m = ReduceMean <axes = [-1], keepdims = 1> (y)
// ONNX:   s = Softmax <axis = -1> (y)
// ONNX: }

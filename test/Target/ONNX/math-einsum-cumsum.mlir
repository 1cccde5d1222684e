// REQUIRES: onnx
// RUN: %onnx_from_text %s -o %t.onnx
// RUN: mixer-translate --import-onnx %t.onnx | FileCheck %s

// Einsum as one generic over the equation's letters (here attention scores,
// "bhqd,bhkd->bhqk"), CumSum as a masked reduction, and TopK.

// CHECK-DAG: #[[Q:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[K:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
// CHECK-DAG: #[[S:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: #[[CIN:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @main
// CHECK: linalg.generic {indexing_maps = [#[[Q]], #[[K]], #[[S]]], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]}
// CHECK: } -> tensor<1x2x8x6xf32>
// CHECK: linalg.generic {indexing_maps = [#[[CIN]], {{.*}}], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK: arith.cmpi ule
// CHECK: } -> tensor<3x5xf32>
// TopK: ranks by pairwise comparison, then the element of each rank.
// CHECK: linalg.generic {{.*}} ins(%arg2, %arg2 : tensor<3x5xf32>, tensor<3x5xf32>) outs(%{{.+}} : tensor<3x5xi64>)
// CHECK: arith.cmpf ogt
// CHECK: %{{.+}}:2 = linalg.generic
// CHECK: } -> (tensor<3x2xf32>, tensor<3x2xi64>)

// ONNX: <ir_version: 9, opset_import: ["" : 17]>
// ONNX: agraph (float[1, 2, 8, 4] q, float[1, 2, 6, 4] k, float[3, 5] x) => (float[1, 2, 8, 6] s, float[3, 5] c, float[3, 2] tv, int64[3, 2] ti) {
// ONNX:   s = Einsum <equation = "bhqd, bhkd -> bhqk"> (q, k)
// ONNX:   axis = Constant <value = int64 {1}> ()
// ONNX:   c = CumSum (x, axis)
// ONNX:   kk = Constant <value = int64[1] {2}> ()
// ONNX:   tv, ti = TopK <axis = 1> (x, kk)
// ONNX: }

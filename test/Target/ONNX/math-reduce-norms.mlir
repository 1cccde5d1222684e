// REQUIRES: onnx
// RUN: %onnx_from_text %s -o %t.onnx
// RUN: mixer-translate --import-onnx %t.onnx | FileCheck %s
// RUN: %onnx_from_text %s --prefix=ONNX-INT --no-check -o %t.int.onnx
// RUN: not mixer-translate --import-onnx %t.int.onnx 2>&1 | FileCheck %s --check-prefix=INT

// ReduceL2 (torch.nn.functional.normalize, sentence-transformers'
// Normalize), ReduceL1 and ReduceSumSquare: a sum of x*x or |x|, then a
// square root for L2.
// ONNX: <ir_version: 9, opset_import: ["" : 17]>
// ONNX: agraph (float[N, 8] x) => (float[N, 1] l2, float[N] l1, float[N, 1] sq) {
// ONNX:   l2 = ReduceL2 <axes = [1], keepdims = 1> (x)
// ONNX:   l1 = ReduceL1 <axes = [-1], keepdims = 0> (x)
// ONNX:   sq = ReduceSumSquare <axes = [1]> (x)
// ONNX: }
// CHECK-LABEL: func.func @main
//       CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
//       CHECK:   arith.mulf %[[A:.+]], %[[A]] : f32
//       CHECK:   arith.addf
//       CHECK: math.sqrt
//       CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
//       CHECK:   math.absf
//       CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
//       CHECK:   arith.mulf
//   CHECK-NOT: math.sqrt
//       CHECK: return

// ONNX-INT: <ir_version: 9, opset_import: ["" : 17]>
// ONNX-INT: agraph (int64[4] i) => (int64[1] y) {
// ONNX-INT:   y = ReduceL2 <keepdims = 1> (i)
// ONNX-INT: }
// INT: error: {{.*}}ReduceL2 needs a float input

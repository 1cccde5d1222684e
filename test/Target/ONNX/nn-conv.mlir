// REQUIRES: onnx
// RUN: %onnx_from_text %s -o %t.onnx
// RUN: mixer-translate --import-onnx %t.onnx | FileCheck %s

// Conv: a padded, strided 2-D convolution, and Mamba's causal depthwise 1-D
// convolution (group = channels) over a dynamic sequence.

// CHECK-DAG: #[[X2:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d2 * 2 + d5, d3 * 2 + d6)>
// CHECK-DAG: #[[XDW:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 + d3, d2 + d4)>
// CHECK-LABEL: func.func @main
// CHECK: tensor.pad %arg0 low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: linalg.generic {indexing_maps = [#[[X2]],
// CHECK: } -> tensor<1x8x4x4xf32>
// CHECK: tensor.pad %arg3 low[0, 0, 3] high[0, 0, 0]
// CHECK: %[[L:.+]] = arith.addi
// CHECK: linalg.generic {indexing_maps = [#[[XDW]],
// CHECK: } -> tensor<1x16x?xf32>

// ONNX: <ir_version: 9, opset_import: ["" : 17]>
// ONNX: agraph (float[1, 3, 8, 8] x, float[8, 3, 3, 3] w, float[8] b, float[1, 16, L] s, float[16, 1, 4] dw)
// ONNX:     => (float[1, 8, 4, 4] y, float[1, 16, L] z) {
// ONNX:   y = Conv <pads = [1, 1, 1, 1], strides = [2, 2]> (x, w, b)
// ONNX:   z = Conv <group = 16, pads = [3, 0]> (s, dw)
// ONNX: }

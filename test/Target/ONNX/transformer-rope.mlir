// REQUIRES: onnx
// RUN: %onnx_from_text %s -o %t.onnx
// RUN: mixer-translate --import-onnx %t.onnx | FileCheck %s

// ONNX RotaryEmbedding (opset 23) becomes mixer.rope: a 4-D input with a
// cos/sin table and position ids, partial rotation; and a 3-D interleaved one.

// CHECK-LABEL: func.func @main
// CHECK: mixer.rope %arg0, %arg1, %arg2 positions(%arg3) rotate_half {rotary_dim = 16 : i64} : (tensor<1x4x?x32xf32>, tensor<128x8xf32>, tensor<128x8xf32>, tensor<1x?xi64>) -> tensor<1x4x?x32xf32>
// CHECK: %[[XH:.+]] = linalg.transpose ins(%{{.+}} : tensor<1x?x4x32xf32>)
// CHECK: mixer.rope %[[XH]], %{{.+}}, %{{.+}} positions(%arg3) interleaved : (tensor<1x4x?x32xf32>, tensor<128x16xf32>, tensor<128x16xf32>, tensor<1x?xi64>)

// ONNX: <ir_version: 10, opset_import: ["" : 23]>
// ONNX: agraph (float[1, 4, seq, 32] x, float[128, 8] cos, float[128, 8] sin, int64[1, seq] pos, float[1, seq, 128] x3, float[128, 16] cos2, float[128, 16] sin2)
// ONNX:     => (float[1, 4, seq, 32] y, float[1, seq, 128] y3) {
// ONNX:   y = RotaryEmbedding <rotary_embedding_dim = 16> (x, cos, sin, pos)
// ONNX:   y3 = RotaryEmbedding <num_heads = 4, interleaved = 1> (x3, cos2, sin2, pos)
// ONNX: }

// REQUIRES: onnx
// RUN: %onnx_from_text %s -o %t.onnx
// RUN: mixer-translate --import-onnx %t.onnx | FileCheck %s

// LayerNormalization and RMSNormalization become mixer ops with the same
// axis, epsilon, scale and bias; Gelu (both forms) is elementwise.

// CHECK-LABEL: func.func @main
// CHECK: %[[LN:.+]] = mixer.layer_norm %arg0 weight(%arg1) bias(%arg2) {epsilon = 9.99999996E-13 : f32} : (tensor<?x16x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
// CHECK: %[[RMS:.+]] = mixer.rms_norm %[[LN]] weight(%arg1) {epsilon = 9.99999997E-7 : f32}
// CHECK: linalg.generic
// CHECK: math.erf
// CHECK: linalg.generic
// CHECK: math.tanh

// ONNX: <ir_version: 10, opset_import: ["" : 23]>
// ONNX: agraph (float[N, 16, 64] x, float[64] g, float[64] b) => (float[N, 16, 64] y, float[N, 16, 64] z) {
// ONNX:   ln = LayerNormalization <epsilon = 1e-12> (x, g, b)
// ONNX:   rms = RMSNormalization <epsilon = 1e-6> (ln, g)
// ONNX:   y = Gelu(rms)
// ONNX:   z = Gelu <approximate = "tanh"> (rms)
// ONNX: }

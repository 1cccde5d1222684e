// REQUIRES: onnx
// RUN: %onnx_from_text %s --no-check -o %t.onnx
// RUN: mixer-translate --import-onnx %t.onnx | FileCheck %s

// ONNX Runtime's fused ops: SkipLayerNormalization (input + skip + bias, then
// LayerNorm; the sum is output 3), SkipSimplifiedLayerNormalization and
// SimplifiedLayerNormalization (RMSNorm), BiasGelu (erf) and FastGelu (tanh).

// CHECK-LABEL: func.func @main
// CHECK: %[[S1:.+]] = linalg.generic {{.*}} ins(%arg0, %arg1 :
// CHECK: %[[S:.+]] = linalg.generic {{.*}} ins(%[[S1]], %arg4 :
// CHECK: %[[LN:.+]] = mixer.layer_norm %[[S]] weight(%arg2) bias(%arg3) {epsilon = 9.99999996E-13 : f32}
// CHECK: mixer.rms_norm {{.*}} weight(%arg2) {epsilon = 9.99999997E-7 : f32}
// CHECK: mixer.rms_norm %arg0 weight(%arg2) :
// CHECK: math.erf
// CHECK: math.tanh
// CHECK: return %[[LN]], %[[S]],

// ONNX: <ir_version: 9, opset_import: ["" : 17, "com.microsoft" : 1]>
// ONNX: agraph (float[2, 8, 32] x, float[2, 8, 32] skip, float[32] gamma, float[32] beta, float[32] bias)
// ONNX:     => (float[2, 8, 32] ln, float[2, 8, 32] sum, float[2, 8, 32] rms, float[2, 8, 32] srms, float[2, 8, 32] g1, float[2, 8, 32] g2) {
// ONNX:   ln, , , sum = com.microsoft.SkipLayerNormalization <epsilon = 1e-12> (x, skip, gamma, beta, bias)
// ONNX:   rms = com.microsoft.SkipSimplifiedLayerNormalization <epsilon = 1e-6> (x, skip, gamma)
// ONNX:   srms = SimplifiedLayerNormalization (x, gamma)
// ONNX:   g1 = com.microsoft.BiasGelu (x, bias)
// ONNX:   g2 = com.microsoft.FastGelu (x, bias)
// ONNX: }

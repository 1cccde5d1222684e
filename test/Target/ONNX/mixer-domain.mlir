// REQUIRES: onnx
// RUN: %onnx_from_text %s --no-check -o %t.onnx
// RUN: mixer-translate --import-onnx %t.onnx | FileCheck %s

// ai.mixer SelectiveScan (docs/ONNXMixerDomain.md) is mixer.selective_scan:
// the optional inputs keep their places, delta_softplus becomes the unit
// attribute, the final state is the second result.

// CHECK-LABEL: func.func @main
// CHECK: %[[Y:.+]], %[[H:.+]] = mixer.selective_scan %arg0, %arg1, %arg2, %arg3, %arg4 D(%arg5) z(%arg6) delta_bias(%arg7) initial_state(%arg8) {delta_softplus} : (tensor<2x?x16xf32>, tensor<2x?x16xf32>, tensor<16x4xf32>, tensor<2x?x4xf32>, tensor<2x?x4xf32>, tensor<16xf32>, tensor<2x?x16xf32>, tensor<16xf32>, tensor<2x16x4xf32>) -> (tensor<2x?x16xf32>, tensor<2x16x4xf32>)
// CHECK: %[[Y2:.+]], %{{.+}} = mixer.selective_scan %arg0, %arg1, %arg2, %arg3, %arg4 :
// CHECK: return %[[Y]], %[[H]], %[[Y2]]

// ONNX: <ir_version: 9, opset_import: ["" : 17, "ai.mixer" : 1]>
// ONNX: agraph (float[2, S, 16] x, float[2, S, 16] dt, float[16, 4] a, float[2, S, 4] b, float[2, S, 4] c, float[16] d, float[2, S, 16] z, float[16] bias, float[2, 16, 4] h0)
// ONNX:     => (float[2, S, 16] y, float[2, 16, 4] h, float[2, S, 16] y2) {
// ONNX:   y, h = ai.mixer.SelectiveScan <delta_softplus = 1> (x, dt, a, b, c, d, z, bias, h0)
// ONNX:   y2 = ai.mixer.SelectiveScan (x, dt, a, b, c)
// ONNX: }

// Errors name the node: too few inputs, a non-float input, a bad attribute,
// shapes that disagree (the op's verifier, at the node's location), and an
// unknown version of the domain.

// RUN: %onnx_from_text %s --prefix=ONNX-ARITY --no-check -o %t.arity.onnx
// RUN: not mixer-translate --import-onnx %t.arity.onnx 2>&1 | FileCheck %s --check-prefix=ARITY
// ARITY: ONNX node 'scan' (SelectiveScan): expects 5 to 9 inputs, got 4
// ONNX-ARITY: <ir_version: 9, opset_import: ["" : 17, "ai.mixer" : 1]>
// ONNX-ARITY: agraph (float[2, 8, 16] x, float[16, 4] a, float[2, 8, 4] b) => (float[2, 8, 16] y) {
// ONNX-ARITY:   [scan] y = ai.mixer.SelectiveScan (x, x, a, b)
// ONNX-ARITY: }

// RUN: %onnx_from_text %s --prefix=ONNX-INT --no-check -o %t.int.onnx
// RUN: not mixer-translate --import-onnx %t.int.onnx 2>&1 | FileCheck %s --check-prefix=INT
// INT: ONNX node 'scan' (SelectiveScan): input 2 (A) must be a float tensor
// ONNX-INT: <ir_version: 9, opset_import: ["" : 17, "ai.mixer" : 1]>
// ONNX-INT: agraph (float[2, 8, 16] x, int64[16, 4] a, float[2, 8, 4] b) => (float[2, 8, 16] y) {
// ONNX-INT:   [scan] y = ai.mixer.SelectiveScan (x, x, a, b, b)
// ONNX-INT: }

// RUN: %onnx_from_text %s --prefix=ONNX-ATTR --no-check -o %t.attr.onnx
// RUN: not mixer-translate --import-onnx %t.attr.onnx 2>&1 | FileCheck %s --check-prefix=ATTR
// ATTR: ONNX node 'scan' (SelectiveScan): delta_softplus must be 0 or 1, got 2
// ONNX-ATTR: <ir_version: 9, opset_import: ["" : 17, "ai.mixer" : 1]>
// ONNX-ATTR: agraph (float[2, 8, 16] x, float[16, 4] a, float[2, 8, 4] b) => (float[2, 8, 16] y) {
// ONNX-ATTR:   [scan] y = ai.mixer.SelectiveScan <delta_softplus = 2> (x, x, a, b, b)
// ONNX-ATTR: }

// RUN: %onnx_from_text %s --prefix=ONNX-SHAPE --no-check -o %t.shape.onnx
// RUN: not mixer-translate --import-onnx %t.shape.onnx 2>&1 | FileCheck %s --check-prefix=SHAPE
// SHAPE: loc(fused<"SelectiveScan">["scan"]): 'mixer.selective_scan' op A must have shape [channels, d_state] = [16, 4], got [12, 4]
// ONNX-SHAPE: <ir_version: 9, opset_import: ["" : 17, "ai.mixer" : 1]>
// ONNX-SHAPE: agraph (float[2, 8, 16] x, float[12, 4] a, float[2, 8, 4] b) => (float[2, 8, 16] y) {
// ONNX-SHAPE:   [scan] y = ai.mixer.SelectiveScan (x, x, a, b, b)
// ONNX-SHAPE: }

// RUN: %onnx_from_text %s --prefix=ONNX-VERSION --no-check -o %t.version.onnx
// RUN: not mixer-translate --import-onnx %t.version.onnx 2>&1 | FileCheck %s --check-prefix=VERSION
// VERSION: unknown opset: ai.mixer version 2 (this importer knows version 1)
// ONNX-VERSION: <ir_version: 9, opset_import: ["" : 17, "ai.mixer" : 2]>
// ONNX-VERSION: agraph (float[2, 8, 16] x, float[16, 4] a, float[2, 8, 4] b) => (float[2, 8, 16] y) {
// ONNX-VERSION:   y = ai.mixer.SelectiveScan (x, x, a, b, b)
// ONNX-VERSION: }

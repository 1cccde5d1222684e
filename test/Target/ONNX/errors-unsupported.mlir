// REQUIRES: onnx
// RUN: %onnx_from_text %s --no-check -o %t.onnx
// RUN: not mixer-translate --import-onnx %t.onnx 2>&1 | FileCheck %s

// Every unsupported op of the model is listed in one diagnostic, with its
// node count and first node, in order of appearance.

// CHECK: error: the model uses 3 unsupported ONNX ops:
// CHECK-SAME: LpNormalization (2 nodes, first 'lp1'),
// CHECK-SAME: Hardmax (1 node, first 'hm'),
// CHECK-SAME: com.example:Frobnicate (1 node, first 'fx'; the model imports no opset of domain 'com.example')
// CHECK-NOT: error

// ONNX: <ir_version: 9, opset_import: ["" : 17]>
// ONNX: agraph (float[4, 8] x) => (float[4, 8] y) {
// ONNX:   [lp1] a = LpNormalization (x)
// ONNX:   [hm] b = Hardmax (a)
// ONNX:   [lp2] c = LpNormalization (b)
// ONNX:   [fx] d = com.example.Frobnicate (c)
// ONNX:   y = Relu(d)
// ONNX: }

// REQUIRES: onnx
// RUN: %onnx_from_text %s -o %t.onnx
// RUN: mixer-translate --import-onnx %t.onnx --mlir-print-debuginfo | FileCheck %s
// RUN: %onnx_from_text %s --prefix=BAD --no-check -o %t.bad.onnx
// RUN: not mixer-translate --import-onnx %t.bad.onnx 2>&1 | FileCheck %s --check-prefix=BAD-CHECK

// Calls of model-local functions (as the dynamo exporter emits) are inlined:
// the body is imported per call, with the call's attributes substituted for
// attribute references, and locations prefixed with the call's name.

// CHECK: #[[N1:.+]] = loc("call1/scale")
// CHECK: #[[C1:.+]] = loc(fused<"Constant">[#[[N1]]])
// CHECK-LABEL: func.func @main
// CHECK: arith.constant dense<2.000000e+00> : tensor<f32> loc(#[[C1]])
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: arith.constant dense<5.000000e-01> : tensor<f32>

// ONNX: <ir_version: 9, opset_import: ["" : 17, "local" : 1]>
// ONNX: agraph (float[N, 8] x) => (float[N, 8] y) {
// ONNX:   [call1] t = local.AddScaled <alpha = 2.0> (x, x)
// ONNX:   [call2] y = local.AddScaled <alpha = 0.5> (t, x)
// ONNX: }
// ONNX: <domain: "local", opset_import: ["" : 17]>
// ONNX: AddScaled <alpha> (a, b) => (c) {
// ONNX:   [scale] s = Constant <value_float: float = @alpha> ()
// ONNX:   [mul] m = Mul(b, s)
// ONNX:   [add] c = Add(a, m)
// ONNX: }

// Unsupported ops inside a function body are reported like any other.
// BAD-CHECK: error: the model uses 1 unsupported ONNX op: Hardmax (1 node, first 'h')

// BAD: <ir_version: 9, opset_import: ["" : 17, "local" : 1]>
// BAD: agraph (float[4, 8] x) => (float[4, 8] y) { y = local.F (x) }
// BAD: <domain: "local", opset_import: ["" : 17]>
// BAD: F (a) => (c) { [h] c = Hardmax (a) }

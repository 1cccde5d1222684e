// REQUIRES: onnx
// RUN: %onnx_from_text %s -o %t.onnx
// RUN: mixer-translate --import-onnx %t.onnx | FileCheck %s
// RUN: %onnx_from_text %s --prefix=ONNX-V6 -o %t.v6.onnx
// RUN: mixer-translate --import-onnx %t.v6.onnx | FileCheck %s --check-prefix=V6
// RUN: %onnx_from_text %s --prefix=ONNX-BOUND --no-check -o %t.bound.onnx
// RUN: not mixer-translate --import-onnx %t.bound.onnx 2>&1 | FileCheck %s --check-prefix=BOUND
// RUN: %onnx_from_text %s --prefix=ONNX-TYPE --no-check -o %t.type.onnx
// RUN: not mixer-translate --import-onnx %t.type.onnx 2>&1 | FileCheck %s --check-prefix=TYPE

// Clip (opset 11 on): max with the min bound, then min with the max bound;
// either may be absent (the mean pooling of sentence-transformers clamps its
// token count from below only).
// ONNX: <ir_version: 9, opset_import: ["" : 17]>
// ONNX: agraph (float[N, 8] x, int64[4] i) => (float[N, 8] lo, int64[4] both) {
// ONNX:   eps = Constant <value = float {1e-9}> ()
// ONNX:   lo = Clip (x, eps)
// ONNX:   a = Constant <value = int64 {-3}> ()
// ONNX:   b = Constant <value = int64 {5}> ()
// ONNX:   both = Clip (i, a, b)
// ONNX: }
// CHECK-LABEL: func.func @main
// CHECK:     linalg.generic
// CHECK:       arith.maximumf
// CHECK-NOT:   arith.minimumf
// CHECK:     } -> tensor<?x8xf32>
// CHECK:     linalg.generic
// CHECK:       arith.maxsi
// CHECK:     linalg.generic
// CHECK:       arith.minsi

// Clip-6: float bounds as attributes, in one elementwise op.
// ONNX-V6: <ir_version: 9, opset_import: ["" : 10]>
// ONNX-V6: agraph (float[4] x) => (float[4] y) {
// ONNX-V6:   y = Clip <min = -1.5, max = 2.0> (x)
// ONNX-V6: }
// V6-LABEL: func.func @main
// V6:       linalg.generic
// V6-DAG:     %[[LO:.+]] = arith.constant -1.500000e+00 : f32
// V6-DAG:     %[[HI:.+]] = arith.constant 2.000000e+00 : f32
// V6:         %[[M:.+]] = arith.maximumf %{{.+}}, %[[LO]]
// V6:         arith.minimumf %[[M]], %[[HI]]
// V6-NOT:   linalg.generic

// BOUND: ONNX node 'c' (Clip): the max bound must be a scalar, not 'tensor<2xf32>'
// ONNX-BOUND: <ir_version: 9, opset_import: ["" : 17]>
// ONNX-BOUND: agraph (float[4] x, float[2] m) => (float[4] y) { [c] y = Clip (x, , m) }

// TYPE: ONNX node 'c' (Clip): the min bound has element type 'f64', the input 'f32'
// ONNX-TYPE: <ir_version: 9, opset_import: ["" : 17]>
// ONNX-TYPE: agraph (float[4] x, double m) => (float[4] y) { [c] y = Clip (x, m) }

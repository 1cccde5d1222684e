// REQUIRES: onnx
// RUN: %onnx_from_text %s --prefix=ONNX-ARITY --no-check -o %t.arity.onnx
// RUN: not mixer-translate --import-onnx %t.arity.onnx 2>&1 | FileCheck %s --check-prefix=ARITY
// RUN: %onnx_from_text %s --prefix=ONNX-BCAST --no-check -o %t.bcast.onnx
// RUN: not mixer-translate --import-onnx %t.bcast.onnx 2>&1 | FileCheck %s --check-prefix=BCAST
// RUN: %onnx_from_text %s --prefix=ONNX-DANGLING --no-check -o %t.dangling.onnx
// RUN: not mixer-translate --import-onnx %t.dangling.onnx 2>&1 | FileCheck %s --check-prefix=DANGLING
// RUN: %onnx_from_text %s --prefix=ONNX-HEADS --no-check -o %t.heads.onnx
// RUN: not mixer-translate --import-onnx %t.heads.onnx 2>&1 | FileCheck %s --check-prefix=HEADS
// RUN: %onnx_from_text %s --prefix=ONNX-TYPE --no-check -o %t.type.onnx
// RUN: not mixer-translate --import-onnx %t.type.onnx 2>&1 | FileCheck %s --check-prefix=TYPE
// RUN: %onnx_from_text %s --prefix=ONNX-SOFTCAP -o %t.softcap.onnx
// RUN: not mixer-translate --import-onnx %t.softcap.onnx 2>&1 | FileCheck %s --check-prefix=SOFTCAP

// Errors at a node name the node (in the location and the message) and its op.

// ARITY: loc(fused<"MatMul">["mm"]): ONNX node 'mm' (MatMul): expects 2 inputs, got 3
// ONNX-ARITY: <ir_version: 9, opset_import: ["" : 17]>
// ONNX-ARITY: agraph (float[4, 4] x) => (float[4, 4] y) { [mm] y = MatMul (x, x, x) }

// BCAST: ONNX node 'add' (Add): operands do not broadcast: dim 1 is 4 in one and 3 in another
// ONNX-BCAST: <ir_version: 9, opset_import: ["" : 17]>
// ONNX-BCAST: agraph (float[2, 4] x, float[2, 3] z) => (float[2, 4] y) { [add] y = Add (x, z) }

// DANGLING: ONNX node 'r' (Relu): input 0 ('nowhere') is not produced by any earlier node, input or initializer
// ONNX-DANGLING: <ir_version: 9, opset_import: ["" : 17]>
// ONNX-DANGLING: agraph (float[4] x) => (float[4] y) { [r] y = Relu (nowhere) }

// HEADS: ONNX node 'attn' (Attention): query heads 6 and key/value heads 4: one must divide the other
// ONNX-HEADS: <ir_version: 10, opset_import: ["" : 23]>
// ONNX-HEADS: agraph (float[1, 6, 8, 16] q, float[1, 4, 8, 16] k) => (float[1, 6, 8, 16] y) {
// ONNX-HEADS:   [attn] y = Attention (q, k, k)
// ONNX-HEADS: }

// TYPE: error: graph input 'x' has unsupported element type UINT8
// ONNX-TYPE: <ir_version: 9, opset_import: ["" : 17]>
// ONNX-TYPE: agraph (uint8[4] x) => (uint8[4] y) { y = Identity(x) }

// SOFTCAP: ONNX node 'attn' (Attention): attribute 'softcap' is not supported: score soft-capping is unsupported
// ONNX-SOFTCAP: <ir_version: 10, opset_import: ["" : 23]>
// ONNX-SOFTCAP: agraph (float[1, 4, 8, 16] q) => (float[1, 4, 8, 16] y) {
// ONNX-SOFTCAP:   [attn] y = Attention <softcap = 30.0> (q, q, q)
// ONNX-SOFTCAP: }

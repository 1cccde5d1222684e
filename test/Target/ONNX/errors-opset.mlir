// REQUIRES: onnx
// RUN: %onnx_from_text %s --prefix=ONNX-NEW --no-check -o %t.new.onnx
// RUN: not mixer-translate --import-onnx %t.new.onnx 2>&1 | FileCheck %s --check-prefix=NEW
// RUN: %onnx_from_text %s --prefix=ONNX-OLD -o %t.old.onnx
// RUN: not mixer-translate --import-onnx %t.old.onnx 2>&1 | FileCheck %s --check-prefix=OLD
// RUN: %onnx_from_text %s --prefix=ONNX-NODEFAULT --no-check -o %t.nodefault.onnx
// RUN: not mixer-translate --import-onnx %t.nodefault.onnx 2>&1 | FileCheck %s --check-prefix=NODEFAULT

// An opset newer than the importer knows is refused up front.
// NEW: error: unknown opset: ai.onnx version 99 (this importer knows versions 1 to 28)
// ONNX-NEW: <ir_version: 9, opset_import: ["" : 99]>
// ONNX-NEW: agraph (float[4] x) => (float[4] y) { y = Relu(x) }

// An op used at an opset older than its handler's names both versions.
// OLD: error: the model uses 1 unsupported ONNX op: Softmax (1 node, first 'sm'; supported from opset 13, the model uses 11)
// ONNX-OLD: <ir_version: 7, opset_import: ["" : 11]>
// ONNX-OLD: agraph (float[4] x) => (float[4] y) { [sm] y = Softmax (x) }

// NODEFAULT: error: the model imports no ai.onnx opset
// ONNX-NODEFAULT: <ir_version: 9, opset_import: ["com.microsoft" : 1]>
// ONNX-NODEFAULT: agraph (float[4] x) => (float[4] y) { y = com.microsoft.Gelu(x) }

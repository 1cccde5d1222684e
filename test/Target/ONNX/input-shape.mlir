// REQUIRES: onnx
// RUN: %onnx_from_text %s -o %t.onnx
// RUN: mixer-translate --import-onnx %t.onnx | FileCheck %s --check-prefix=DYN
// RUN: mixer-translate --import-onnx %t.onnx --input-shape ids=2x128 | FileCheck %s --check-prefix=STATIC
// RUN: mixer-translate --import-onnx %t.onnx --input-shape ids=?x64 | FileCheck %s --check-prefix=PARTIAL
// RUN: not mixer-translate --import-onnx %t.onnx --input-shape idz=2x128 2>&1 | FileCheck %s --check-prefix=NAME
// RUN: not mixer-translate --import-onnx %t.onnx --input-shape ids=2x128x1 2>&1 | FileCheck %s --check-prefix=RANK
// RUN: not mixer-translate --import-onnx %t.onnx --input-shape ids=2xabc 2>&1 | FileCheck %s --check-prefix=SYNTAX
// RUN: not mixer-translate --import-onnx %t.onnx --input-shape ids 2>&1 | FileCheck %s --check-prefix=FORM

// dim_param dims stay dynamic; --input-shape specializes them.
// DYN: func.func @main(%{{.+}}: tensor<?x?xi64> {onnx.name = "ids"}) -> (tensor<?x?xf32> {onnx.name = "y"})
// STATIC: func.func @main(%{{.+}}: tensor<2x128xi64> {onnx.name = "ids"}) -> (tensor<2x128xf32> {onnx.name = "y"})
// PARTIAL: func.func @main(%{{.+}}: tensor<?x64xi64> {onnx.name = "ids"})
// NAME: error: --input-shape names 'idz', which is not an input of the model (inputs: ids)
// RANK: error: --input-shape for 'ids' has rank 3, but the model's input has rank 2
// SYNTAX: error: --input-shape 'ids=2xabc': 'abc' is not a dimension (a number or ?)
// FORM: error: --input-shape 'ids' is not of the form name=1x128

// ONNX: <ir_version: 9, opset_import: ["" : 17]>
// ONNX: agraph (int64[batch, seq] ids) => (float[batch, seq] y) {
// ONNX:   y = Cast <to = 1> (ids)
// ONNX: }

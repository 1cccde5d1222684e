// REQUIRES: onnx
// RUN: %onnx_from_text %s -o %t.onnx
// RUN: mixer-translate --import-onnx %t.onnx | FileCheck %s

// The Shape -> Gather -> Concat -> Reshape chain exporters emit for dynamic
// axes folds to the input's symbolic dims: no i64 shape tensor survives.

// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[X:.+]]: tensor<?x?x64xf32> {onnx.name = "x"}) -> (tensor<?x4x?x16xf32> {onnx.name = "y"})
// CHECK-DAG: %[[B:.+]] = tensor.dim %[[X]], %c0
// CHECK-DAG: %[[S:.+]] = tensor.dim %[[X]], %c1
// CHECK: %[[SHAPE:.+]] = tensor.from_elements %[[B]], %[[S]], %c4, %c16 : tensor<4xindex>
// CHECK: %[[R:.+]] = tensor.reshape %[[X]](%[[SHAPE]]) : (tensor<?x?x64xf32>, tensor<4xindex>) -> tensor<?x?x4x16xf32>
// CHECK: linalg.transpose ins(%[[R]] : tensor<?x?x4x16xf32>) outs(%{{.+}} : tensor<?x4x?x16xf32>) permutation = [0, 2, 1, 3]
// CHECK-NOT: tensor<{{[0-9]+}}xi64>

// ONNX: <ir_version: 9, opset_import: ["" : 17]>
// ONNX: agraph (float[batch, seq, 64] x) => (float[batch, 4, seq, 16] y) {
// ONNX:   s = Shape(x)
// ONNX:   i0 = Constant <value = int64[1] {0}> ()
// ONNX:   i1 = Constant <value = int64[1] {1}> ()
// ONNX:   b = Gather <axis = 0> (s, i0)
// ONNX:   n = Gather <axis = 0> (s, i1)
// ONNX:   h = Constant <value = int64[2] {4, 16}> ()
// ONNX:   shape = Concat <axis = 0> (b, n, h)
// ONNX:   r = Reshape(x, shape)
// ONNX:   y = Transpose <perm = [0, 2, 1, 3]> (r)
// ONNX: }

// RUN: %onnx_from_text %s --prefix=REV -o %t.rev.onnx
// RUN: mixer-translate --import-onnx %t.rev.onnx | FileCheck %s --check-prefix=REV-CHECK
// RUN: %onnx_from_text %s --prefix=REVT --no-check -o %t.revt.onnx
// RUN: not mixer-translate --import-onnx %t.revt.onnx 2>&1 | FileCheck %s --check-prefix=REVT-CHECK

// Slice with a negative step on a shape value (exporters reverse pad lists
// so): Shape [b, s, 64] reversed and every other element of it from the end,
// [64, b]; the folded shape reshapes x to [64, b, s]. On an ordinary tensor
// a negative step is refused, naming the node.
// REV-CHECK-LABEL: func.func @main
// REV-CHECK-DAG: %[[B:.+]] = tensor.dim %arg0, %c0
// REV-CHECK-DAG: %[[S:.+]] = tensor.dim %arg0, %c1
// REV-CHECK: tensor.from_elements %c64, %[[B]], %[[S]] : tensor<3xindex>
// REV-CHECK: -> tensor<64x?x?xf32>
// REV: <ir_version: 9, opset_import: ["" : 17]>
// REV: agraph (float[batch, seq, 64] x) => (float[64, batch, seq] y) {
// REV:   s = Shape(x)
// REV:   st = Constant <value = int64[1] {-1}> ()
// REV:   en = Constant <value = int64[1] {-9223372036854775807}> ()
// REV:   ax = Constant <value = int64[1] {0}> ()
// REV:   m2 = Constant <value = int64[1] {-2}> ()
// REV:   ev = Slice(s, st, en, ax, m2)
// REV:   two = Constant <value = int64[1] {2}> ()
// REV:   zero = Constant <value = int64[1] {0}> ()
// REV:   one = Constant <value = int64[1] {1}> ()
// REV:   tail = Slice(s, zero, two, ax)
// REV:   first = Slice(ev, zero, one, ax)
// REV:   shape = Concat <axis = 0> (first, tail)
// REV:   y = Reshape(x, shape)
// REV: }
// REVT-CHECK: ONNX node 'rev' (Slice): step -1 is not supported on tensors
// REVT: <ir_version: 9, opset_import: ["" : 17]>
// REVT: agraph (float[4, 8] x) => (float[4, 8] y) {
// REVT:   st = Constant <value = int64[1] {-1}> ()
// REVT:   en = Constant <value = int64[1] {-9223372036854775807}> ()
// REVT:   ax = Constant <value = int64[1] {1}> ()
// REVT:   m1 = Constant <value = int64[1] {-1}> ()
// REVT:   [rev] y = Slice(x, st, en, ax, m1)
// REVT: }

// REQUIRES: onnx
// RUN: %onnx_from_text %s -o %t.onnx
// RUN: mixer-translate --import-onnx %t.onnx | FileCheck %s

// Gather (embedding lookup), GatherElements, Slice, Pad, Tile, ArgMax and
// ScatterND.

// CHECK-LABEL: func.func @main
// Embedding: indices drive a generic that extracts rows of the table.
// CHECK: linalg.generic {{.*}} ins(%arg1 : tensor<?x?xi64>) outs(%{{.+}} : tensor<?x?x8xf32>)
// CHECK: tensor.extract %arg0[
// GatherElements along axis 1.
// CHECK: linalg.generic {{.*}} ins(%arg3 : tensor<4x2xi64>)
// CHECK: tensor.extract %arg2[
// Slice with a negative start and a step of 2.
// CHECK: tensor.extract_slice %arg2[0, 1] [4, 2] [1, 2]
// Pad (constant 0.5) and Tile.
// CHECK: tensor.pad %arg2 low[1, 0] high[0, 2]
// CHECK: tensor.yield %{{.+}} : f32
// CHECK: arith.remui
// CHECK: } -> tensor<8x15xf32>
// ArgMax with keepdims: a (value, index) reduction.
// CHECK: %{{.+}}:2 = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK: tensor.reshape {{.*}} -> tensor<4x1xi64>
// ScatterND: a copy of the data, then a gather-style generic over
// (rows, cols, updates) keeping the matching update.
// CHECK: %[[COPY:.+]] = linalg.copy ins(%arg2 : tensor<4x5xf32>)
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]} ins(%arg5 : tensor<2x5xf32>) outs(%[[COPY]] : tensor<4x5xf32>)
// CHECK: tensor.extract %arg4[

// ONNX: <ir_version: 9, opset_import: ["" : 17]>
// ONNX: agraph (float[100, 8] table, int64[B, S] ids, float[4, 5] x, int64[4, 2] idx, int64[2, 1] sidx, float[2, 5] supd)
// ONNX:     => (float[B, S, 8] emb, float[4, 2] ge, float[4, 2] sl, float[5, 7] pd, float[8, 15] tl, int64[4, 1] am, float[4, 5] sc) {
// ONNX:   emb = Gather <axis = 0> (table, ids)
// ONNX:   ge = GatherElements <axis = 1> (x, idx)
// ONNX:   starts = Constant <value = int64[1] {-4}> ()
// ONNX:   ends = Constant <value = int64[1] {100}> ()
// ONNX:   axes = Constant <value = int64[1] {1}> ()
// ONNX:   steps = Constant <value = int64[1] {2}> ()
// ONNX:   sl = Slice (x, starts, ends, axes, steps)
// ONNX:   pads = Constant <value = int64[4] {1, 0, 0, 2}> ()
// ONNX:   pv = Constant <value = float {0.5}> ()
// ONNX:   pd = Pad (x, pads, pv)
// ONNX:   reps = Constant <value = int64[2] {2, 3}> ()
// ONNX:   tl = Tile (x, reps)
// ONNX:   am = ArgMax <axis = 1, keepdims = 1> (x)
// ONNX:   sc = ScatterND (x, sidx, supd)
// ONNX: }

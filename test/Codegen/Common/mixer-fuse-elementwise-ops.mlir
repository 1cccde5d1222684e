// RUN: mixer-opt %s --split-input-file --mixer-fuse-elementwise-ops | FileCheck %s

// Elementwise chains fuse into one op.
#id = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @chain
//       CHECK: linalg.generic
//       CHECK:   math.exp
//       CHECK:   arith.mulf
//   CHECK-NOT: linalg.generic
func.func @chain(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %e = tensor.empty() : tensor<4x8xf32>
  %a = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = math.exp %v : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %b = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = arith.mulf %v, %v : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  return %b : tensor<4x8xf32>
}

// -----

// A producer read once per iteration of a reduction fuses into it (the
// centered square of a variance).
#in = affine_map<(d0, d1) -> (d0, d1)>
#out = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @into_reduction
//       CHECK: linalg.generic
//  CHECK-SAME: iterator_types = ["parallel", "reduction"]
//       CHECK:   arith.subf
//       CHECK:   arith.mulf
//       CHECK:   arith.addf
//   CHECK-NOT: linalg.generic
func.func @into_reduction(%x: tensor<4x8xf32>, %mean: f32, %init: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4x8xf32>
  %c = linalg.generic {indexing_maps = [#in, #in], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %d = arith.subf %v, %mean : f32
    %s = arith.mulf %d, %d : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  %r = linalg.generic {indexing_maps = [#in, #out], iterator_types = ["parallel", "reduction"]}
      ins(%c : tensor<4x8xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %a = arith.addf %o, %v : f32
    linalg.yield %a : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// The softmax division stays out of P * V: fused, it would run head_dim
// times per probability and the contraction would lose its form.
#id4 = affine_map<(b, h, m, k) -> (b, h, m, k)>
#row = affine_map<(b, h, m, k) -> (b, h, m)>
#p = affine_map<(b, h, m, n, k) -> (b, h, m, k)>
#v = affine_map<(b, h, m, n, k) -> (b, h, k, n)>
#o = affine_map<(b, h, m, n, k) -> (b, h, m, n)>
// CHECK-LABEL: func.func @negative_recomputed_in_contraction
//       CHECK: %[[P:.+]] = linalg.generic
//       CHECK:   arith.divf
//       CHECK: linalg.generic
//  CHECK-SAME: ins(%[[P]],
//   CHECK-NOT:   arith.divf
//       CHECK:   arith.mulf
//       CHECK:   arith.addf
func.func @negative_recomputed_in_contraction(%e: tensor<1x2x8x8xf32>, %s: tensor<1x2x8xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %empty = tensor.empty() : tensor<1x2x8x8xf32>
  %p = linalg.generic {indexing_maps = [#id4, #row, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%e, %s : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) outs(%empty : tensor<1x2x8x8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %d = arith.divf %x, %y : f32
    linalg.yield %d : f32
  } -> tensor<1x2x8x8xf32>
  %zero = arith.constant 0.0 : f32
  %oe = tensor.empty() : tensor<1x2x8x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  %r = linalg.generic {indexing_maps = [#p, #v, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x4xf32>) outs(%init : tensor<1x2x8x4xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %m = arith.mulf %x, %y : f32
    %a = arith.addf %o, %m : f32
    linalg.yield %a : f32
  } -> tensor<1x2x8x4xf32>
  return %r : tensor<1x2x8x4xf32>
}

// -----

// A producer with two users is not duplicated.
#id = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @negative_two_users
//       CHECK: math.exp
//       CHECK: linalg.generic
//       CHECK: linalg.generic
func.func @negative_two_users(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %e = tensor.empty() : tensor<8xf32>
  %a = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = math.exp %v : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %b = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%a : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = arith.negf %v : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %c = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%a : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = arith.mulf %v, %v : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  return %b, %c : tensor<8xf32>, tensor<8xf32>
}

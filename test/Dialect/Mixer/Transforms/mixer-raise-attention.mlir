// RUN: mixer-opt %s --split-input-file --mixer-raise-attention=remarks=true --verify-diagnostics | FileCheck %s

#q = affine_map<(b, h, i, j, k) -> (b, h, i, k)>
#k = affine_map<(b, h, i, j, k) -> (b, h, k, j)>
#o = affine_map<(b, h, i, j, k) -> (b, h, i, j)>
#id = affine_map<(b, h, i, j) -> (b, h, i, j)>
#scalar = affine_map<(b, h, i, j) -> ()>
#padding = affine_map<(b, h, i, j) -> (b, 0, 0, j)>

// BERT as exported: (Q·Kᵀ) / sqrt(d) + padding mask, softmax, ·V, with
// Kᵀ a transpose of K: one mixer.attention on K itself, scale 1/4.
// CHECK-LABEL: func.func @bert
//  CHECK-SAME: (%[[Q:.+]]: tensor<2x4x8x16xf32>, %[[K:.+]]: tensor<2x4x8x16xf32>, %[[V:.+]]: tensor<2x4x8x16xf32>, %[[M:.+]]: tensor<2x1x1x8xf32>)
//       CHECK: %[[O:.+]] = mixer.attention %[[Q]], %[[K]], %[[V]] mask(%[[M]]) {scale = 2.500000e-01 : f32}
//   CHECK-NOT: linalg.softmax
//       CHECK: return %[[O]]
func.func @bert(%q: tensor<2x4x8x16xf32>, %k: tensor<2x4x8x16xf32>, %v: tensor<2x4x8x16xf32>, %mask: tensor<2x1x1x8xf32>) -> tensor<2x4x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %four = arith.constant dense<4.0> : tensor<f32>
  %et = tensor.empty() : tensor<2x4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<2x4x8x16xf32>) outs(%et : tensor<2x4x16x8xf32>) permutation = [0, 1, 3, 2]
  %es = tensor.empty() : tensor<2x4x8x8xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  %s = linalg.generic {indexing_maps = [#q, #k, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %kt : tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) outs(%fs : tensor<2x4x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %c, %p : f32
    linalg.yield %r : f32
  } -> tensor<2x4x8x8xf32>
  %scaled = linalg.generic {indexing_maps = [#id, #scalar, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s, %four : tensor<2x4x8x8xf32>, tensor<f32>) outs(%es : tensor<2x4x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %r = arith.divf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<2x4x8x8xf32>
  %masked = linalg.generic {indexing_maps = [#id, #padding, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%scaled, %mask : tensor<2x4x8x8xf32>, tensor<2x1x1x8xf32>) outs(%es : tensor<2x4x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<2x4x8x8xf32>
  %p = linalg.softmax dimension(3) ins(%masked : tensor<2x4x8x8xf32>) outs(%es : tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  %eo = tensor.empty() : tensor<2x4x8x16xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %out = linalg.generic {indexing_maps = [#q, #k, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %v : tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) outs(%fo : tensor<2x4x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %c, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x4x8x16xf32>
  return %out : tensor<2x4x8x16xf32>
}

// -----

#q = affine_map<(b, h, i, j, k) -> (b, h, i, k)>
#k = affine_map<(b, h, i, j, k) -> (b, h, k, j)>
#o = affine_map<(b, h, i, j, k) -> (b, h, i, j)>
#id = affine_map<(b, h, i, j) -> (b, h, i, j)>
#causal = affine_map<(b, h, i, j) -> (0, 0, i, j)>

// GPT-2 as exported: where(causal == 0, -inf, s) with Q pre-scaled by 0.5
// and Kᵀ computed elsewhere: the condition masks out, so the mask is its
// negation; Kᵀ is transposed back to K; the scale folds.
// CHECK-LABEL: func.func @gpt2
//  CHECK-SAME: (%[[Q:.+]]: tensor<1x2x8x16xf32>, %[[KT:.+]]: tensor<1x2x16x8xf32>, %[[V:.+]]: tensor<1x2x8x16xf32>, %[[C:.+]]: tensor<1x1x8x8xi1>)
//       CHECK: %[[K:.+]] = linalg.transpose ins(%[[KT]] : tensor<1x2x16x8xf32>) {{.*}} permutation = [0, 1, 3, 2]
//       CHECK: %[[KEEP:.+]] = linalg.generic {{.*}} ins(%[[C]] : tensor<1x1x8x8xi1>)
//       CHECK:   arith.xori
//       CHECK: mixer.attention %[[Q]], %[[K]], %[[V]] mask(%[[KEEP]]) {scale = 5.000000e-01 : f32}
func.func @gpt2(%q: tensor<1x2x8x16xf32>, %kt: tensor<1x2x16x8xf32>, %v: tensor<1x2x8x16xf32>, %cond: tensor<1x1x8x8xi1>) -> tensor<1x2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %half = arith.constant 0.5 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %eq = tensor.empty() : tensor<1x2x8x16xf32>
  %qs = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%q : tensor<1x2x8x16xf32>) outs(%eq : tensor<1x2x8x16xf32>) {
  ^bb0(%a: f32, %c: f32):
    %r = arith.mulf %a, %half : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x16xf32>
  %es = tensor.empty() : tensor<1x2x8x8xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %s = linalg.generic {indexing_maps = [#q, #k, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%qs, %kt : tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32>) outs(%fs : tensor<1x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %c, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %masked = linalg.generic {indexing_maps = [#causal, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%cond, %s : tensor<1x1x8x8xi1>, tensor<1x2x8x8xf32>) outs(%es : tensor<1x2x8x8xf32>) {
  ^bb0(%c: i1, %a: f32, %o: f32):
    %r = arith.select %c, %ninf, %a : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %p = linalg.softmax dimension(3) ins(%masked : tensor<1x2x8x8xf32>) outs(%es : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %eo = tensor.empty() : tensor<1x2x8x16xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  %out = linalg.generic {indexing_maps = [#q, #k, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) outs(%fo : tensor<1x2x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %c, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x16xf32>
  return %out : tensor<1x2x8x16xf32>
}

// -----

#q = affine_map<(b, h, i, j, k) -> (b, h, i, k)>
#k = affine_map<(b, h, i, j, k) -> (b, h, k, j)>
#o = affine_map<(b, h, i, j, k) -> (b, h, i, j)>
#id = affine_map<(b, h, i, j) -> (b, h, i, j)>
#causal = affine_map<(b, h, i, j) -> (0, 0, i, j)>

// A where whose fill (-10000) does not vanish like -inf is not exact as a
// mask: left alone, with a remark.
// CHECK-LABEL: func.func @negative_small_fill
//       CHECK: linalg.softmax
//   CHECK-NOT: mixer.attention
func.func @negative_small_fill(%q: tensor<1x2x8x16xf32>, %kt: tensor<1x2x16x8xf32>, %v: tensor<1x2x8x16xf32>, %cond: tensor<1x1x8x8xi1>) -> tensor<1x2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %fill = arith.constant -1.0e4 : f32
  %es = tensor.empty() : tensor<1x2x8x8xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %s = linalg.generic {indexing_maps = [#q, #k, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %kt : tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32>) outs(%fs : tensor<1x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %c, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %masked = linalg.generic {indexing_maps = [#causal, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%cond, %s : tensor<1x1x8x8xi1>, tensor<1x2x8x8xf32>) outs(%es : tensor<1x2x8x8xf32>) {
  ^bb0(%c: i1, %a: f32, %o: f32):
    %r = arith.select %c, %a, %fill : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  // expected-remark @+1 {{attention not raised: a where whose fill value is not -inf or below -1e30}}
  %p = linalg.softmax dimension(3) ins(%masked : tensor<1x2x8x8xf32>) outs(%es : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %eo = tensor.empty() : tensor<1x2x8x16xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  %out = linalg.generic {indexing_maps = [#q, #k, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) outs(%fo : tensor<1x2x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %c, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x16xf32>
  return %out : tensor<1x2x8x16xf32>
}

// -----

#q = affine_map<(b, h, i, j, k) -> (b, h, i, k)>
#k = affine_map<(b, h, i, j, k) -> (b, h, k, j)>
#o = affine_map<(b, h, i, j, k) -> (b, h, i, j)>

// The probabilities are also returned (an attention-weights output): the
// softmax must stay.
// CHECK-LABEL: func.func @negative_probabilities_used
//       CHECK: linalg.softmax
//   CHECK-NOT: mixer.attention
func.func @negative_probabilities_used(%q: tensor<1x2x8x16xf32>, %kt: tensor<1x2x16x8xf32>, %v: tensor<1x2x8x16xf32>) -> (tensor<1x2x8x16xf32>, tensor<1x2x8x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %es = tensor.empty() : tensor<1x2x8x8xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %s = linalg.generic {indexing_maps = [#q, #k, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %kt : tensor<1x2x8x16xf32>, tensor<1x2x16x8xf32>) outs(%fs : tensor<1x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %c, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  // expected-remark @+1 {{attention not raised: the probabilities have more than one user}}
  %p = linalg.softmax dimension(3) ins(%s : tensor<1x2x8x8xf32>) outs(%es : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %eo = tensor.empty() : tensor<1x2x8x16xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  %out = linalg.generic {indexing_maps = [#q, #k, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>) outs(%fo : tensor<1x2x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %c, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x16xf32>
  return %out, %p : tensor<1x2x8x16xf32>, tensor<1x2x8x8xf32>
}

// -----

// A softmax over another dim is not attention.
// CHECK-LABEL: func.func @negative_not_last_dim
//       CHECK: linalg.softmax dimension(2)
func.func @negative_not_last_dim(%s: tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32> {
  %es = tensor.empty() : tensor<1x2x8x8xf32>
  // expected-remark @+1 {{attention not raised: a softmax that is not over the last dim of a rank-4 f32 tensor}}
  %p = linalg.softmax dimension(2) ins(%s : tensor<1x2x8x8xf32>) outs(%es : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  return %p : tensor<1x2x8x8xf32>
}

// -----

#q = affine_map<(b, h, i, j, k) -> (b, h, i, k)>
#k = affine_map<(b, h, i, j, k) -> (b, h, k, j)>
#o = affine_map<(b, h, i, j, k) -> (b, h, i, j)>
#id = affine_map<(b, h, i, j) -> (b, h, i, j)>
#causal = affine_map<(b, h, i, j) -> (0, 0, i, j)>
#pad = affine_map<(b, h, i, j) -> (b, 0, 0, j)>
#ij = affine_map<(b, h, i, j) -> (b, h, i, j)>

// A causal mask computed from positions (key > query, masked out with
// -inf) becomes `causal`, so the kernels skip the hidden tiles; the
// padding mask added after it stays the mask (two masks are fine when one
// of them is causal).
// CHECK-LABEL: func.func @causal_and_padding
//  CHECK-SAME: %[[PAD:[^:]+]]: tensor<2x1x1x8xf32>
//       CHECK: mixer.attention %{{.+}}, %{{.+}}, %{{.+}} mask(%[[PAD]]) {causal, scale = 1.000000e+00 : f32}
func.func @causal_and_padding(%q: tensor<2x2x8x16xf32>, %kt: tensor<2x2x16x8xf32>, %v: tensor<2x2x8x16xf32>, %pad: tensor<2x1x1x8xf32>) -> tensor<2x2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %ec = tensor.empty() : tensor<1x1x8x8xi1>
  %cond = linalg.generic {indexing_maps = [#ij], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      outs(%ec : tensor<1x1x8x8xi1>) {
  ^bb0(%o: i1):
    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %later = arith.cmpi ugt, %j, %i : index
    linalg.yield %later : i1
  } -> tensor<1x1x8x8xi1>
  %es = tensor.empty() : tensor<2x2x8x8xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32>
  %s = linalg.generic {indexing_maps = [#q, #k, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %kt : tensor<2x2x8x16xf32>, tensor<2x2x16x8xf32>) outs(%fs : tensor<2x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %c, %p : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x8xf32>
  %masked = linalg.generic {indexing_maps = [#causal, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%cond, %s : tensor<1x1x8x8xi1>, tensor<2x2x8x8xf32>) outs(%es : tensor<2x2x8x8xf32>) {
  ^bb0(%c: i1, %a: f32, %o: f32):
    %r = arith.select %c, %ninf, %a : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x8xf32>
  %padded = linalg.generic {indexing_maps = [#id, #pad, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%masked, %pad : tensor<2x2x8x8xf32>, tensor<2x1x1x8xf32>) outs(%es : tensor<2x2x8x8xf32>) {
  ^bb0(%a: f32, %m: f32, %o: f32):
    %r = arith.addf %a, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x8xf32>
  %p = linalg.softmax dimension(3) ins(%padded : tensor<2x2x8x8xf32>) outs(%es : tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32>
  %eo = tensor.empty() : tensor<2x2x8x16xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<2x2x8x16xf32>) -> tensor<2x2x8x16xf32>
  %out = linalg.generic {indexing_maps = [#q, #k, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %v : tensor<2x2x8x8xf32>, tensor<2x2x8x16xf32>) outs(%fo : tensor<2x2x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %c, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x16xf32>
  return %out : tensor<2x2x8x16xf32>
}

// -----

#q = affine_map<(b, h, i, j, k) -> (b, h, i, k)>
#k = affine_map<(b, h, i, j, k) -> (b, h, k, j)>
#o = affine_map<(b, h, i, j, k) -> (b, h, i, j)>
#id = affine_map<(b, h, i, j) -> (b, h, i, j)>
#causal = affine_map<(b, h, i, j) -> (0, 0, i, j)>
#pad = affine_map<(b, h, i, j) -> (b, 0, 0, j)>
#ij = affine_map<(b, h, i, j) -> (b, h, i, j)>

// A banded mask (key > query + 1 hidden) is not causal: with the padding
// mask that makes two masks, left decomposed with a remark.
// CHECK-LABEL: func.func @negative_band_and_padding
//       CHECK: linalg.softmax
func.func @negative_band_and_padding(%s: tensor<2x2x8x8xf32>, %v: tensor<2x2x8x16xf32>, %pad: tensor<2x1x1x8xf32>) -> tensor<2x2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %one = arith.constant 1 : index
  %ec = tensor.empty() : tensor<1x1x8x8xi1>
  %cond = linalg.generic {indexing_maps = [#ij], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      outs(%ec : tensor<1x1x8x8xi1>) {
  ^bb0(%o: i1):
    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %i1 = arith.addi %i, %one : index
    %later = arith.cmpi ugt, %j, %i1 : index
    linalg.yield %later : i1
  } -> tensor<1x1x8x8xi1>
  %es = tensor.empty() : tensor<2x2x8x8xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32>
  %kt = arith.constant dense<1.0> : tensor<2x2x16x8xf32>
  %q = arith.constant dense<1.0> : tensor<2x2x8x16xf32>
  %sc = linalg.generic {indexing_maps = [#q, #k, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %kt : tensor<2x2x8x16xf32>, tensor<2x2x16x8xf32>) outs(%fs : tensor<2x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %c, %p : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x8xf32>
  %masked = linalg.generic {indexing_maps = [#causal, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%cond, %sc : tensor<1x1x8x8xi1>, tensor<2x2x8x8xf32>) outs(%es : tensor<2x2x8x8xf32>) {
  ^bb0(%c: i1, %a: f32, %o: f32):
    %r = arith.select %c, %ninf, %a : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x8xf32>
  %padded = linalg.generic {indexing_maps = [#id, #pad, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%masked, %pad : tensor<2x2x8x8xf32>, tensor<2x1x1x8xf32>) outs(%es : tensor<2x2x8x8xf32>) {
  ^bb0(%a: f32, %m: f32, %o: f32):
    %r = arith.addf %a, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x8xf32>
  // expected-remark @+1 {{attention not raised: two masks on the scores (neither of them a causal mask known at compile time)}}
  %p = linalg.softmax dimension(3) ins(%padded : tensor<2x2x8x8xf32>) outs(%es : tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32>
  %eo = tensor.empty() : tensor<2x2x8x16xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<2x2x8x16xf32>) -> tensor<2x2x8x16xf32>
  %out = linalg.generic {indexing_maps = [#q, #k, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %v : tensor<2x2x8x8xf32>, tensor<2x2x8x16xf32>) outs(%fo : tensor<2x2x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %c, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x16xf32>
  return %out : tensor<2x2x8x16xf32>
}

// RUN: mixer-opt %s --split-input-file --mixer-reduce-query-heads="heads=2 remarks=true" --verify-diagnostics | FileCheck %s
// RUN: mixer-opt %s --split-input-file --mixer-reduce-query-heads="exact=true" | FileCheck %s --check-prefix=EXACT
// RUN: mixer-opt %s --split-input-file --mixer-reduce-query-heads="exact=true remarks=true" 2>&1 >/dev/null | FileCheck %s --check-prefix=EXACT-REMARK
// RUN: not mixer-opt %s --mixer-reduce-query-heads="heads=2 exact=true" 2>&1 | FileCheck %s --check-prefix=BADFLAGS
// RUN: not mixer-opt %s --mixer-reduce-query-heads="heads=-1" 2>&1 | FileCheck %s --check-prefix=NEGATIVE

// BADFLAGS: heads=<N> (lossy) and exact=true are exclusive
// NEGATIVE: heads=-1 must be positive (or 0 for off)

// MHA with 4 heads -> 2: symmetric SQA. The queries of heads {0,1} and
// {2,3} are averaged, and so are their keys and values; the 2 output heads
// are each repeated for the 2 heads they replace.
// CHECK-LABEL: func.func @mha
//  CHECK-SAME: (%[[Q:.+]]: tensor<1x4x8x16xf32>, %[[K:.+]]: tensor<1x4x8x16xf32>, %[[V:.+]]: tensor<1x4x8x16xf32>)
//       CHECK: %[[G:.+]] = tensor.expand_shape %[[Q]] {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 2, 2, 8, 16]
//       CHECK: %[[HALF:.+]] = arith.constant 5.000000e-01 : f32
//       CHECK: %[[QM:.+]] = linalg.generic
//  CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
//  CHECK-SAME: ins(%[[G]] : tensor<1x2x2x8x16xf32>)
//       CHECK: arith.mulf %{{.+}}, %[[HALF]] : f32
//       CHECK: tensor.expand_shape %[[K]]
//       CHECK: %[[KM:.+]] = linalg.generic
//       CHECK: tensor.expand_shape %[[V]]
//       CHECK: %[[VM:.+]] = linalg.generic
//       CHECK: %[[O:.+]] = mixer.attention %[[QM]], %[[KM]], %[[VM]] {causal} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
//       CHECK: %[[B:.+]] = linalg.broadcast ins(%[[O]] : tensor<1x2x8x16xf32>) outs(%{{.+}} : tensor<1x2x2x8x16xf32>) dimensions = [2]
//       CHECK: %[[R:.+]] = tensor.collapse_shape %[[B]] {{\[}}[0], [1, 2], [3], [4]] : tensor<1x2x2x8x16xf32> into tensor<1x4x8x16xf32>
//  CHECK-NEXT: return %[[R]]
func.func @mha(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-remark @below {{query heads 4 -> 2, K/V heads 4 -> 2 (lossy): 2 score matrices instead of 4}}
  %o = mixer.attention %q, %k, %v {causal}
      : (tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}
// EXACT-LABEL: func.func @mha
//       EXACT: mixer.attention
//  EXACT-SAME: -> tensor<1x4x8x16xf32>

// -----

// GQA 8:1 (MQA) -> 2 query heads: 2 score matrices instead of 8, each
// output head repeated for the 4 heads it replaces.
// CHECK-LABEL: func.func @mqa
//       CHECK: %[[O:.+]] = mixer.attention %{{.+}}, %{{.+}}, %{{.+}} : (tensor<?x2x?x16xf32>, tensor<?x1x?x16xf32>, tensor<?x1x?x16xf32>) -> tensor<?x2x?x16xf32>
//       CHECK: %[[B:.+]] = linalg.broadcast ins(%[[O]] : tensor<?x2x?x16xf32>) outs(%{{.+}} : tensor<?x2x4x?x16xf32>) dimensions = [2]
//       CHECK: %[[R:.+]] = tensor.collapse_shape %[[B]] {{\[}}[0], [1, 2], [3], [4]] : tensor<?x2x4x?x16xf32> into tensor<?x8x?x16xf32>
//       CHECK: return %[[R]]
func.func @mqa(%q: tensor<?x8x?x16xf32>, %k: tensor<?x1x?x16xf32>, %v: tensor<?x1x?x16xf32>, %mask: tensor<?x1x1x?xf32>) -> tensor<?x8x?x16xf32> {
  // expected-remark @below {{query heads 8 -> 2, K/V heads 1 -> 1 (lossy): 2 score matrices instead of 8}}
  %o = mixer.attention %q, %k, %v
      : (tensor<?x8x?x16xf32>, tensor<?x1x?x16xf32>, tensor<?x1x?x16xf32>) -> tensor<?x8x?x16xf32>
  return %o : tensor<?x8x?x16xf32>
}

// -----

// Left alone, with the reason: 2 does not divide 6 query heads evenly into
// the K/V groups... here 6 % 2 == 0 but 3 K/V heads: 2 is neither a divisor
// nor a multiple of 3.
func.func @groups_do_not_fit(%q: tensor<1x6x8x16xf32>, %k: tensor<1x3x8x16xf32>, %v: tensor<1x3x8x16xf32>) -> tensor<1x6x8x16xf32> {
  // expected-remark @below {{query heads not reduced: 2 does not divide its 6 query heads, or neither divides nor is a multiple of its 3 K/V heads}}
  %o = mixer.attention %q, %k, %v
      : (tensor<1x6x8x16xf32>, tensor<1x3x8x16xf32>, tensor<1x3x8x16xf32>) -> tensor<1x6x8x16xf32>
  return %o : tensor<1x6x8x16xf32>
}

// -----

func.func @per_head_mask(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>, %mask: tensor<1x4x8x8xf32>) -> tensor<1x4x8x16xf32> {
  // expected-remark @below {{query heads not reduced: its mask differs between heads}}
  %o = mixer.attention %q, %k, %v mask(%mask)
      : (tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @already_fewer(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-remark @below {{query heads not reduced: it has 2 query heads, not more than 2}}
  %o = mixer.attention %q, %k, %v
      : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

func.func @reverse(%q: tensor<1x2x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-remark @below {{query heads not reduced: it already has fewer query than K/V heads}}
  %o = mixer.attention %q, %k, %v
      : (tensor<1x2x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

// A head-pruned layer: the output projection's rows 2..3 (head 1) and
// 6..7 (head 3) are zero. Exact mode computes heads 0 and 2 only (their
// K/V heads and mask rows with them) and puts zeros where heads 1 and 3
// were.
// EXACT-LABEL: func.func @pruned
//  EXACT-SAME: (%[[Q:.+]]: tensor<1x4x8x2xf32>, %[[K:.+]]: tensor<1x4x8x2xf32>, %[[V:.+]]: tensor<1x4x8x2xf32>, %[[M:.+]]: tensor<1x4x8x8xf32>)
//   EXACT-DAG: %[[Q0:.+]] = tensor.extract_slice %[[Q]][0, 0, 0, 0] [1, 1, 8, 2] [1, 1, 1, 1]
//   EXACT-DAG: %[[Q2:.+]] = tensor.extract_slice %[[Q]][0, 2, 0, 0] [1, 1, 8, 2] [1, 1, 1, 1]
//   EXACT-DAG: %[[QS:.+]] = tensor.concat dim(1) %[[Q0]], %[[Q2]] : (tensor<1x1x8x2xf32>, tensor<1x1x8x2xf32>) -> tensor<1x2x8x2xf32>
//   EXACT-DAG: %[[KS:.+]] = tensor.concat dim(1) {{.+}} -> tensor<1x2x8x2xf32>
//   EXACT-DAG: %[[VS:.+]] = tensor.concat dim(1) {{.+}} -> tensor<1x2x8x2xf32>
//   EXACT-DAG: %[[MS:.+]] = tensor.concat dim(1) {{.+}} -> tensor<1x2x8x8xf32>
//       EXACT: %[[O:.+]] = mixer.attention %[[QS]], %[[KS]], %[[VS]] mask(%[[MS]]) : {{.+}} -> tensor<1x2x8x2xf32>
//       EXACT: %[[Z:.+]] = linalg.fill
//       EXACT: %[[O0:.+]] = tensor.extract_slice %[[O]][0, 0, 0, 0] [1, 1, 8, 2]
//       EXACT: %[[I0:.+]] = tensor.insert_slice %[[O0]] into %[[Z]][0, 0, 0, 0] [1, 1, 8, 2]
//       EXACT: %[[O1:.+]] = tensor.extract_slice %[[O]][0, 1, 0, 0] [1, 1, 8, 2]
//       EXACT: %[[I1:.+]] = tensor.insert_slice %[[O1]] into %[[I0]][0, 2, 0, 0] [1, 1, 8, 2]
//       EXACT: linalg.transpose ins(%[[I1]]
#x = affine_map<(b, s, n, k) -> (b, s, k)>
#w = affine_map<(b, s, n, k) -> (k, n)>
#y = affine_map<(b, s, n, k) -> (b, s, n)>
func.func @pruned(%q: tensor<1x4x8x2xf32>, %k: tensor<1x4x8x2xf32>, %v: tensor<1x4x8x2xf32>, %mask: tensor<1x4x8x8xf32>) -> tensor<1x8x4xf32> {
  %w = arith.constant dense<[[0.5, 1.5, 2.5, 3.5],
      [0.75, 1.75, 2.75, 3.75],
      [0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0],
      [1.5, 2.5, 3.5, 4.5],
      [1.75, 2.75, 3.75, 4.75],
      [0.0, 0.0, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.0]]> : tensor<8x4xf32>
  // EXACT-REMARK: :[[@LINE+2]]:8: remark: removed 2 of 4 heads whose output projection rows are all zero (exact)
  // expected-remark @below {{query heads not reduced: its mask differs between heads}}
  %o = mixer.attention %q, %k, %v mask(%mask)
      : (tensor<1x4x8x2xf32>, tensor<1x4x8x2xf32>, tensor<1x4x8x2xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x2xf32>
  %e = tensor.empty() : tensor<1x8x4x2xf32>
  %t = linalg.transpose ins(%o : tensor<1x4x8x2xf32>) outs(%e : tensor<1x8x4x2xf32>) permutation = [0, 2, 1, 3]
  %r = tensor.collapse_shape %t [[0], [1], [2, 3]] : tensor<1x8x4x2xf32> into tensor<1x8x8xf32>
  %zero = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<1x8x4xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%init : tensor<1x8x4xf32>) -> tensor<1x8x4xf32>
  %y = linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%r, %w : tensor<1x8x8xf32>, tensor<8x4xf32>) outs(%fill : tensor<1x8x4xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  } -> tensor<1x8x4xf32>
  return %y : tensor<1x8x4xf32>
}

// -----

// The output feeds something other than a linear layer: nothing to prove.
func.func @not_projected(%q: tensor<1x4x8x2xf32>, %k: tensor<1x4x8x2xf32>, %v: tensor<1x4x8x2xf32>) -> tensor<1x4x8x2xf32> {
  // expected-remark @below {{query heads 4 -> 2, K/V heads 4 -> 2 (lossy): 2 score matrices instead of 4}}
  %o = mixer.attention %q, %k, %v
      : (tensor<1x4x8x2xf32>, tensor<1x4x8x2xf32>, tensor<1x4x8x2xf32>) -> tensor<1x4x8x2xf32>
  return %o : tensor<1x4x8x2xf32>
}
// EXACT-REMARK: remark: query heads not reduced: its output does not go only through a head transpose and reshape into linear layers with constant weights

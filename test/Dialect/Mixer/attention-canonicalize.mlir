// RUN: mixer-opt %s --split-input-file --canonicalize | FileCheck %s

// With one query, bottom-right causal alignment lets it see every key.
// CHECK-LABEL: func.func @causal_single_query
// CHECK: mixer.attention
// CHECK-NOT: causal
// CHECK-SAME: -> tensor<1x8x1x64xf32>
func.func @causal_single_query(%q: tensor<1x8x1x64xf32>, %k: tensor<1x8x100x64xf32>) -> tensor<1x8x1x64xf32> {
  %0 = mixer.attention %q, %k, %k {causal}
      : (tensor<1x8x1x64xf32>, tensor<1x8x100x64xf32>, tensor<1x8x100x64xf32>) -> tensor<1x8x1x64xf32>
  return %0 : tensor<1x8x1x64xf32>
}

// -----

// CHECK-LABEL: func.func @no_fold_causal_two_queries
// CHECK: mixer.attention {{.*}} {causal}
func.func @no_fold_causal_two_queries(%q: tensor<1x8x2x64xf32>, %k: tensor<1x8x100x64xf32>) -> tensor<1x8x2x64xf32> {
  %0 = mixer.attention %q, %k, %k {causal}
      : (tensor<1x8x2x64xf32>, tensor<1x8x100x64xf32>, tensor<1x8x100x64xf32>) -> tensor<1x8x2x64xf32>
  return %0 : tensor<1x8x2x64xf32>
}

// -----

// CHECK-LABEL: func.func @no_fold_causal_dynamic_queries
// CHECK: mixer.attention {{.*}} {causal}
func.func @no_fold_causal_dynamic_queries(%q: tensor<1x8x?x64xf32>, %k: tensor<1x8x100x64xf32>) -> tensor<1x8x?x64xf32> {
  %0 = mixer.attention %q, %k, %k {causal}
      : (tensor<1x8x?x64xf32>, tensor<1x8x100x64xf32>, tensor<1x8x100x64xf32>) -> tensor<1x8x?x64xf32>
  return %0 : tensor<1x8x?x64xf32>
}

// -----

// A zero additive mask and an all-true boolean mask change nothing.
// CHECK-LABEL: func.func @neutral_masks
// CHECK-NOT: arith.constant
// CHECK: mixer.attention %{{[^ ]+}}, %{{[^ ]+}}, %{{[^ ]+}} :
// CHECK: mixer.attention %{{[^ ]+}}, %{{[^ ]+}}, %{{[^ ]+}} :
func.func @neutral_masks(%q: tensor<1x4x16x64xf32>) -> (tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>) {
  %zero = arith.constant dense<0.0> : tensor<16x16xf32>
  %true = arith.constant dense<true> : tensor<1x1x16x16xi1>
  %0 = mixer.attention %q, %q, %q mask(%zero)
      : (tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<16x16xf32>) -> tensor<1x4x16x64xf32>
  %1 = mixer.attention %q, %q, %q mask(%true)
      : (tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x1x16x16xi1>) -> tensor<1x4x16x64xf32>
  return %0, %1 : tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>
}

// -----

// Masks that exclude something, or are not constant, stay.
// CHECK-LABEL: func.func @no_fold_masks
// CHECK-DAG: %[[NEG:.+]] = arith.constant dense<-1.000000e+00>
// CHECK-DAG: %[[FALSE:.+]] = arith.constant dense<false>
// CHECK: mixer.attention {{.*}} mask(%[[NEG]])
// CHECK: mixer.attention {{.*}} mask(%[[FALSE]])
// CHECK: mixer.attention {{.*}} mask(%{{.+}})
func.func @no_fold_masks(%q: tensor<1x4x16x64xf32>, %m: tensor<16x16xf32>)
    -> (tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>) {
  %neg = arith.constant dense<-1.0> : tensor<16x16xf32>
  %false = arith.constant dense<false> : tensor<16x16xi1>
  %0 = mixer.attention %q, %q, %q mask(%neg)
      : (tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<16x16xf32>) -> tensor<1x4x16x64xf32>
  %1 = mixer.attention %q, %q, %q mask(%false)
      : (tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<16x16xi1>) -> tensor<1x4x16x64xf32>
  %2 = mixer.attention %q, %q, %q mask(%m)
      : (tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<16x16xf32>) -> tensor<1x4x16x64xf32>
  return %0, %1, %2 : tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>
}

// -----

// Lengths covering every key ignore nothing.
// CHECK-LABEL: func.func @full_seq_lens
// CHECK-NOT: seq_lens
func.func @full_seq_lens(%q: tensor<2x4x16x64xf32>) -> tensor<2x4x16x64xf32> {
  %lens = arith.constant dense<[16, 16]> : tensor<2xi32>
  %0 = mixer.attention %q, %q, %q seq_lens(%lens)
      : (tensor<2x4x16x64xf32>, tensor<2x4x16x64xf32>, tensor<2x4x16x64xf32>, tensor<2xi32>) -> tensor<2x4x16x64xf32>
  return %0 : tensor<2x4x16x64xf32>
}

// -----

// CHECK-LABEL: func.func @no_fold_short_seq_lens
// CHECK: %[[LENS:.+]] = arith.constant dense<[16, 9]>
// CHECK: mixer.attention {{.*}} seq_lens(%[[LENS]])
func.func @no_fold_short_seq_lens(%q: tensor<2x4x16x64xf32>) -> tensor<2x4x16x64xf32> {
  %lens = arith.constant dense<[16, 9]> : tensor<2xi32>
  %0 = mixer.attention %q, %q, %q seq_lens(%lens)
      : (tensor<2x4x16x64xf32>, tensor<2x4x16x64xf32>, tensor<2x4x16x64xf32>, tensor<2xi32>) -> tensor<2x4x16x64xf32>
  return %0 : tensor<2x4x16x64xf32>
}

// -----

// Attention is pure: an unused one disappears.
// CHECK-LABEL: func.func @dead_attention
// CHECK-NOT: mixer.attention
// CHECK: return %arg0
func.func @dead_attention(%q: tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xf32> {
  %0 = mixer.attention %q, %q, %q
      : (tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xf32>
  return %q : tensor<1x4x16x64xf32>
}

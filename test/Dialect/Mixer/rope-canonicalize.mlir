// RUN: mixer-opt %s --split-input-file --canonicalize --cse | FileCheck %s

// rotary_dim equal to head_dim is the default and is dropped.
// CHECK-LABEL: func.func @default_rotary_dim
// CHECK: mixer.rope {{.*}} rotate_half :
// CHECK-NOT: rotary_dim
func.func @default_rotary_dim(%x: tensor<1x8x16x64xf32>, %c: tensor<16x32xf32>) -> tensor<1x8x16x64xf32> {
  %0 = mixer.rope %x, %c, %c rotate_half {rotary_dim = 64 : i64}
      : (tensor<1x8x16x64xf32>, tensor<16x32xf32>, tensor<16x32xf32>) -> tensor<1x8x16x64xf32>
  return %0 : tensor<1x8x16x64xf32>
}

// -----

// CHECK-LABEL: func.func @no_fold_partial_rotary_dim
// CHECK: mixer.rope {{.*}} {rotary_dim = 32 : i64}
func.func @no_fold_partial_rotary_dim(%x: tensor<1x8x16x64xf32>, %c: tensor<16x16xf32>) -> tensor<1x8x16x64xf32> {
  %0 = mixer.rope %x, %c, %c rotate_half {rotary_dim = 32 : i64}
      : (tensor<1x8x16x64xf32>, tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<1x8x16x64xf32>
  return %0 : tensor<1x8x16x64xf32>
}

// -----

// With a dynamic head_dim the attribute carries information and stays.
// CHECK-LABEL: func.func @no_fold_dynamic_head_dim
// CHECK: mixer.rope {{.*}} {rotary_dim = 64 : i64}
func.func @no_fold_dynamic_head_dim(%x: tensor<1x8x16x?xf32>, %c: tensor<16x32xf32>) -> tensor<1x8x16x?xf32> {
  %0 = mixer.rope %x, %c, %c rotate_half {rotary_dim = 64 : i64}
      : (tensor<1x8x16x?xf32>, tensor<16x32xf32>, tensor<16x32xf32>) -> tensor<1x8x16x?xf32>
  return %0 : tensor<1x8x16x?xf32>
}

// -----

// Identical rotary embeddings are computed once.
// CHECK-LABEL: func.func @cse
// CHECK-COUNT-1: mixer.rope
// CHECK-NOT: mixer.rope
func.func @cse(%x: tensor<1x8x16x64xf32>, %c: tensor<16x32xf32>) -> (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>) {
  %0 = mixer.rope %x, %c, %c rotate_half : (tensor<1x8x16x64xf32>, tensor<16x32xf32>, tensor<16x32xf32>) -> tensor<1x8x16x64xf32>
  %1 = mixer.rope %x, %c, %c rotate_half : (tensor<1x8x16x64xf32>, tensor<16x32xf32>, tensor<16x32xf32>) -> tensor<1x8x16x64xf32>
  return %0, %1 : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>
}

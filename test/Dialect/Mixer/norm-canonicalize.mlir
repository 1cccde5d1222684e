// RUN: mixer-opt %s --split-input-file --canonicalize | FileCheck %s

// A weight of ones and a bias of zeros are exact identities.
// CHECK-LABEL: func.func @identity_affine
// CHECK-NOT: arith.constant
// CHECK: mixer.layer_norm %{{[^ ]+}} : (tensor<4x32xf32>)
// CHECK: mixer.rms_norm %{{[^ ]+}} : (tensor<4x32xf32>)
func.func @identity_affine(%x: tensor<4x32xf32>) -> (tensor<4x32xf32>, tensor<4x32xf32>) {
  %ones = arith.constant dense<1.0> : tensor<32xf32>
  %zeros = arith.constant dense<0.0> : tensor<32xf32>
  %0 = mixer.layer_norm %x weight(%ones) bias(%zeros) : (tensor<4x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<4x32xf32>
  %1 = mixer.rms_norm %x weight(%ones) : (tensor<4x32xf32>, tensor<32xf32>) -> tensor<4x32xf32>
  return %0, %1 : tensor<4x32xf32>, tensor<4x32xf32>
}

// -----

// Only the neutral half goes; a real weight or bias stays.
// CHECK-LABEL: func.func @partly_identity
// CHECK: mixer.layer_norm %{{.+}} weight(%arg1) :
// CHECK: mixer.rms_norm %{{.+}} bias(%arg1) :
func.func @partly_identity(%x: tensor<4x32xf32>, %w: tensor<32xf32>) -> (tensor<4x32xf32>, tensor<4x32xf32>) {
  %ones = arith.constant dense<1.0> : tensor<32xf32>
  %zeros = arith.constant dense<0.0> : tensor<32xf32>
  %0 = mixer.layer_norm %x weight(%w) bias(%zeros) : (tensor<4x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<4x32xf32>
  %1 = mixer.rms_norm %x weight(%ones) bias(%w) : (tensor<4x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<4x32xf32>
  return %0, %1 : tensor<4x32xf32>, tensor<4x32xf32>
}

// -----

// CHECK-LABEL: func.func @no_fold_non_neutral_constants
// CHECK: mixer.layer_norm %{{.+}} weight(%{{.+}}) bias(%{{.+}}) :
func.func @no_fold_non_neutral_constants(%x: tensor<4x32xf32>) -> tensor<4x32xf32> {
  %two = arith.constant dense<2.0> : tensor<32xf32>
  %ones = arith.constant dense<1.0> : tensor<32xf32>
  %0 = mixer.layer_norm %x weight(%two) bias(%ones) : (tensor<4x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<4x32xf32>
  return %0 : tensor<4x32xf32>
}

// -----

// CHECK-LABEL: func.func @no_fold_non_splat
// CHECK: mixer.rms_norm %{{.+}} weight(%{{.+}}) :
func.func @no_fold_non_splat(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[1.0, 0.5]> : tensor<2xf32>
  %0 = mixer.rms_norm %x weight(%w) : (tensor<4x2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

// The compressed form drops a neutral weight too.
// CHECK-LABEL: func.func @compressed_identity_affine
// CHECK: mixer.compressed_rms_norm %{{[^ ]+}} : (tensor<4x31xf32>)
func.func @compressed_identity_affine(%x: tensor<4x31xf32>) -> tensor<4x32xf32> {
  %ones = arith.constant dense<1.0> : tensor<32xf32>
  %0 = mixer.compressed_rms_norm %x weight(%ones) : (tensor<4x31xf32>, tensor<32xf32>) -> tensor<4x32xf32>
  return %0 : tensor<4x32xf32>
}

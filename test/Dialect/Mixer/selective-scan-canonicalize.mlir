// RUN: mixer-opt %s --split-input-file --canonicalize | FileCheck %s

// CHECK-LABEL: func.func @zero_delta_bias
// CHECK-NOT: delta_bias
// CHECK: mixer.selective_scan {{.*}} {delta_softplus}
func.func @zero_delta_bias(%x: tensor<1x16x64xf32>, %A: tensor<64x8xf32>, %B: tensor<1x16x8xf32>) -> tensor<1x16x64xf32> {
  %zero = arith.constant dense<0.0> : tensor<64xf32>
  %y, %h = mixer.selective_scan %x, %x, %A, %B, %B delta_bias(%zero) {delta_softplus}
      : (tensor<1x16x64xf32>, tensor<1x16x64xf32>, tensor<64x8xf32>, tensor<1x16x8xf32>, tensor<1x16x8xf32>, tensor<64xf32>)
      -> (tensor<1x16x64xf32>, tensor<1x64x8xf32>)
  return %y : tensor<1x16x64xf32>
}

// -----

// CHECK-LABEL: func.func @no_fold_nonzero_delta_bias
// CHECK: mixer.selective_scan {{.*}} delta_bias(%{{.+}})
func.func @no_fold_nonzero_delta_bias(%x: tensor<1x16x64xf32>, %A: tensor<64x8xf32>, %B: tensor<1x16x8xf32>) -> tensor<1x16x64xf32> {
  %bias = arith.constant dense<0.5> : tensor<64xf32>
  %y, %h = mixer.selective_scan %x, %x, %A, %B, %B delta_bias(%bias)
      : (tensor<1x16x64xf32>, tensor<1x16x64xf32>, tensor<64x8xf32>, tensor<1x16x8xf32>, tensor<1x16x8xf32>, tensor<64xf32>)
      -> (tensor<1x16x64xf32>, tensor<1x64x8xf32>)
  return %y : tensor<1x16x64xf32>
}

// -----

// D is kept even when zero: dropping D * x would turn NaN/inf inputs into
// different outputs, so it is not an exact identity.
// CHECK-LABEL: func.func @no_fold_zero_D
// CHECK: mixer.selective_scan {{.*}} D(%{{.+}})
func.func @no_fold_zero_D(%x: tensor<1x16x64xf32>, %A: tensor<64x8xf32>, %B: tensor<1x16x8xf32>) -> tensor<1x16x64xf32> {
  %zero = arith.constant dense<0.0> : tensor<64xf32>
  %y, %h = mixer.selective_scan %x, %x, %A, %B, %B D(%zero)
      : (tensor<1x16x64xf32>, tensor<1x16x64xf32>, tensor<64x8xf32>, tensor<1x16x8xf32>, tensor<1x16x8xf32>, tensor<64xf32>)
      -> (tensor<1x16x64xf32>, tensor<1x64x8xf32>)
  return %y : tensor<1x16x64xf32>
}

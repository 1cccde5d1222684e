// RUN: not mixer-opt %s 2>&1 | FileCheck %s

// Without -verify-diagnostics a verifier error fails the tool and names the
// file, line and op.
// CHECK: verifier-error-exit.mlir:[[@LINE+3]]:8: error: 'mixer.attention' op query heads (dim 1) = 3 and key/value heads (dim 1) = 2
// CHECK-NOT: func.func
func.func @bad(%q: tensor<1x3x16x64xf32>, %k: tensor<1x2x16x64xf32>) -> tensor<1x3x16x64xf32> {
  %0 = mixer.attention %q, %k, %k : (tensor<1x3x16x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32>) -> tensor<1x3x16x64xf32>
  return %0 : tensor<1x3x16x64xf32>
}

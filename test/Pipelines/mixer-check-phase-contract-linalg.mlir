// RUN: mixer-opt %s --split-input-file --mixer-check-phase-contract=phase=linalg --verify-diagnostics | FileCheck %s

// What the linalg phase hands on: linalg, tensor, arith and scf ops (the
// tiled attention's loops).
// CHECK-LABEL: func.func @linalg_phase
func.func @linalg_phase(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %c4 step %c1 iter_args(%a = %x) -> tensor<4xf32> {
    scf.yield %a : tensor<4xf32>
  }
  return %r : tensor<4xf32>
}

// -----

// A mixer op or an aggregate linalg op left behind is named at the op.
func.func @not_lowered(%q: tensor<1x2x4x8xf32>, %x: tensor<4x8xf32>) -> (tensor<1x2x4x8xf32>, tensor<4x8xf32>) {
  // expected-error @below {{'mixer.attention' is not expected after the linalg phase: only ops of the builtin, func, arith, math, tensor, linalg and scf dialects go on to the next phase}}
  %o = mixer.attention %q, %q, %q : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %e = tensor.empty() : tensor<4x8xf32>
  // expected-error @below {{'linalg.softmax' is left after the linalg phase: aggregate ops must be decomposed (--mixer-decompose-aggregate-ops)}}
  %s = linalg.softmax dimension(1) ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %o, %s : tensor<1x2x4x8xf32>, tensor<4x8xf32>
}

// RUN: mixer-opt %s --split-input-file --mixer-check-phase-contract=phase=mixer --verify-diagnostics | FileCheck %s
// RUN: not mixer-opt %s --mixer-check-phase-contract=phase=llvm 2>&1 | FileCheck %s --check-prefix=PHASE

// PHASE: mixer-check-phase-contract: unknown phase='llvm' (expected mixer or linalg)

// What the mixer phase hands on: mixer, linalg, tensor, arith ops (the
// linalg phase's contract: mixer-check-phase-contract-linalg.mlir).
// CHECK-LABEL: func.func @mixer_phase
func.func @mixer_phase(%q: tensor<1x2x4x8xf32>, %x: tensor<4x8xf32>) -> (tensor<1x2x4x8xf32>, tensor<4x8xf32>) {
  %o = mixer.attention %q, %q, %q : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %e = tensor.empty() : tensor<4x8xf32>
  %s = linalg.softmax dimension(1) ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %o, %s : tensor<1x2x4x8xf32>, tensor<4x8xf32>
}

// -----

// Nothing lowers memref ops from the mixer phase on: named at the op.
func.func @not_mixer_input(%m: memref<4xf32>, %i: index) -> f32 {
  // expected-error @below {{'memref.load' is not expected after the mixer phase: only ops of the builtin, func, arith, math, tensor, linalg and mixer dialects go on to the next phase}}
  %v = memref.load %m[%i] : memref<4xf32>
  return %v : f32
}

// -----

// scf loops are the linalg phase's own (tiled attention), not the mixer's.
func.func @loops(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %c1 = arith.constant 1 : index
  // expected-error @below {{'scf.for' is not expected after the mixer phase}}
  %r = scf.for %i = %c0 to %c4 step %c1 iter_args(%a = %x) -> tensor<4xf32> {
    // expected-error @below {{'scf.yield' is not expected after the mixer phase}}
    scf.yield %a : tensor<4xf32>
  }
  return %r : tensor<4xf32>
}

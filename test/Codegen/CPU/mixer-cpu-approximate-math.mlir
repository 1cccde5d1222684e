// RUN: mixer-opt %s --split-input-file --mixer-cpu-approximate-math | FileCheck %s

// f32 transcendental functions become arithmetic (no libm call remains).
// CHECK-LABEL: func.func @f32
//   CHECK-NOT: math.exp
//   CHECK-NOT: math.erf
//   CHECK-NOT: math.tanh
//       CHECK: arith.mulf
//       CHECK: return
func.func @f32(%x: f32) -> (f32, f32, f32) {
  %e = math.exp %x : f32
  %r = math.erf %x : f32
  %t = math.tanh %x : f32
  return %e, %r, %t : f32, f32, f32
}

// -----

// f64 keeps the libm-accurate form.
// CHECK-LABEL: func.func @negative_f64
//       CHECK: math.exp
func.func @negative_f64(%x: f64) -> f64 {
  %e = math.exp %x : f64
  return %e : f64
}

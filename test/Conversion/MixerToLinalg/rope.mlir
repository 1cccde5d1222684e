// RUN: mixer-opt %s --convert-mixer-to-linalg --split-input-file | FileCheck %s

// rotate_half with a position table: each feature reads its partner d ± R/2
// and the angle at its (clamped) position; features past rotary_dim = 32
// pass through.
// CHECK: func.func @rotate_half
// CHECK: linalg.generic {{.*}} ins(%arg0, %arg3 : tensor<1x4x?x64xf32>, tensor<1x?xi64>)
// CHECK: arith.cmpi ult
// CHECK: arith.index_cast
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: tensor.extract %arg1
// CHECK: tensor.extract %arg2
// CHECK: tensor.extract %arg0
// CHECK: arith.subf
// CHECK: arith.addf
func.func @rotate_half(%x: tensor<1x4x?x64xf32>, %c: tensor<128x16xf32>, %s: tensor<128x16xf32>, %p: tensor<1x?xi64>) -> tensor<1x4x?x64xf32> {
  %y = mixer.rope %x, %c, %s positions(%p) rotate_half {rotary_dim = 32 : i64}
      : (tensor<1x4x?x64xf32>, tensor<128x16xf32>, tensor<128x16xf32>, tensor<1x?xi64>) -> tensor<1x4x?x64xf32>
  return %y : tensor<1x4x?x64xf32>
}

// -----

// interleaved with per-token cos/sin: the partner is d xor 1.
// CHECK: func.func @interleaved
// CHECK: arith.xori
// CHECK-NOT: arith.maxsi
// CHECK: tensor.extract %arg1
func.func @interleaved(%x: tensor<2x4x8x16xf32>, %c: tensor<2x8x8xf32>, %s: tensor<2x8x8xf32>) -> tensor<2x4x8x16xf32> {
  %y = mixer.rope %x, %c, %s interleaved
      : (tensor<2x4x8x16xf32>, tensor<2x8x8xf32>, tensor<2x8x8xf32>) -> tensor<2x4x8x16xf32>
  return %y : tensor<2x4x8x16xf32>
}

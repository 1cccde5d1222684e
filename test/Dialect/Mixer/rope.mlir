// RUN: mixer-opt %s --split-input-file | mixer-opt --split-input-file | FileCheck %s

// A cos/sin table indexed by explicit positions (LLaMA, with a KV cache).
// CHECK-LABEL: func.func @table_with_positions
// CHECK: mixer.rope %{{.+}}, %{{.+}}, %{{.+}} positions(%{{.+}}) rotate_half :
// CHECK-SAME: (tensor<1x32x?x128xf32>, tensor<4096x64xf32>, tensor<4096x64xf32>, tensor<1x?xi64>) -> tensor<1x32x?x128xf32>
func.func @table_with_positions(%x: tensor<1x32x?x128xf32>, %cos: tensor<4096x64xf32>, %sin: tensor<4096x64xf32>,
                                %pos: tensor<1x?xi64>) -> tensor<1x32x?x128xf32> {
  %0 = mixer.rope %x, %cos, %sin positions(%pos) rotate_half
      : (tensor<1x32x?x128xf32>, tensor<4096x64xf32>, tensor<4096x64xf32>, tensor<1x?xi64>) -> tensor<1x32x?x128xf32>
  return %0 : tensor<1x32x?x128xf32>
}

// -----

// Without positions the table is read at 0..seq-1; GPT-J style pairing.
// CHECK-LABEL: func.func @table_interleaved
// CHECK: mixer.rope %{{[^ ]+}}, %{{[^ ]+}}, %{{[^ ]+}} interleaved :
func.func @table_interleaved(%x: tensor<2x16x64x256xf32>, %cos: tensor<2048x128xf32>) -> tensor<2x16x64x256xf32> {
  %0 = mixer.rope %x, %cos, %cos interleaved
      : (tensor<2x16x64x256xf32>, tensor<2048x128xf32>, tensor<2048x128xf32>) -> tensor<2x16x64x256xf32>
  return %0 : tensor<2x16x64x256xf32>
}

// -----

// Partial rotary embedding (GPT-NeoX, Phi): only the first rotary_dim features rotate.
// CHECK-LABEL: func.func @partial_rotary
// CHECK: mixer.rope {{.*}} rotate_half {rotary_dim = 32 : i64} :
func.func @partial_rotary(%x: tensor<1x8x16x128xf32>, %cos: tensor<16x16xf32>) -> tensor<1x8x16x128xf32> {
  %0 = mixer.rope %x, %cos, %cos rotate_half {rotary_dim = 32 : i64}
      : (tensor<1x8x16x128xf32>, tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<1x8x16x128xf32>
  return %0 : tensor<1x8x16x128xf32>
}

// -----

// Per-token cos/sin, already gathered (rank 3, broadcast over the batch).
// CHECK-LABEL: func.func @per_token
// CHECK: mixer.rope {{.*}} : (tensor<4x8x16x64xf16>, tensor<1x16x32xf16>, tensor<1x16x32xf16>) -> tensor<4x8x16x64xf16>
func.func @per_token(%x: tensor<4x8x16x64xf16>, %cos: tensor<1x16x32xf16>, %sin: tensor<1x16x32xf16>) -> tensor<4x8x16x64xf16> {
  %0 = mixer.rope %x, %cos, %sin rotate_half
      : (tensor<4x8x16x64xf16>, tensor<1x16x32xf16>, tensor<1x16x32xf16>) -> tensor<4x8x16x64xf16>
  return %0 : tensor<4x8x16x64xf16>
}

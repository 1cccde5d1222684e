// RUN: mixer-opt %s --split-input-file --verify-diagnostics

func.func @input_rank(%x: tensor<8x16x64xf32>, %c: tensor<16x32xf32>) -> tensor<8x16x64xf32> {
  // expected-error @+1 {{input must have rank 4 ([batch, heads, seq, head_dim]), got rank 3}}
  %0 = mixer.rope %x, %c, %c rotate_half : (tensor<8x16x64xf32>, tensor<16x32xf32>, tensor<16x32xf32>) -> tensor<8x16x64xf32>
  return %0 : tensor<8x16x64xf32>
}

// -----

func.func @cos_sin_differ(%x: tensor<1x8x16x64xf32>, %c: tensor<16x32xf32>, %s: tensor<32x32xf32>) -> tensor<1x8x16x64xf32> {
  // expected-error @+1 {{cos and sin must have the same type, got 'tensor<16x32xf32>' and 'tensor<32x32xf32>'}}
  %0 = mixer.rope %x, %c, %s rotate_half : (tensor<1x8x16x64xf32>, tensor<16x32xf32>, tensor<32x32xf32>) -> tensor<1x8x16x64xf32>
  return %0 : tensor<1x8x16x64xf32>
}

// -----

func.func @cos_element_type(%x: tensor<1x8x16x64xf32>, %c: tensor<16x32xf16>) -> tensor<1x8x16x64xf32> {
  // expected-error @+1 {{cos/sin element type 'f16' differs from the input element type 'f32'}}
  %0 = mixer.rope %x, %c, %c rotate_half : (tensor<1x8x16x64xf32>, tensor<16x32xf16>, tensor<16x32xf16>) -> tensor<1x8x16x64xf32>
  return %0 : tensor<1x8x16x64xf32>
}

// -----

func.func @cos_rank(%x: tensor<1x8x16x64xf32>, %c: tensor<32xf32>) -> tensor<1x8x16x64xf32> {
  // expected-error @+1 {{cos/sin must have rank 2 ([max_positions, rotary_dim / 2]) or 3 ([batch, seq, rotary_dim / 2]), got rank 1}}
  %0 = mixer.rope %x, %c, %c rotate_half : (tensor<1x8x16x64xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<1x8x16x64xf32>
  return %0 : tensor<1x8x16x64xf32>
}

// -----

func.func @odd_rotary_dim(%x: tensor<1x8x16x64xf32>, %c: tensor<16x32xf32>) -> tensor<1x8x16x64xf32> {
  // expected-error @+1 {{rotary_dim 63 must be positive and even (features rotate in pairs)}}
  %0 = mixer.rope %x, %c, %c rotate_half {rotary_dim = 63 : i64} : (tensor<1x8x16x64xf32>, tensor<16x32xf32>, tensor<16x32xf32>) -> tensor<1x8x16x64xf32>
  return %0 : tensor<1x8x16x64xf32>
}

// -----

func.func @odd_head_dim(%x: tensor<1x8x16x63xf32>, %c: tensor<16x32xf32>) -> tensor<1x8x16x63xf32> {
  // expected-error @+1 {{rotary_dim 63 must be positive and even (features rotate in pairs)}}
  %0 = mixer.rope %x, %c, %c rotate_half : (tensor<1x8x16x63xf32>, tensor<16x32xf32>, tensor<16x32xf32>) -> tensor<1x8x16x63xf32>
  return %0 : tensor<1x8x16x63xf32>
}

// -----

func.func @rotary_dim_too_large(%x: tensor<1x8x16x64xf32>, %c: tensor<16x40xf32>) -> tensor<1x8x16x64xf32> {
  // expected-error @+1 {{rotary_dim 80 exceeds head_dim 64}}
  %0 = mixer.rope %x, %c, %c rotate_half {rotary_dim = 80 : i64} : (tensor<1x8x16x64xf32>, tensor<16x40xf32>, tensor<16x40xf32>) -> tensor<1x8x16x64xf32>
  return %0 : tensor<1x8x16x64xf32>
}

// -----

func.func @half_dim(%x: tensor<1x8x16x64xf32>, %c: tensor<16x16xf32>) -> tensor<1x8x16x64xf32> {
  // expected-error @+1 {{cos/sin last dim 16 must be rotary_dim / 2 = 32}}
  %0 = mixer.rope %x, %c, %c rotate_half : (tensor<1x8x16x64xf32>, tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<1x8x16x64xf32>
  return %0 : tensor<1x8x16x64xf32>
}

// -----

func.func @positions_with_per_token(%x: tensor<1x8x16x64xf32>, %c: tensor<1x16x32xf32>, %p: tensor<1x16xi64>) -> tensor<1x8x16x64xf32> {
  // expected-error @+1 {{positions cannot be combined with rank-3 cos/sin, which are already per token}}
  %0 = mixer.rope %x, %c, %c positions(%p) rotate_half : (tensor<1x8x16x64xf32>, tensor<1x16x32xf32>, tensor<1x16x32xf32>, tensor<1x16xi64>) -> tensor<1x8x16x64xf32>
  return %0 : tensor<1x8x16x64xf32>
}

// -----

func.func @per_token_shape(%x: tensor<2x8x16x64xf32>, %c: tensor<2x8x32xf32>) -> tensor<2x8x16x64xf32> {
  // expected-error @+1 {{cos/sin must have shape [batch or 1, seq, rotary_dim / 2] = [2, 16, 32], got [2, 8, 32]}}
  %0 = mixer.rope %x, %c, %c rotate_half : (tensor<2x8x16x64xf32>, tensor<2x8x32xf32>, tensor<2x8x32xf32>) -> tensor<2x8x16x64xf32>
  return %0 : tensor<2x8x16x64xf32>
}

// -----

func.func @positions_shape(%x: tensor<2x8x16x64xf32>, %c: tensor<512x32xf32>, %p: tensor<2x15xi64>) -> tensor<2x8x16x64xf32> {
  // expected-error @+1 {{positions must have shape [batch or 1, seq] = [2, 16], got [2, 15]}}
  %0 = mixer.rope %x, %c, %c positions(%p) rotate_half : (tensor<2x8x16x64xf32>, tensor<512x32xf32>, tensor<512x32xf32>, tensor<2x15xi64>) -> tensor<2x8x16x64xf32>
  return %0 : tensor<2x8x16x64xf32>
}

// -----

func.func @table_too_short(%x: tensor<1x8x128x64xf32>, %c: tensor<64x32xf32>) -> tensor<1x8x128x64xf32> {
  // expected-error @+1 {{cos/sin table has 64 positions, but the sequence has 128 tokens and no positions are given}}
  %0 = mixer.rope %x, %c, %c rotate_half : (tensor<1x8x128x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>) -> tensor<1x8x128x64xf32>
  return %0 : tensor<1x8x128x64xf32>
}

// -----

func.func @unknown_style(%x: tensor<1x8x16x64xf32>, %c: tensor<16x32xf32>) -> tensor<1x8x16x64xf32> {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'style' [rotate_half, interleaved]}}
  %0 = mixer.rope %x, %c, %c rotate_quarter : (tensor<1x8x16x64xf32>, tensor<16x32xf32>, tensor<16x32xf32>) -> tensor<1x8x16x64xf32>
  return %0 : tensor<1x8x16x64xf32>
}

// -----

func.func @result_type(%x: tensor<1x8x16x64xf32>, %c: tensor<16x32xf32>) -> tensor<1x8x16x32xf32> {
  // expected-error @+1 {{all of {input, result} have same type}}
  %0 = mixer.rope %x, %c, %c rotate_half : (tensor<1x8x16x64xf32>, tensor<16x32xf32>, tensor<16x32xf32>) -> tensor<1x8x16x32xf32>
  return %0 : tensor<1x8x16x32xf32>
}

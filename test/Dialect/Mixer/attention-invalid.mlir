// RUN: mixer-opt %s --split-input-file --verify-diagnostics

func.func @query_rank(%q: tensor<16x64xf32>, %k: tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xf32> {
  // expected-error @+1 {{query must have rank 4 ([batch, heads, seq, head_dim]), got rank 2}}
  %0 = mixer.attention %q, %k, %k : (tensor<16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xf32>
  return %0 : tensor<1x4x16x64xf32>
}

// -----

func.func @key_rank(%q: tensor<1x4x16x64xf32>, %k: tensor<1x4x16x64x1xf32>, %v: tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xf32> {
  // expected-error @+1 {{key must have rank 4 ([batch, heads, seq, head_dim]), got rank 5}}
  %0 = mixer.attention %q, %k, %v : (tensor<1x4x16x64xf32>, tensor<1x4x16x64x1xf32>, tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xf32>
  return %0 : tensor<1x4x16x64xf32>
}

// -----

func.func @element_types(%q: tensor<1x4x16x64xf32>, %k: tensor<1x4x16x64xf16>) -> tensor<1x4x16x64xf32> {
  // expected-error @+1 {{key element type 'f16' differs from the query element type 'f32'}}
  %0 = mixer.attention %q, %k, %k : (tensor<1x4x16x64xf32>, tensor<1x4x16x64xf16>, tensor<1x4x16x64xf16>) -> tensor<1x4x16x64xf32>
  return %0 : tensor<1x4x16x64xf32>
}

// -----

func.func @batch(%q: tensor<2x4x16x64xf32>, %k: tensor<3x4x16x64xf32>) -> tensor<2x4x16x64xf32> {
  // expected-error @+1 {{key dim 0 (batch) is 3, but query has 2}}
  %0 = mixer.attention %q, %k, %k : (tensor<2x4x16x64xf32>, tensor<3x4x16x64xf32>, tensor<3x4x16x64xf32>) -> tensor<2x4x16x64xf32>
  return %0 : tensor<2x4x16x64xf32>
}

// -----

func.func @kv_heads(%q: tensor<1x4x16x64xf32>, %k: tensor<1x4x16x64xf32>, %v: tensor<1x2x16x64xf32>) -> tensor<1x4x16x64xf32> {
  // expected-error @+1 {{value dim 1 (heads) is 2, but key has 4}}
  %0 = mixer.attention %q, %k, %v : (tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x2x16x64xf32>) -> tensor<1x4x16x64xf32>
  return %0 : tensor<1x4x16x64xf32>
}

// -----

func.func @kv_seq(%q: tensor<1x4x16x64xf32>, %k: tensor<1x4x16x64xf32>, %v: tensor<1x4x8x64xf32>) -> tensor<1x4x16x64xf32> {
  // expected-error @+1 {{value dim 2 (seq) is 8, but key has 16}}
  %0 = mixer.attention %q, %k, %v : (tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x8x64xf32>) -> tensor<1x4x16x64xf32>
  return %0 : tensor<1x4x16x64xf32>
}

// -----

func.func @head_dim(%q: tensor<1x4x16x64xf32>, %k: tensor<1x4x16x32xf32>) -> tensor<1x4x16x32xf32> {
  // expected-error @+1 {{key dim 3 (head_dim) is 32, but query has 64}}
  %0 = mixer.attention %q, %k, %k : (tensor<1x4x16x64xf32>, tensor<1x4x16x32xf32>, tensor<1x4x16x32xf32>) -> tensor<1x4x16x32xf32>
  return %0 : tensor<1x4x16x32xf32>
}

// -----

func.func @zero_heads(%q: tensor<1x0x16x64xf32>, %k: tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xf32> {
  // expected-error @+1 {{query head count (dim 1) must be positive, got 0}}
  %0 = mixer.attention %q, %k, %k : (tensor<1x0x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xf32>
  return %0 : tensor<1x4x16x64xf32>
}

// -----

func.func @heads_not_divisible(%q: tensor<1x6x16x64xf32>, %k: tensor<1x4x16x64xf32>) -> tensor<1x6x16x64xf32> {
  // expected-error @+1 {{query heads (dim 1) = 6 and key/value heads (dim 1) = 4: one must divide the other}}
  %0 = mixer.attention %q, %k, %k : (tensor<1x6x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>) -> tensor<1x6x16x64xf32>
  return %0 : tensor<1x6x16x64xf32>
}

// -----

func.func @fewer_query_heads_not_divisible(%q: tensor<1x4x16x64xf32>, %k: tensor<1x6x16x64xf32>) -> tensor<1x6x16x64xf32> {
  // expected-error @+1 {{query heads (dim 1) = 4 and key/value heads (dim 1) = 6: one must divide the other}}
  %0 = mixer.attention %q, %k, %k : (tensor<1x4x16x64xf32>, tensor<1x6x16x64xf32>, tensor<1x6x16x64xf32>) -> tensor<1x6x16x64xf32>
  return %0 : tensor<1x6x16x64xf32>
}

// -----

func.func @mask_element_type(%q: tensor<1x4x16x64xf32>, %m: tensor<16x16xf16>) -> tensor<1x4x16x64xf32> {
  // expected-error @+1 {{mask element type must be i1 (keep where true) or the query element type 'f32' (added to the scores), got 'f16'}}
  %0 = mixer.attention %q, %q, %q mask(%m) : (tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<16x16xf16>) -> tensor<1x4x16x64xf32>
  return %0 : tensor<1x4x16x64xf32>
}

// -----

func.func @mask_integer(%q: tensor<1x4x16x64xf32>, %m: tensor<16x16xi32>) -> tensor<1x4x16x64xf32> {
  // expected-error @+1 {{must be ranked tensor of floating-point or 1-bit signless integer values, but got 'tensor<16x16xi32>'}}
  %0 = mixer.attention %q, %q, %q mask(%m) : (tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<16x16xi32>) -> tensor<1x4x16x64xf32>
  return %0 : tensor<1x4x16x64xf32>
}

// -----

func.func @mask_rank(%q: tensor<1x4x16x64xf32>, %m: tensor<16xf32>) -> tensor<1x4x16x64xf32> {
  // expected-error @+1 {{mask must have rank 2 to 4 (broadcast to [batch, heads, seq_q, seq_kv]), got rank 1}}
  %0 = mixer.attention %q, %q, %q mask(%m) : (tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<16xf32>) -> tensor<1x4x16x64xf32>
  return %0 : tensor<1x4x16x64xf32>
}

// -----

func.func @mask_batch(%q: tensor<2x4x16x64xf32>, %m: tensor<3x1x16x16xf32>) -> tensor<2x4x16x64xf32> {
  // expected-error @+1 {{mask dim 0 has size 3, which does not broadcast to batch = 2}}
  %0 = mixer.attention %q, %q, %q mask(%m) : (tensor<2x4x16x64xf32>, tensor<2x4x16x64xf32>, tensor<2x4x16x64xf32>, tensor<3x1x16x16xf32>) -> tensor<2x4x16x64xf32>
  return %0 : tensor<2x4x16x64xf32>
}

// -----

// A rank-2 mask is right-aligned: its dim 1 meets seq_kv.
func.func @mask_seq_kv(%q: tensor<1x4x16x64xf32>, %k: tensor<1x4x32x64xf32>, %m: tensor<16x16xi1>) -> tensor<1x4x16x64xf32> {
  // expected-error @+1 {{mask dim 1 has size 16, which does not broadcast to seq_kv = 32}}
  %0 = mixer.attention %q, %k, %k mask(%m) : (tensor<1x4x16x64xf32>, tensor<1x4x32x64xf32>, tensor<1x4x32x64xf32>, tensor<16x16xi1>) -> tensor<1x4x16x64xf32>
  return %0 : tensor<1x4x16x64xf32>
}

// -----

func.func @seq_lens_shape(%q: tensor<2x4x16x64xf32>, %l: tensor<3xi32>) -> tensor<2x4x16x64xf32> {
  // expected-error @+1 {{seq_lens must have shape [batch] = [2], got [3]}}
  %0 = mixer.attention %q, %q, %q seq_lens(%l) : (tensor<2x4x16x64xf32>, tensor<2x4x16x64xf32>, tensor<2x4x16x64xf32>, tensor<3xi32>) -> tensor<2x4x16x64xf32>
  return %0 : tensor<2x4x16x64xf32>
}

// -----

func.func @seq_lens_not_integer(%q: tensor<2x4x16x64xf32>, %l: tensor<2xf32>) -> tensor<2x4x16x64xf32> {
  // expected-error @+1 {{must be ranked tensor of signless integer values, but got 'tensor<2xf32>'}}
  %0 = mixer.attention %q, %q, %q seq_lens(%l) : (tensor<2x4x16x64xf32>, tensor<2x4x16x64xf32>, tensor<2x4x16x64xf32>, tensor<2xf32>) -> tensor<2x4x16x64xf32>
  return %0 : tensor<2x4x16x64xf32>
}

// -----

func.func @scale_not_finite(%q: tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xf32> {
  // expected-error @+1 {{scale must be finite}}
  %0 = mixer.attention %q, %q, %q {scale = 0x7F800000 : f32} : (tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xf32>
  return %0 : tensor<1x4x16x64xf32>
}

// -----

func.func @result_element_type(%q: tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xf16> {
  // expected-error @+1 {{result element type 'f16' differs from the query element type 'f32'}}
  %0 = mixer.attention %q, %q, %q : (tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xf16>
  return %0 : tensor<1x4x16x64xf16>
}

// -----

// With fewer query than K/V heads the result has one head per K/V head.
func.func @result_heads(%q: tensor<1x2x16x64xf32>, %k: tensor<1x8x16x64xf32>, %v: tensor<1x8x16x32xf32>) -> tensor<1x2x16x32xf32> {
  // expected-error @+1 {{result must have shape [batch, max(Hq, Hkv), seq_q, v_head_dim] = [1, 8, 16, 32], got [1, 2, 16, 32]}}
  %0 = mixer.attention %q, %k, %v : (tensor<1x2x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x32xf32>) -> tensor<1x2x16x32xf32>
  return %0 : tensor<1x2x16x32xf32>
}

// -----

func.func @integer_query(%q: tensor<1x4x16x64xi32>) -> tensor<1x4x16x64xi32> {
  // expected-error @+1 {{operand #0 must be ranked tensor of floating-point values}}
  %0 = mixer.attention %q, %q, %q : (tensor<1x4x16x64xi32>, tensor<1x4x16x64xi32>, tensor<1x4x16x64xi32>) -> tensor<1x4x16x64xi32>
  return %0 : tensor<1x4x16x64xi32>
}

// -----

func.func @offsets_rank(%q: tensor<1x4x?x64xf32>, %off: tensor<2x3xi64>) -> tensor<1x4x?x64xf32> {
  // expected-error @+1 {{offsets must have rank 1 ([sequences + 1]), got rank 2}}
  %0 = mixer.attention %q, %q, %q offsets(%off) : (tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<2x3xi64>) -> tensor<1x4x?x64xf32>
  return %0 : tensor<1x4x?x64xf32>
}

// -----

func.func @offsets_batch(%q: tensor<2x4x16x64xf32>, %off: tensor<3xi64>) -> tensor<2x4x16x64xf32> {
  // expected-error @+1 {{with offsets, the batch dim (0) must be 1 (the packed tokens), got 2}}
  %0 = mixer.attention %q, %q, %q offsets(%off) : (tensor<2x4x16x64xf32>, tensor<2x4x16x64xf32>, tensor<2x4x16x64xf32>, tensor<3xi64>) -> tensor<2x4x16x64xf32>
  return %0 : tensor<2x4x16x64xf32>
}

// -----

func.func @offsets_and_mask(%q: tensor<1x4x16x64xf32>, %m: tensor<1x1x1x16xf32>, %off: tensor<3xi64>) -> tensor<1x4x16x64xf32> {
  // expected-error @+1 {{offsets (packed variable-length tokens) excludes mask and seq_lens}}
  %0 = mixer.attention %q, %q, %q mask(%m) offsets(%off) : (tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x1x1x16xf32>, tensor<3xi64>) -> tensor<1x4x16x64xf32>
  return %0 : tensor<1x4x16x64xf32>
}

// -----

func.func @offsets_cross(%q: tensor<1x4x16x64xf32>, %k: tensor<1x4x8x64xf32>, %off: tensor<3xi64>) -> tensor<1x4x16x64xf32> {
  // expected-error @+1 {{key dim 2 (seq) is 8, but query has 16}}
  %0 = mixer.attention %q, %k, %k offsets(%off) : (tensor<1x4x16x64xf32>, tensor<1x4x8x64xf32>, tensor<1x4x8x64xf32>, tensor<3xi64>) -> tensor<1x4x16x64xf32>
  return %0 : tensor<1x4x16x64xf32>
}

// RUN: mixer-opt %s --split-input-file --verify-diagnostics

func.func @importance_rank(%q: tensor<2x4x8xf32>, %k: tensor<2x4x8x16xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{query must have rank 4 ([batch, heads, seq, head_dim]), got rank 3}}
  %s = mixer.token_importance %q, %k : (tensor<2x4x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x8xf32>
  return %s : tensor<2x8xf32>
}

// -----

func.func @importance_heads(%q: tensor<2x4x8x16xf32>, %k: tensor<2x3x8x16xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{query heads (dim 1) = 4 and key/value heads (dim 1) = 3: one must divide the other}}
  %s = mixer.token_importance %q, %k : (tensor<2x4x8x16xf32>, tensor<2x3x8x16xf32>) -> tensor<2x8xf32>
  return %s : tensor<2x8xf32>
}

// -----

func.func @importance_head_dim(%q: tensor<2x4x8x16xf32>, %k: tensor<2x4x8x32xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{key dim 3 (head_dim) is 32, but query has 16}}
  %s = mixer.token_importance %q, %k : (tensor<2x4x8x16xf32>, tensor<2x4x8x32xf32>) -> tensor<2x8xf32>
  return %s : tensor<2x8xf32>
}

// -----

func.func @importance_mask(%q: tensor<2x4x8x16xf32>, %m: tensor<2x1x1x7xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{mask dim 3 has size 7, which does not broadcast to seq_kv = 8}}
  %s = mixer.token_importance %q, %q mask(%m) : (tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x1x1x7xf32>) -> tensor<2x8xf32>
  return %s : tensor<2x8xf32>
}

// -----

func.func @importance_iterations(%q: tensor<2x4x8x16xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{iterations must be at least 1, got 0}}
  %s = mixer.token_importance %q, %q {iterations = 0 : i64} : (tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> tensor<2x8xf32>
  return %s : tensor<2x8xf32>
}

// -----

func.func @importance_cross(%q: tensor<2x4x1x16xf32>, %k: tensor<2x4x8x16xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{iterations > 1 pass importance from keys back to queries: seq_q (1) must equal seq_kv (8)}}
  %s = mixer.token_importance %q, %k {iterations = 2 : i64} : (tensor<2x4x1x16xf32>, tensor<2x4x8x16xf32>) -> tensor<2x8xf32>
  return %s : tensor<2x8xf32>
}

// -----

func.func @importance_result(%q: tensor<2x4x8x16xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{result must have shape [batch, seq_kv] = [2, 8], got [2, 4]}}
  %s = mixer.token_importance %q, %q : (tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4xf32>
  return %s : tensor<2x4xf32>
}

// -----

func.func @importance_scale(%q: tensor<2x4x8x16xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{scale must be finite}}
  %s = mixer.token_importance %q, %q {scale = 0x7F800000 : f32} : (tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> tensor<2x8xf32>
  return %s : tensor<2x8xf32>
}

// -----

func.func @top_rank(%s: tensor<8xf32>) -> tensor<2x4xi64> {
  // expected-error @+1 {{scores must have rank 2 ([batch, seq]), got rank 1}}
  %k = mixer.top_tokens %s {count = 4 : i64} : (tensor<8xf32>) -> tensor<2x4xi64>
  return %k : tensor<2x4xi64>
}

// -----

func.func @top_count(%s: tensor<2x8xf32>) -> tensor<2x9xi64> {
  // expected-error @+1 {{count must be in [1, seq = 8], got 9}}
  %k = mixer.top_tokens %s {count = 9 : i64} : (tensor<2x8xf32>) -> tensor<2x9xi64>
  return %k : tensor<2x9xi64>
}

// -----

func.func @top_protect(%s: tensor<2x8xf32>) -> tensor<2x4xi64> {
  // expected-error @+1 {{protect must be in [0, count = 4], got 5}}
  %k = mixer.top_tokens %s {count = 4 : i64, protect = 5 : i64} : (tensor<2x8xf32>) -> tensor<2x4xi64>
  return %k : tensor<2x4xi64>
}

// -----

func.func @top_result(%s: tensor<2x8xf32>) -> tensor<2x5xi64> {
  // expected-error @+1 {{result must have shape [batch, count] = [2, 4], got [2, 5]}}
  %k = mixer.top_tokens %s {count = 4 : i64} : (tensor<2x8xf32>) -> tensor<2x5xi64>
  return %k : tensor<2x5xi64>
}

// -----

func.func @gather_dim(%x: tensor<2x8x16xf32>, %i: tensor<2x4xi64>) -> tensor<2x8x16xf32> {
  // expected-error @+1 {{dim must name a token dim of the input, in [1, 3), got 0}}
  %y = mixer.gather_tokens %x, %i {dim = 0 : i64} : (tensor<2x8x16xf32>, tensor<2x4xi64>) -> tensor<2x8x16xf32>
  return %y : tensor<2x8x16xf32>
}

// -----

func.func @gather_batch(%x: tensor<2x8x16xf32>, %i: tensor<3x4xi64>) -> tensor<2x4x16xf32> {
  // expected-error @+1 {{indices dim 0 (batch) is 3, but input has 2}}
  %y = mixer.gather_tokens %x, %i {dim = 1 : i64} : (tensor<2x8x16xf32>, tensor<3x4xi64>) -> tensor<2x4x16xf32>
  return %y : tensor<2x4x16xf32>
}

// -----

func.func @gather_shape(%x: tensor<2x8x16xf32>, %i: tensor<2x4xi64>) -> tensor<2x8x4xf32> {
  // expected-error @+1 {{result must have shape input.shape with dim 1 = count = [2, 4, 16], got [2, 8, 4]}}
  %y = mixer.gather_tokens %x, %i {dim = 1 : i64} : (tensor<2x8x16xf32>, tensor<2x4xi64>) -> tensor<2x8x4xf32>
  return %y : tensor<2x8x4xf32>
}

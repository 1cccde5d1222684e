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

// -----

func.func @plan_rank(%k: tensor<2x8x16xf32>) -> tensor<2x8xi64> {
  // expected-error @+1 {{key must have rank 4 ([batch, heads, seq, head_dim]), got rank 3}}
  %d, %k2 = mixer.merge_plan %k {merge = 2 : i64} : (tensor<2x8x16xf32>) -> (tensor<2x8xi64>, tensor<2x6xi64>)
  return %d : tensor<2x8xi64>
}

// -----

func.func @plan_too_many(%k: tensor<2x2x8x16xf32>) -> tensor<2x8xi64> {
  // expected-error @+1 {{cannot merge 4 of 8 tokens with 1 protected: at most 3 (the unprotected tokens at even indices)}}
  %d, %k2 = mixer.merge_plan %k {merge = 4 : i64, protect = 1 : i64} : (tensor<2x2x8x16xf32>) -> (tensor<2x8xi64>, tensor<2x4xi64>)
  return %d : tensor<2x8xi64>
}

// -----

func.func @plan_kept(%k: tensor<2x2x8x16xf32>) -> tensor<2x8xi64> {
  // expected-error @+1 {{kept must have shape [batch, seq - merge] = [2, 6], got [2, 5]}}
  %d, %k2 = mixer.merge_plan %k {merge = 2 : i64} : (tensor<2x2x8x16xf32>) -> (tensor<2x8xi64>, tensor<2x5xi64>)
  return %d : tensor<2x8xi64>
}

// -----

func.func @merge_dim(%x: tensor<2x8x16xf32>, %d: tensor<2x8xi64>) -> tensor<2x8x16xf32> {
  // expected-error @+1 {{dim must name a token dim of the input, in [1, 3), got 3}}
  %y = mixer.merge_tokens %x, %d {dim = 3 : i64} : (tensor<2x8x16xf32>, tensor<2x8xi64>) -> tensor<2x8x16xf32>
  return %y : tensor<2x8x16xf32>
}

// -----

func.func @merge_dst(%x: tensor<2x8x16xf32>, %d: tensor<2x7xi64>) -> tensor<2x5x16xf32> {
  // expected-error @+1 {{dst must have shape [batch, seq] = [2, 8], got [2, 7]}}
  %y = mixer.merge_tokens %x, %d {dim = 1 : i64} : (tensor<2x8x16xf32>, tensor<2x7xi64>) -> tensor<2x5x16xf32>
  return %y : tensor<2x5x16xf32>
}

// -----

func.func @merge_weights(%x: tensor<2x8x16xf32>, %d: tensor<2x8xi64>, %w: tensor<2x8xf16>) -> tensor<2x5x16xf32> {
  // expected-error @+1 {{weights element type 'f16' differs from the input element type 'f32'}}
  %y = mixer.merge_tokens %x, %d weights(%w) {dim = 1 : i64} : (tensor<2x8x16xf32>, tensor<2x8xi64>, tensor<2x8xf16>) -> tensor<2x5x16xf32>
  return %y : tensor<2x5x16xf32>
}

// -----

func.func @merge_result(%x: tensor<2x8x16xf32>, %d: tensor<2x8xi64>) -> tensor<2x5x8xf32> {
  // expected-error @+1 {{result must have shape input.shape with dim 1 = slots = [2, 5, 16], got [2, 5, 8]}}
  %y = mixer.merge_tokens %x, %d {dim = 1 : i64} : (tensor<2x8x16xf32>, tensor<2x8xi64>) -> tensor<2x5x8xf32>
  return %y : tensor<2x5x8xf32>
}

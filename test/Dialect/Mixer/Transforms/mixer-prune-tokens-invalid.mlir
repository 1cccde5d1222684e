// RUN: mixer-opt %s --split-input-file --verify-diagnostics --mixer-prune-tokens="layers=0 keep=0.5"
// RUN: not mixer-opt %s --split-input-file --mixer-prune-tokens="layers=0 keep=0.5 method=tome" 2>&1 | FileCheck %s --check-prefix=METHOD
// RUN: not mixer-opt %s --split-input-file --mixer-prune-tokens="method=merge layers=0 keep=0.5" 2>&1 | FileCheck %s --check-prefix=MAX
// RUN: not mixer-opt %s --split-input-file --mixer-prune-tokens="keep=0.5" 2>&1 | FileCheck %s --check-prefix=LAYERS
// RUN: not mixer-opt %s --split-input-file --mixer-prune-tokens="layers=0 keep=1.5" 2>&1 | FileCheck %s --check-prefix=KEEP
// RUN: not mixer-opt %s --split-input-file --mixer-prune-tokens="layers=0,1 keep=0.5,0.5,0.5" 2>&1 | FileCheck %s --check-prefix=KEEPS
// RUN: not mixer-opt %s --split-input-file --mixer-prune-tokens="layers=1,0 keep=0.5" 2>&1 | FileCheck %s --check-prefix=ORDER
// METHOD: error: mixer-prune-tokens: unknown method='tome' (expected importance or merge)
// Merged tokens carry sizes: a max over the tokens cannot weight them.
// MAX: error: mixer-prune-tokens: cannot prune after attention #0: it reduces over the tokens with something other than a sum (merged tokens carry sizes)
// LAYERS: error: mixer-prune-tokens: layers= is required: the attention ops (counted from 0) after which tokens are pruned
// KEEP: error: mixer-prune-tokens: keep ratios must be in (0, 1], got 1.50{{$}}
// KEEPS: error: mixer-prune-tokens: keep= needs one ratio, or one per layer (2)
// ORDER: error: mixer-prune-tokens: layers must be increasing attention indices >= 0

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>

// The model outputs every token's hidden state: pruning would drop outputs.
func.func @every_token(%q: tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32> {
  // expected-error @+1 {{mixer-prune-tokens: cannot prune after attention #0: 'mixer.attention' is a model output with a token dim (every token's values): pruning is for models whose outputs are pooled or read at protected positions}}
  %a = mixer.attention %q, %q, %q : (tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  return %a : tensor<1x2x8x8xf32>
}

// -----

// A slice past the protected prefix reads tokens that may be dropped.
func.func @slice_past_prefix(%q: tensor<1x2x8x8xf32>) -> tensor<1x2x1x8xf32> {
  %a = mixer.attention %q, %q, %q : (tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  // expected-error @+1 {{mixer-prune-tokens: cannot prune after attention #0: 'tensor.extract_slice' slices tokens beyond the protected prefix (protect=1)}}
  %s = tensor.extract_slice %a[0, 0, 3, 0] [1, 2, 1, 8] [1, 1, 1, 1] : tensor<1x2x8x8xf32> to tensor<1x2x1x8xf32>
  return %s : tensor<1x2x1x8xf32>
}

// -----

func.func @causal(%q: tensor<1x2x8x8xf32>) -> tensor<1x2x1x8xf32> {
  // expected-error @+1 {{mixer-prune-tokens: cannot prune after attention #0: it is causal or variable-length attention (pruning is for encoders)}}
  %a = mixer.attention %q, %q, %q {causal} : (tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %s = tensor.extract_slice %a[0, 0, 0, 0] [1, 2, 1, 8] [1, 1, 1, 1] : tensor<1x2x8x8xf32> to tensor<1x2x1x8xf32>
  return %s : tensor<1x2x1x8xf32>
}

// -----

func.func @dynamic_seq(%q: tensor<1x2x?x8xf32>) -> tensor<1x2x1x8xf32> {
  // expected-error @+1 {{mixer-prune-tokens: cannot prune after attention #0: the query and key lengths must be static and equal (self-attention; use --input-shape)}}
  %a = mixer.attention %q, %q, %q : (tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32>
  %s = tensor.extract_slice %a[0, 0, 0, 0] [1, 2, 1, 8] [1, 1, 1, 1] : tensor<1x2x?x8xf32> to tensor<1x2x1x8xf32>
  return %s : tensor<1x2x1x8xf32>
}

// -----

func.func @per_query_mask(%q: tensor<1x2x8x8xf32>, %m: tensor<1x1x8x8xf32>) -> tensor<1x2x1x8xf32> {
  // expected-error @+1 {{mixer-prune-tokens: cannot prune after attention #0: its mask is per query (only per-key masks, such as a padding mask, are pruned with the keys)}}
  %a = mixer.attention %q, %q, %q mask(%m) : (tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x1x8x8xf32>) -> tensor<1x2x8x8xf32>
  %s = tensor.extract_slice %a[0, 0, 0, 0] [1, 2, 1, 8] [1, 1, 1, 1] : tensor<1x2x8x8xf32> to tensor<1x2x1x8xf32>
  return %s : tensor<1x2x1x8xf32>
}

// -----

// A later op mixes tokens otherwise (linalg.index on the token loop).
func.func @positions(%q: tensor<1x2x8x8xf32>) -> tensor<1x2x1x8xf32> {
  %a = mixer.attention %q, %q, %q : (tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %e = tensor.empty() : tensor<1x2x8x8xf32>
  // expected-error @+1 {{mixer-prune-tokens: cannot prune after attention #0: 'linalg.generic' depends on token positions (linalg.index)}}
  %p = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%a : tensor<1x2x8x8xf32>) outs(%e : tensor<1x2x8x8xf32>) {
  ^bb0(%in: f32, %o: f32):
    %i = linalg.index 2 : index
    %c = arith.index_cast %i : index to i64
    %f = arith.sitofp %c : i64 to f32
    %s = arith.addf %in, %f : f32
    linalg.yield %s : f32
  } -> tensor<1x2x8x8xf32>
  %s = tensor.extract_slice %p[0, 0, 0, 0] [1, 2, 1, 8] [1, 1, 1, 1] : tensor<1x2x8x8xf32> to tensor<1x2x1x8xf32>
  return %s : tensor<1x2x1x8xf32>
}

// -----

// expected-error @+1 {{mixer-prune-tokens: layers=0 is past the last attention op (the function has 0)}}
func.func @no_attention(%x: tensor<1x8x16xf32>) -> tensor<1x8x16xf32> {
  return %x : tensor<1x8x16xf32>
}

// -----

// A max pooling over the tokens: fine for pruning, refused for merging (MAX).
func.func @max_pooling(%q: tensor<1x2x8x8xf32>) -> tensor<1x2x8xf32> {
  %a = mixer.attention %q, %q, %q : (tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<1x2x8xf32>
  %f = linalg.fill ins(%ninf : f32) outs(%e : tensor<1x2x8xf32>) -> tensor<1x2x8xf32>
  %m = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a : tensor<1x2x8x8xf32>) outs(%f : tensor<1x2x8xf32>) {
  ^bb0(%in: f32, %o: f32):
    %s = arith.maximumf %in, %o : f32
    linalg.yield %s : f32
  } -> tensor<1x2x8xf32>
  return %m : tensor<1x2x8xf32>
}

//===- MixerOps.td - Operations of the mixer dialect -------*- tablegen -*-===//

#ifndef MIXER_DIALECT_MIXER_IR_MIXEROPS_TD
#define MIXER_DIALECT_MIXER_IR_MIXEROPS_TD

include "mixer/Dialect/Mixer/IR/MixerBase.td"
include "mixer/Dialect/Mixer/IR/MixerAttrs.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Mixer_FloatTensor : RankedTensorOf<[AnyFloat]>;
def Mixer_IntTensor : RankedTensorOf<[AnySignlessInteger]>;

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

def Mixer_AttentionOp : Mixer_Op<"attention",
    [Pure, AttrSizedOperandSegments]> {
  let summary = "scaled dot-product attention with grouped query or key/value heads";
  let description = [{
    Computes, for every batch `b`, output head `h`, query `i`:

    ```
    s[j]   = scale * dot(query[b, hq(h), i, :], key[b, hkv(h), j, :]) + mask[b, h, i, j]
    p      = softmax_j(s)            (over the keys j that are allowed)
    out[b, h, i, :] = sum_j p[j] * value[b, hkv(h), j, :]
    ```

    Layout: `query` is `[batch, Hq, seq_q, head_dim]`, `key` is
    `[batch, Hkv, seq_kv, head_dim]`, `value` is `[batch, Hkv, seq_kv, v_head_dim]`
    (the value head dim may differ from the query/key one). The result is
    `[batch, max(Hq, Hkv), seq_q, v_head_dim]`.

    Head grouping: `Hq` and `Hkv` may be any positive counts where one divides
    the other.
    - `Hq >= Hkv` (MHA, GQA, MQA): output head `h` uses query head `h` and
      key/value head `h / (Hq / Hkv)`.
    - `Hq < Hkv` (the reverse Sparse Query Attention variant): output head `h`
      uses key/value head `h` and query head `h / (Hkv / Hq)`.
    Repeated heads are never materialized: the grouping is part of the op.

    Optional operands and attributes:
    - `scale` (f32): defaults to `1 / sqrt(head_dim)`.
    - `mask`: broadcastable to `[batch, max(Hq, Hkv), seq_q, seq_kv]` (rank 2 to
      4, right-aligned, each dim 1 or equal). An `i1` mask keeps the positions
      where it is true; a mask of the query's element type is added to the
      scores (use `-inf` to exclude a position).
    - `causal`: query `i` may attend key `j` only if `j <= i + seq_kv - seq_q`
      (aligned to the bottom-right corner, so a decode step with one query sees
      the whole cache; equal to the usual lower triangle when `seq_q == seq_kv`).
    - `seq_lens` (`[batch]`, integer): the number of valid key/value positions of
      each sequence; keys at or beyond `seq_lens[b]` are ignored. A query row
      that may attend no key produces zeros.
    - `offsets` (`[n + 1]`, integer; variable-length self-attention over packed
      tokens, as FlashAttention's `cu_seqlens`): the batch dim of query, key
      and value is 1 and their seq dims hold the tokens of `n` sequences one
      after the other, sequence `s` being tokens `offsets[s]` to
      `offsets[s + 1]` (exclusive; `offsets[0] = 0`, non-decreasing). A query
      attends only the keys of its own sequence (and with `causal`, only those
      at or before it), so no score between two sequences is computed. Query
      and key have the same seq dim; `mask` and `seq_lens` must be absent.
      `--mixer-remove-padding` produces this form.

    Example (grouped-query attention, 32 query heads sharing 8 K/V heads):

    ```mlir
    %o = mixer.attention %q, %k, %v {causal}
        : (tensor<1x32x128x64xf32>, tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>)
        -> tensor<1x32x128x64xf32>
    ```
  }];
  let arguments = (ins
    Mixer_FloatTensor:$query,
    Mixer_FloatTensor:$key,
    Mixer_FloatTensor:$value,
    Optional<RankedTensorOf<[AnyFloat, I1]>>:$mask,
    Optional<Mixer_IntTensor>:$seq_lens,
    Optional<Mixer_IntTensor>:$offsets,
    OptionalAttr<F32Attr>:$scale,
    UnitAttr:$causal);
  let results = (outs Mixer_FloatTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`mask` `(` $mask^ `)`)?
    (`seq_lens` `(` $seq_lens^ `)`)? (`offsets` `(` $offsets^ `)`)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
  let extraClassDeclaration = [{
    /// Number of query heads (dim 1 of the query), or ShapedType::kDynamic.
    int64_t getNumQueryHeads() { return getQuery().getType().getDimSize(1); }
    /// Number of key/value heads (dim 1 of the key), or ShapedType::kDynamic.
    int64_t getNumKVHeads() { return getKey().getType().getDimSize(1); }
    /// The scale applied to the scores: the attribute, or 1/sqrt(head_dim).
    /// Fails when neither is known (no attribute and a dynamic head_dim).
    ::mlir::FailureOr<double> getEffectiveScale();
  }];
}

//===----------------------------------------------------------------------===//
// Padding removal (variable-length tokens)
//===----------------------------------------------------------------------===//

def Mixer_PaddingPlanOp : Mixer_Op<"padding_plan", [Pure]> {
  let summary = "where the valid tokens of a padded batch go when packed";
  let description = [{
    For a `[batch, seq]` mask (any integer, `i1` or float type; an entry is a
    valid token when it is nonzero), computes:

    - `offsets` (`[batch + 1]`, i64): `offsets[0] = 0` and `offsets[b + 1] =
      offsets[b] +` the number of valid tokens of row `b`, so that row `b`'s
      tokens are packed at `offsets[b]` to `offsets[b + 1]`;
    - `tokens` (`[total]`, i64, `total = offsets[batch]`): for each packed
      token, in row-major order, its flat index `b * seq + s` in the batch.

    Valid tokens need not be contiguous: left, right or mixed padding all
    pack in order. `--mixer-remove-padding` builds one plan per model from its
    attention mask and packs with `mixer.pack_tokens` / `mixer.unpack_tokens`.

    ```mlir
    %offsets, %tokens = mixer.padding_plan %mask
        : (tensor<16x512xi64>) -> (tensor<17xi64>, tensor<?xi64>)
    ```
  }];
  let arguments = (ins RankedTensorOf<[AnySignlessInteger, AnyFloat]>:$mask);
  let results = (outs RankedTensorOf<[I64]>:$offsets,
                      RankedTensorOf<[I64]>:$tokens);
  let assemblyFormat = [{
    $mask attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Mixer_PackTokensOp : Mixer_Op<"pack_tokens", [Pure]> {
  let summary = "gather the valid tokens of a padded batch into one sequence";
  let description = [{
    `result[0, t, ...] = input[tokens[t] / seq, tokens[t] % seq, ...]` for
    `input` of shape `[batch, seq, ...]` and `tokens` from
    `mixer.padding_plan`: the result is `[1, total, ...]`, the batch's valid
    tokens as one packed sequence.

    ```mlir
    %p = mixer.pack_tokens %x, %tokens
        : (tensor<16x512x768xf32>, tensor<?xi64>) -> tensor<1x?x768xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, RankedTensorOf<[I64]>:$tokens);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $tokens attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Mixer_UnpackTokensOp : Mixer_Op<"unpack_tokens", [Pure]> {
  let summary = "scatter packed tokens back into a zero-padded batch";
  let description = [{
    The inverse of `mixer.pack_tokens`: for `input` of shape
    `[1, total, ...]`, `result` is `[batch, seq, ...]` where `[batch, seq]`
    is the shape of `mask` (the plan's; only its shape is read). It holds
    `input[0, t, ...]` at `(tokens[t] / seq, tokens[t] % seq, ...)` and
    zeros at every position no token maps to (the padding).

    ```mlir
    %x = mixer.unpack_tokens %p, %tokens, %mask
        : (tensor<1x?x768xf32>, tensor<?xi64>, tensor<16x512xi64>)
        -> tensor<16x512x768xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, RankedTensorOf<[I64]>:$tokens,
                   AnyRankedTensor:$mask);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $tokens `,` $mask attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Token pruning (Zero-TPrune)
//===----------------------------------------------------------------------===//

def Mixer_TokenImportanceOp : Mixer_Op<"token_importance", [Pure]> {
  let summary = "token importance from the attention graph (Zero-TPrune)";
  let description = [{
    The weighted PageRank of Zero-TPrune's I-stage over the attention that
    `mixer.attention` with the same `query`, `key`, `mask` and `scale` would
    compute (same layouts, head grouping and mask rules):

    ```
    A[b, i, j] = mean over output heads h of softmax_j(scale * q·k + mask)
    s0[b, i]   = 1 / seq_q
    s{t+1}[b, j] = sum_i s{t}[b, i] * A[b, i, j]     (t < iterations)
    result     = s{iterations}                        [batch, seq_kv]
    ```

    Attention from query `i` to key `j` passes importance from `i` to `j`.
    With `iterations = 1` the result is the column mean of the attention
    (the tokens most attended to); more iterations weight each query by its
    own importance, and need `seq_q == seq_kv`. A query row that sees no key
    passes nothing on. The result has the query's element type; every row
    sums to at most 1.

    ```mlir
    %s = mixer.token_importance %q, %k mask(%m) {iterations = 3 : i64}
        : (tensor<1x6x197x64xf32>, tensor<1x6x197x64xf32>, tensor<1x1x1x197xf32>)
        -> tensor<1x197xf32>
    ```
  }];
  let arguments = (ins
    Mixer_FloatTensor:$query,
    Mixer_FloatTensor:$key,
    Optional<RankedTensorOf<[AnyFloat, I1]>>:$mask,
    OptionalAttr<F32Attr>:$scale,
    DefaultValuedAttr<I64Attr, "1">:$iterations);
  let results = (outs Mixer_FloatTensor:$result);
  let assemblyFormat = [{
    $query `,` $key (`mask` `(` $mask^ `)`)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The scale applied to the scores: the attribute, or 1/sqrt(head_dim).
    ::mlir::FailureOr<double> getEffectiveScale();
  }];
}

def Mixer_TopTokensOp : Mixer_Op<"top_tokens", [Pure]> {
  let summary = "the tokens to keep: a protected prefix and the top scores";
  let description = [{
    For `scores` of shape `[batch, seq]`, returns per batch row the indices
    (`[batch, count]`, i64, ascending: the tokens keep their order) of the
    first `protect` tokens (CLS, register tokens: always kept) and of the
    `count - protect` other tokens with the highest scores. Ties go to the
    lower index. `protect <= count <= seq`. NaN scores give an unspecified
    but in-range selection.

    ```mlir
    %keep = mixer.top_tokens %s {count = 138 : i64, protect = 1 : i64}
        : (tensor<1x197xf32>) -> tensor<1x138xi64>
    ```
  }];
  let arguments = (ins Mixer_FloatTensor:$scores, I64Attr:$count,
                   DefaultValuedAttr<I64Attr, "0">:$protect);
  let results = (outs RankedTensorOf<[I64]>:$result);
  let assemblyFormat = [{
    $scores attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Mixer_GatherTokensOp : Mixer_Op<"gather_tokens", [Pure]> {
  let summary = "keep the selected tokens of each batch row";
  let description = [{
    `result[b, ..., t, ...] = input[b, ..., indices[b, t], ...]` along dim
    `dim` (>= 1, the token dim; dim 0 is the batch) for `indices` of shape
    `[batch, count]`: the result is `input` with dim `dim` of size `count`.
    `--mixer-prune-tokens` gathers every tensor that later layers read with
    the indices of `mixer.top_tokens`. Indices must be in `[0, seq)`.

    ```mlir
    %x1 = mixer.gather_tokens %x, %keep {dim = 1 : i64}
        : (tensor<1x197x384xf32>, tensor<1x138xi64>) -> tensor<1x138x384xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, RankedTensorOf<[I64]>:$indices,
                   I64Attr:$dim);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $indices attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Mixer_MergePlanOp : Mixer_Op<"merge_plan", [Pure]> {
  let summary = "which tokens merge: ToMe's bipartite soft matching";
  let description = [{
    For `key` of shape `[batch, heads, seq, head_dim]` (a layer's key heads),
    plans ToMe's merge of `merge` token pairs per batch row:

    ```
    m[i]     = sum over heads of key[:, h, i, :], normalized (cosine metric)
    A, B     = the unprotected tokens (index >= protect) at even / odd indices
    best[i]  = argmax over j in B of m[i]·m[j]   (i in A; ties: lowest j)
    merged   = the `merge` tokens of A with the highest m[i]·m[best[i]]
               (ties: lowest i); fewer when A or B is smaller
    ```

    Every other token is kept, in its original order, in one of
    `seq - merge` slots (`kept`, `[batch, seq - merge]` i64: the kept
    tokens' indices, ascending); `dst` (`[batch, seq]` i64) is the slot each
    token goes to: its own when kept, its partner's when merged.
    `mixer.merge_tokens` averages tensors into the slots. Protected tokens
    (CLS) are never merged and never merged into.

    ```mlir
    %dst, %kept = mixer.merge_plan %k {merge = 59 : i64, protect = 1 : i64}
        : (tensor<1x6x197x64xf32>) -> (tensor<1x197xi64>, tensor<1x138xi64>)
    ```
  }];
  let arguments = (ins Mixer_FloatTensor:$key, I64Attr:$merge,
                   DefaultValuedAttr<I64Attr, "0">:$protect);
  let results = (outs RankedTensorOf<[I64]>:$dst, RankedTensorOf<[I64]>:$kept);
  let assemblyFormat = [{
    $key attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Mixer_MergeTokensOp : Mixer_Op<"merge_tokens", [Pure]> {
  let summary = "sum or weighted-average tokens into the slots of a merge plan";
  let description = [{
    For `input` with its token dim at `dim` (>= 1; dim 0 is the batch) of
    size `seq`, `dst` (`[batch, seq]`, from `mixer.merge_plan`) and optional
    `weights` (`[batch, seq]`, the input's element type; 1 when absent):

    ```
    result[b, ..., t, ...] = sum over i with dst[b, i] = t of
                             w[b, i] * input[b, ..., i, ...]
    ```

    divided, with `normalize`, by the sum of those `w[b, i]` (a size-
    weighted mean, ToMe's merge; 0 for a slot nothing goes to). The result
    has `input`'s shape with dim `dim` the slot count. Token sizes merge
    without weights or `normalize` (they add up).

    ```mlir
    %x1 = mixer.merge_tokens %x, %dst weights(%size) {dim = 1 : i64, normalize}
        : (tensor<1x197x384xf32>, tensor<1x197xi64>, tensor<1x197xf32>) -> tensor<1x138x384xf32>
    ```
  }];
  let arguments = (ins Mixer_FloatTensor:$input, RankedTensorOf<[I64]>:$dst,
                   Optional<Mixer_FloatTensor>:$weights, I64Attr:$dim,
                   UnitAttr:$normalize);
  let results = (outs Mixer_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $dst (`weights` `(` $weights^ `)`)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Normalizations
//===----------------------------------------------------------------------===//

class Mixer_NormOp<string mnemonic, string formula, string exampleOp>
    : Mixer_Op<mnemonic, [Pure, AttrSizedOperandSegments,
                          AllTypesMatch<["input", "result"]>]> {
  let description = [{
    Normalizes `input` over the dims from `axis` (default -1, may be negative)
    to the last, then applies the optional elementwise `weight` (gamma) and
    `bias` (beta), whose shape is the normalized shape `input.shape[axis:]`:

    ```
  }] # formula # [{
    ```

    `epsilon` (default 1e-5) must be positive. Statistics are computed in the
    input's element type by the lowerings unless they choose wider
    accumulation.

    ```mlir
    %y = }] # exampleOp # [{ %x weight(%gamma) bias(%beta) {epsilon = 1.0e-06 : f32}
        : (tensor<2x128x384xf32>, tensor<384xf32>, tensor<384xf32>) -> tensor<2x128x384xf32>
    ```
  }];
  let arguments = (ins
    Mixer_FloatTensor:$input,
    Optional<Mixer_FloatTensor>:$weight,
    Optional<Mixer_FloatTensor>:$bias,
    DefaultValuedAttr<I64Attr, "-1">:$axis,
    DefaultValuedAttr<F32Attr, "1.0e-5">:$epsilon);
  let results = (outs Mixer_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`weight` `(` $weight^ `)`)? (`bias` `(` $bias^ `)`)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
  code extraClassDeclaration = [{
    /// The axis as a signed number (ODS's I64Attr getter is unsigned).
    int64_t getSignedAxis() { return getAxisAttr().getInt(); }
    /// The first normalized dim, in [0, rank); the verifier ensures it exists.
    int64_t getNormalizedAxis() {
      int64_t rank = getInput().getType().getRank();
      return getSignedAxis() < 0 ? getSignedAxis() + rank : getSignedAxis();
    }
  }];
}

def Mixer_LayerNormOp : Mixer_NormOp<"layer_norm",
    "y = (x - mean(x)) / sqrt(mean((x - mean(x))^2) + epsilon) * weight + bias",
    "mixer.layer_norm"> {
  let summary = "layer normalization over the trailing dims";
}

def Mixer_RMSNormOp : Mixer_NormOp<"rms_norm",
    "y = x / sqrt(mean(x^2) + epsilon) * weight + bias",
    "mixer.rms_norm"> {
  let summary = "root-mean-square normalization over the trailing dims";
}

def Mixer_CompressedRMSNormOp : Mixer_Op<"compressed_rms_norm",
    [Pure, AttrSizedOperandSegments]> {
  let summary = "RMSNorm of a zero-mean vector stored without its last entry";
  let description = [{
    Pre-CRMSNorm (Jiang et al.): a vector `x'` of `R^D` whose entries sum to
    zero is determined by its first `D - 1` entries, the last being minus
    their sum. `input` holds those first entries (`[..., D - 1]`); the result
    is the RMSNorm of the whole vector over the last dim (`[..., D]`):

    ```
    x'  = [x, -sum(x)]
    y   = x' / sqrt((sum(x^2) + sum(x)^2) / D + epsilon) * weight + bias
    ```

    `weight` and `bias` are optional, of shape `[D]`; `epsilon` (default
    1e-5) must be positive. `--mixer-fold-layernorm-to-rmsnorm=compressed=true`
    keeps a Pre-LN model's residual stream in this form.

    ```mlir
    %y = mixer.compressed_rms_norm %x weight(%gamma)
        : (tensor<2x128x383xf32>, tensor<384xf32>) -> tensor<2x128x384xf32>
    ```
  }];
  let arguments = (ins
    Mixer_FloatTensor:$input,
    Optional<Mixer_FloatTensor>:$weight,
    Optional<Mixer_FloatTensor>:$bias,
    DefaultValuedAttr<F32Attr, "1.0e-5">:$epsilon);
  let results = (outs Mixer_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`weight` `(` $weight^ `)`)? (`bias` `(` $bias^ `)`)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
  code extraClassDeclaration = [{
    /// The normalized dim: always the last.
    int64_t getNormalizedAxis() { return getInput().getType().getRank() - 1; }
  }];
}

//===----------------------------------------------------------------------===//
// Rotary position embedding
//===----------------------------------------------------------------------===//

def Mixer_RopeOp : Mixer_Op<"rope",
    [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "rotary position embedding";
  let description = [{
    Rotates pairs of features of `input` (`[batch, heads, seq, head_dim]`) by
    position-dependent angles. With `R = rotary_dim` (default `head_dim`, even,
    at most `head_dim`), for every pair `(a, b)` of the first `R` features and
    its index `k` in `[0, R/2)`:

    ```
    y[a] = x[a] * cos[p, k] - x[b] * sin[p, k]
    y[b] = x[b] * cos[p, k] + x[a] * sin[p, k]
    ```

    Features from `R` on pass through unchanged. The pairing is given by
    `style`: `rotate_half` pairs `(k, k + R/2)`, `interleaved` pairs
    `(2k, 2k + 1)`.

    The position `p` of token `(b, s)`:
    - `cos`/`sin` of rank 2 (`[max_positions, R/2]`, a table): `p = positions[b, s]`
      when `positions` (`[batch, seq]`, integer) is given, else `p = s`;
    - `cos`/`sin` of rank 3 (`[batch or 1, seq, R/2]`, already per token):
      they are indexed by `(b, s)` directly and `positions` must be absent.

    ```mlir
    %y = mixer.rope %x, %cos, %sin positions(%pos) rotate_half
        : (tensor<1x32x128x128xf32>, tensor<4096x64xf32>, tensor<4096x64xf32>,
           tensor<1x128xi64>) -> tensor<1x32x128x128xf32>
    ```
  }];
  let arguments = (ins
    Mixer_FloatTensor:$input,
    Mixer_FloatTensor:$cos,
    Mixer_FloatTensor:$sin,
    Optional<Mixer_IntTensor>:$positions,
    Mixer_RopeStyleAttr:$style,
    OptionalAttr<I64Attr>:$rotary_dim);
  let results = (outs Mixer_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $cos `,` $sin (`positions` `(` $positions^ `)`)? $style attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// Selective state-space scan (Mamba)
//===----------------------------------------------------------------------===//

def Mixer_SelectiveScanOp : Mixer_Op<"selective_scan",
    [Pure, AttrSizedOperandSegments]> {
  let summary = "Mamba's selective state-space scan";
  let description = [{
    The selective SSM of Mamba (Gu & Dao), with a diagonal state matrix. For
    batch `b`, channel `c`, state index `n`, step `t`:

    ```
    dt[t]       = delta[b, t, c] + delta_bias[c], then softplus(dt) if delta_softplus
    h[t, n]     = exp(dt[t] * A[c, n]) * h[t-1, n] + dt[t] * B[b, t, n] * x[b, t, c]
    y[b, t, c]  = sum_n C[b, t, n] * h[t, n] + D[c] * x[b, t, c]
    y[b, t, c] *= silu(z[b, t, c])                      (if z is given)
    ```

    `h[-1]` is `initial_state[b, c, :]`, or zero. The second result is the state
    after the last step, `[batch, channels, d_state]`, which a decode step
    feeds back as `initial_state`.

    Shapes: `x`, `delta`, `z`: `[batch, seq, channels]`; `A`: `[channels, d_state]`;
    `B`, `C`: `[batch, seq, d_state]`; `D`, `delta_bias`: `[channels]`.

    ```mlir
    %y, %h = mixer.selective_scan %x, %dt, %A, %B, %C D(%D) z(%z) {delta_softplus}
        : (tensor<1x2048x1536xf32>, tensor<1x2048x1536xf32>, tensor<1536x16xf32>,
           tensor<1x2048x16xf32>, tensor<1x2048x16xf32>, tensor<1536xf32>,
           tensor<1x2048x1536xf32>) -> (tensor<1x2048x1536xf32>, tensor<1x1536x16xf32>)
    ```
  }];
  let arguments = (ins
    Mixer_FloatTensor:$x,
    Mixer_FloatTensor:$delta,
    Mixer_FloatTensor:$A,
    Mixer_FloatTensor:$B,
    Mixer_FloatTensor:$C,
    Optional<Mixer_FloatTensor>:$D,
    Optional<Mixer_FloatTensor>:$z,
    Optional<Mixer_FloatTensor>:$delta_bias,
    Optional<Mixer_FloatTensor>:$initial_state,
    UnitAttr:$delta_softplus);
  let results = (outs Mixer_FloatTensor:$y, Mixer_FloatTensor:$final_state);
  let assemblyFormat = [{
    $x `,` $delta `,` $A `,` $B `,` $C (`D` `(` $D^ `)`)? (`z` `(` $z^ `)`)?
    (`delta_bias` `(` $delta_bias^ `)`)? (`initial_state` `(` $initial_state^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

#endif // MIXER_DIALECT_MIXER_IR_MIXEROPS_TD

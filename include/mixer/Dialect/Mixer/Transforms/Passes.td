//===- Passes.td - Rewrites of the mixer dialect -----------*- tablegen -*-===//
//
// The transformer rewrites of DESIGN.md that work on mixer ops: raising
// decomposed subgraphs into them, and the exact and lossy rewrites of the
// efficient-transformer literature.
//
//===----------------------------------------------------------------------===//

#ifndef MIXER_DIALECT_MIXER_TRANSFORMS_PASSES
#define MIXER_DIALECT_MIXER_TRANSFORMS_PASSES

include "mlir/Pass/PassBase.td"

def RaiseAttention : Pass<"mixer-raise-attention"> {
  let summary = "Raise decomposed scaled dot-product attention into "
                "mixer.attention";
  let description = [{
    Finds the attention that exporters write out op by op, as the ONNX
    importer imports it:

    ```
    s = Q · Kᵀ                       (a batched contraction [b,h,i,d]x[b,h,d,j])
    s = s / c  or  s * c             (scale; also on Q or on Kᵀ before it)
    s = s + mask                     (additive, broadcast to [b,h,i,j]), or
    s = where(cond, s, fill)         (fill -inf or <= -1e30: cond keeps), or
    s = where(cond, fill, s)         (cond masks out)
    p = softmax(s, axis = -1)
    o = p · V                        ([b,h,i,j]x[b,h,j,e])
    ```

    and replaces it with one `mixer.attention` (`Kᵀ` given as a transpose
    of `K` becomes `K` itself). Exact up to rounding (`s / c` becomes
    `s * (1/c)`), with one difference: a query row whose keys are all
    masked by a `where` yields zeros, where the decomposed form yields the
    mean of V (finite fill) or NaN (-inf). Softmax ops over a last dim that
    do not complete the pattern are left alone; with `remarks`, each gets a
    remark saying which step did not match.
  }];
  let options = [
    Option<"remarks", "remarks", "bool", "false",
           "report softmax ops that did not become attention, and why">,
  ];
  let statistics = [
    Statistic<"numRaised", "raised", "attention blocks raised">,
    Statistic<"numMissed", "missed", "softmax ops left decomposed">,
  ];
  let dependentDialects = ["mixer::MixerDialect",
                           "mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
}

def RaiseRope : Pass<"mixer-raise-rope"> {
  let summary = "Raise decomposed rotate-half rotary embeddings into mixer.rope";
  let description = [{
    Exporters write LLaMA's rotary embedding (Hugging Face's
    `apply_rotary_pos_emb`) op by op: `x * cos + rotate_half(x) * sin` with
    `rotate_half(x) = concat(-x[..., D/2:], x[..., :D/2])`. This pass
    matches that sum, in either operand order, on `[batch, heads, seq, D]`
    where cos and sin are rows `[0, seq)` of constant `[positions, D]` tables
    (broadcast over batch and heads) whose two halves are equal, as
    `cat(freqs, freqs)` makes them. The result is `mixer.rope` (rotate_half)
    with the half tables `[positions, D/2]`, built at compile time. Exact:
    the same products and sum per element. Every intermediate value must
    have no other reader. With `remarks`, a match that fails on its tables
    (not constant, halves that differ) says why.
  }];
  let options = [
    Option<"remarks", "remarks", "bool", "false",
           "report each rotary embedding raised, and near misses">,
  ];
  let statistics = [
    Statistic<"numRaised", "raised", "rotary embeddings raised">,
  ];
  let dependentDialects = ["mixer::MixerDialect"];
}

def RaiseNorms : Pass<"mixer-raise-norms"> {
  let summary = "Raise decomposed RMSNorm and LayerNorm into mixer ops";
  let description = [{
    Exporters write RMSNorm (LLaMA's, T5's, Mistral's) op by op,
    `x * 1/sqrt(mean(x^2) + eps)`, and LayerNorm too at older opsets
    (Optimum's opset-14 exports): `c = x - mean(x)`,
    `c / sqrt(mean(c^2) + eps)`. This pass matches both at the normalizing
    product or division: `v^2` as Pow(v, 2) or v * v, a mean as a sum over
    the last dim divided by (or times the reciprocal of) its size, through
    keepdims reshapes, `eps` a positive constant, `1/sqrt` as a division of
    1 by Sqrt or as Rsqrt, then an optional multiply by a constant weight
    and an optional addition of a constant bias over the last dim. Every
    intermediate value must have no other reader. Exact: the same
    operations in the same order.
  }];
  let options = [
    Option<"remarks", "remarks", "bool", "false",
           "report each norm raised">,
  ];
  let statistics = [
    Statistic<"numRaised", "raised", "norms raised">,
  ];
  let dependentDialects = ["mixer::MixerDialect"];
}

def RemovePadding : Pass<"mixer-remove-padding"> {
  let summary = "Run a padded batch on its valid tokens only (ByteTransformer)";
  let description = [{
    For models whose attention takes a padding mask ([batch, 1, 1, seq],
    computed elementwise from a [batch, seq] tensor of 0/1 entries, e.g.
    BERT's `(1 - attention_mask) * -10000`): builds a `mixer.padding_plan`
    from that tensor once, packs the valid tokens into one `[1, tokens, ...]`
    sequence at the first token-wise op (`mixer.pack_tokens`), runs every
    token-wise op (linear layers, norms, activations, residual additions,
    head reshapes and transposes) on the packed tokens, runs each attention
    as variable-length attention over the packed sequences (`offsets`, no
    score between two sequences or with padding computed), and unpacks
    (`mixer.unpack_tokens`, zeros at the padding) only the outputs.

    Outputs at valid positions equal the padded model's (the keys the mask
    excluded contributed exactly zero); at padded positions they are zero.
    Off by default because padded positions change (from values computed
    for padding tokens to zeros). The packed token count is dynamic: one
    compiled model runs any mix of lengths, left, right or mixed padding.

    The pass refuses (and, with `remarks`, says where and why) models in
    which a token-wise tensor is read by an op that mixes tokens other than
    the attention (a pooling, a slice across the sequence), or whose mask is
    not a padding mask (a causal mask folded into it, values other than 0
    and <= -1e4 / -inf, a mask per head or query).
  }];
  let options = [
    Option<"remarks", "remarks", "bool", "false",
           "report what was packed, and why padding was not removed">,
  ];
  let statistics = [
    Statistic<"numRemoved", "attention-unpadded",
              "attention ops run on packed variable-length sequences">,
  ];
  let dependentDialects = ["mixer::MixerDialect",
                           "mlir::tensor::TensorDialect"];
}

def PruneTokens : Pass<"mixer-prune-tokens"> {
  let summary = "Drop the least important tokens after chosen layers "
                "(Zero-TPrune; lossy)";
  let description = [{
    For encoders whose outputs are pooled or read at protected positions
    (classification from CLS, sentence embeddings): after the attention op
    number `l` of each function (counted from 0 in program order) for each
    `l` in `layers`, scores every token with `mixer.token_importance` on
    that attention's query and key (Zero-TPrune's weighted PageRank,
    `iterations` steps), keeps the first `protect` tokens and the highest
    scoring others (`mixer.top_tokens`, `keep` of the unprotected tokens,
    one ratio for every layer or one per layer), in their original order,
    and runs everything after that attention on the kept tokens only: the
    attention computes only the kept queries, and every tensor of the later
    layers that has a token dim is gathered (`mixer.gather_tokens`) where
    it is made before the pruning point (the residual stream, the mask) and
    built with fewer tokens after it.

    Reductions over the tokens (a mean pooling) then reduce over the kept
    tokens; slices within the protected prefix (CLS pooling) read the same
    positions. The pass refuses, with an error naming the op, models that
    output a tensor with a token dim (every token's hidden state), ops that
    mix tokens other than attention and reductions (a slice beyond the
    protected prefix, a per-query mask, rotary embeddings), causal or
    variable-length attention at the pruning point, and dynamic sequence
    lengths (use --input-shape).

    `method=merge` (ToMe) merges instead of dropping: `mixer.merge_plan`
    pairs each of the `N - K` most redundant unprotected tokens at even
    indices with its most similar token at an odd index (cosine of the keys
    summed over heads), the attention's output and every tensor made before
    are averaged into the `K` slots weighted by token size
    (`mixer.merge_tokens`), the sizes add up, later attention adds
    log(size) to each key's scores (proportional attention), and sums over
    the tokens weight each token by its size (a mean pooling stays the mean
    over the original tokens); other reductions over the tokens are refused.
  }];
  let options = [
    Option<"method", "method", "std::string", "\"importance\"",
           "importance (Zero-TPrune: drop) or merge (ToMe: average)">,
    ListOption<"layers", "layers", "int64_t",
               "attention ops (from 0, in program order) after which tokens "
               "are pruned">,
    ListOption<"keep", "keep", "double",
               "fraction of the unprotected tokens kept at each pruning "
               "(one value for all, or one per layer)">,
    Option<"protect", "protect", "int64_t", "1",
           "leading tokens never dropped (CLS, register tokens)">,
    Option<"iterations", "iterations", "int64_t", "3",
           "weighted PageRank iterations (1: attention column means)">,
    Option<"remarks", "remarks", "bool", "false",
           "report, at each pruned attention, the tokens kept">,
  ];
  let statistics = [
    Statistic<"numPruned", "prunings", "points where tokens were pruned">,
  ];
  let dependentDialects = ["mixer::MixerDialect", "mlir::math::MathDialect",
                           "mlir::tensor::TensorDialect"];
}

def ShareKVHeads : Pass<"mixer-share-kv-heads"> {
  let summary = "Fold repeat_kv into grouped mixer.attention (MQA/GQA)";
  let description = [{
    GQA/MQA models as exported repeat every key/value head for each query
    head of its group before attention (PyTorch's and Hugging Face's
    `repeat_kv`: reshape to `[B, Hkv, 1, S, D]`, broadcast to
    `[B, Hkv, G, S, D]`, reshape to `[B, Hkv * G, S, D]`). Head `h` of the
    result is head `h / G` of the original, which is how `mixer.attention`
    groups heads; this pass gives the attention the original `Hkv` heads,
    so that the repeated tensors are never built and the kernels read each
    K/V head once per group. Exact: the same values are read. Applies only
    when K and V repeat by the same factor and the reshapes provably keep
    the batch, sequence and head sizes; with `remarks`, attention whose K or
    V is almost a repeat_kv says why it was left alone.

    Option `mha-to-gqa=<kv-heads>` (lossy, off by default) also converts
    attention with more K/V heads than that to grouped-query attention
    with `<kv-heads>` K/V heads, as the GQA paper converts a checkpoint:
    each group of `Hkv / kv-heads` consecutive K/V heads is replaced by
    their mean. The mean is taken of the projected heads right before the
    attention, which by linearity equals mean-pooling the K and V
    projection weights and biases (and commutes with rotary embeddings).
    Applies when `kv-heads` divides both head counts and there are at
    least as many query as K/V heads.
  }];
  let options = [
    Option<"remarks", "remarks", "bool", "false",
           "report repeats that could not be folded, and why">,
    Option<"mhaToGQA", "mha-to-gqa", "int64_t", "0",
           "lossy: mean-pool K/V heads down to this many (0: off)">,
  ];
  let statistics = [
    Statistic<"numShared", "shared", "attention ops now reading shared K/V heads">,
    Statistic<"numMissed", "missed", "repeated K/V left in place">,
    Statistic<"numConverted", "converted-to-gqa",
              "attention ops whose K/V heads were mean-pooled (mha-to-gqa)">,
  ];
  let dependentDialects = ["mixer::MixerDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
}

def ReduceQueryHeads : Pass<"mixer-reduce-query-heads"> {
  let summary = "Sparse Query Attention: fewer query heads (lossy), or "
                "dead heads removed (exact)";
  let description = [{
    Sparse Query Attention (Filipek) computes fewer score matrices than
    the model has heads. With `heads=<N>` (lossy), attention with `Hq > N`
    query heads keeps `N`: each group of `Hq / N` consecutive query heads
    is replaced by their mean, and each of the `N` output heads is fed to
    the output projection once for every original head it replaces. By
    linearity this equals merging the query projection's columns (mean)
    and the output projection's rows (sum) of every group, and commutes
    with rotary embeddings. When the model has more than `N` K/V heads
    (MHA, or GQA with many groups) they are mean-pooled to `N` as well
    (symmetric SQA): with fewer query than K/V heads `mixer.attention`
    computes one score matrix per K/V head, which would save nothing.
    Attention FLOPs fall by `Hq / N`. Applies when `N` divides `Hq` and
    divides or is a multiple of `Hkv`, and the mask (if any) is the same
    for every head.

    With `exact=true` it removes only heads that provably contribute
    nothing: the output of the attention goes through the usual
    `[B, H, S, D] -> [B, S, H * D]` transpose and reshape into linear
    layers by constant weights, and the weights' rows that read a head are
    all zero (a pruned head). A head is removed together with its K/V head
    (or, in grouped attention, a K/V head with all its query heads), so
    the outputs are unchanged for finite inputs.

    With `remarks`, every attention op says what was done, or why not.
  }];
  let options = [
    Option<"heads", "heads", "int64_t", "0",
           "lossy: merge query heads down to this many (0: off)">,
    Option<"exact", "exact", "bool", "false",
           "remove only heads whose output projection rows are all zero">,
    Option<"remarks", "remarks", "bool", "false",
           "report what was done at each attention op, and why not">,
  ];
  let statistics = [
    Statistic<"numReduced", "reduced", "attention ops with fewer heads">,
    Statistic<"numHeadsRemoved", "heads-removed",
              "score matrices no longer computed (per batch)">,
  ];
  let dependentDialects = ["mixer::MixerDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
}

def FoldLayerNormToRMSNorm : Pass<"mixer-fold-layernorm-to-rmsnorm"> {
  let summary = "Pre-RMSNorm: LayerNorms on a zero-mean residual stream "
                "become RMSNorms";
  let description = [{
    In a Pre-LN transformer the residual stream is read only through
    LayerNorms (the per-block ones and the final one), which ignore its
    mean. This pass finds the stream as the sum tree of elementwise
    additions under those LayerNorms and, when every write into it can be
    made zero-mean over the model dim by editing constants, does so:
    constants (biases, position embeddings, CLS tokens) minus their mean,
    linear layers and patch-embedding convolutions with their weight minus
    its mean over the output features, embedding tables with every row
    minus its mean. Every LayerNorm on the stream then becomes an RMSNorm
    with the same weight, bias and epsilon (Jiang et al., Pre-RMSNorm).

    With `compressed=true` (Pre-CRMSNorm), the stream is then kept in its
    first `D - 1` entries (the last one is minus their sum): the additions
    and the linear layers writing into it compute `D - 1` features, and each
    LayerNorm becomes a `mixer.compressed_rms_norm`, which rebuilds the last
    entry. Exact too; it saves `1/D` of the stream's work.

    Exact up to rounding: the stream differs from the original by a per-row
    constant, which LayerNorm ignores. Models where this is not provably so
    are left alone, with a remark (`remarks`) naming the op that stopped the
    fold: Post-LN models such as BERT (the stream is written by LayerNorms),
    streams read by anything but a LayerNorm, writes through ops other than
    additions, copies, transposes, reshapes that keep the model dim,
    concatenations along other dims, products by constant weights and
    embedding lookups.
  }];
  let options = [
    Option<"remarks", "remarks", "bool", "false",
           "report what was folded, and why other LayerNorms were not">,
    Option<"compressed", "compressed", "bool", "false",
           "Pre-CRMSNorm: keep the zero-mean stream in its first D - 1 "
           "entries and read it through mixer.compressed_rms_norm">,
  ];
  let statistics = [
    Statistic<"numFolded", "folded", "LayerNorms replaced by RMSNorms">,
    Statistic<"numRefused", "refused", "residual streams left alone">,
  ];
  let dependentDialects = ["mixer::MixerDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
}

def FoldNormAffine : Pass<"mixer-fold-norm-affine"> {
  let summary = "Fold a norm's weight and bias into the linear layers that "
                "read it";
  let description = [{
    A LayerNorm or RMSNorm over the last dim whose output is read only by
    linear layers (contractions over the model dim with a constant f32
    weight) loses its weight `gamma` and bias `beta`:

    ```
    (n(x) * gamma + beta) W  =  n(x) (diag(gamma) W)  +  beta W
    ```

    Each linear layer gets its own weight with row `k` scaled by
    `gamma[k]`. The constant `beta W` is added to the layer's bias when its
    result goes only into an addition of a constant bias of that layout,
    and by a new addition after the layer otherwise. Exact up to rounding.
    Norms with any other reader (a residual connection, as in Post-LN
    models) are left alone, with a remark (`remarks`) saying why.
  }];
  let options = [
    Option<"remarks", "remarks", "bool", "false",
           "report what was folded, and why other norms were not">,
  ];
  let statistics = [
    Statistic<"numFolded", "folded", "norms whose affine part was folded">,
    Statistic<"numRefused", "refused", "norms with an affine part left alone">,
  ];
  let dependentDialects = ["mixer::MixerDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
}

#endif // MIXER_DIALECT_MIXER_TRANSFORMS_PASSES

//===- Passes.td - Mixer conversion passes -----------------*- tablegen -*-===//
//
// Conversions out of the mixer dialect. Each lives in its own folder under
// lib/Conversion and exposes a populate*Patterns entry for other compilers.
//
//===----------------------------------------------------------------------===//

#ifndef MIXER_CONVERSION_PASSES
#define MIXER_CONVERSION_PASSES

include "mlir/Pass/PassBase.td"

def ConvertMixerToLinalg : Pass<"convert-mixer-to-linalg"> {
  let summary = "Lower mixer ops to linalg on tensors";
  let description = [{
    Rewrites every `mixer` op into `linalg.generic` / `linalg.fill` / `tensor`
    code with the same semantics, one file per op family:

    - `mixer.attention`: scores `Q·Kᵀ` per (batch, head, query, key), scale,
      mask (additive or boolean), causal and `seq_lens` limits, a numerically
      stable softmax (max-subtracted, with accumulation in f32 for 16-bit
      types) and `P·V`. Grouped heads (GQA/MQA and SQA's fewer query heads)
      index the shared head through the indexing maps: repeated heads are never
      materialized. A query row with no visible key yields zeros. This is the
      reference lowering that materializes the score matrix;
      `--mixer-tile-attention` replaces it by the IO-aware tiled form.
    - `mixer.layer_norm` / `mixer.rms_norm`: reductions over the trailing dims
      (f32 accumulation for 16-bit inputs), then one fused elementwise pass.
    - `mixer.rope`: one elementwise pass that reads each feature's partner.
    - `mixer.selective_scan`: a sequential loop over time carrying the
      `[batch, channels, d_state]` state, each step parallel over batch,
      channels and state.

    Cases the lowerings do not handle (dynamic head counts with grouping)
    are reported at the op and the pass fails; nothing is left half-lowered.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect",
    "mlir::scf::SCFDialect",
    "mlir::tensor::TensorDialect",
  ];
}

def TileAttention : Pass<"mixer-tile-attention"> {
  let summary = "IO-aware attention: FlashAttention-2's tiled online softmax";
  let description = [{
    Rewrites every f32 `mixer.attention` into the FlashAttention-2 loop nest
    on tensors: `Kᵀ` once per call, then an `scf.forall` over (batch, output
    head, tile of `query-tile` query rows), each running an online softmax
    over tiles of `key-tile` keys:

    ```
    s = scale * Q_tile · Kᵀ_tile (+ mask, causal limit)
    m' = max(m, rowmax s);  p = exp(s - m');  alpha = exp(m - m')
    l = alpha * l + rowsum p;  acc = alpha * acc + p · V_tile
    out_tile = acc / l
    ```

    Only one `[query-tile, key-tile]` block of scores exists at a time, so
    memory grows with the sequence, not with its square. Key tiles past the
    causal frontier of the query tile or past `seq_lens[b]` are never
    visited. Grouped heads (GQA/MQA, and SQA's fewer query heads) select the
    shared head by index arithmetic (dynamic head counts work), never by
    copies. Exact up to rounding: the softmax is computed in another order.
    A query row that sees no key yields zeros, as in the reference lowering.
    16-bit attention is left to `--convert-mixer-to-linalg`.
  }];
  let options = [
    Option<"queryTile", "query-tile", "int64_t", "32",
           "query rows per parallel task">,
    Option<"keyTile", "key-tile", "int64_t", "128",
           "keys per step of the online softmax">,
  ];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect",
    "mlir::scf::SCFDialect",
    "mlir::tensor::TensorDialect",
  ];
}

#endif // MIXER_CONVERSION_PASSES

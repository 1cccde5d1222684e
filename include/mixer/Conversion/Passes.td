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

#endif // MIXER_CONVERSION_PASSES

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

#endif // MIXER_DIALECT_MIXER_TRANSFORMS_PASSES

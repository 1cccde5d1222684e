//===- Passes.td - Target-independent code generation passes -*- tablegen -*-===//
//
// Passes on linalg that every backend runs before its own code generation.
//
//===----------------------------------------------------------------------===//

#ifndef MIXER_CODEGEN_COMMON_PASSES
#define MIXER_CODEGEN_COMMON_PASSES

include "mlir/Pass/PassBase.td"

def FuseElementwiseOps : Pass<"mixer-fuse-elementwise-ops"> {
  let summary = "Fuse elementwise producers into their consumers, never into "
                "a reduction that would recompute them";
  let description = [{
    Upstream's elementwise fusion (`linalg-fuse-elementwise-ops`), reshape
    folding and linalg constant folding, with one rule about where a
    producer may go: into an op with reduction loops only when the fused
    operand is read once per loop iteration (its indexing map uses every
    loop). Otherwise the producer would run once per element of the
    dims it does not use: the softmax division fused into `P * V` runs
    `head_dim` times per probability and turns the contraction into an op
    the GEMM kernels cannot take. Producers used more than once are not
    fused, and ops inside an `scf.forall` (tiles laid out by a tiling
    rewrite, such as `--mixer-tile-attention`, whose destinations are
    deliberate) are left alone. Exact.
  }];
  let dependentDialects = ["mlir::affine::AffineDialect",
                           "mlir::linalg::LinalgDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::tensor::TensorDialect"];
}

def DuplicateInitFills : Pass<"mixer-duplicate-init-fills"> {
  let summary = "Give every user of a shared linalg.fill its own fill";
  let description = [{
    CSE merges the identical zero fills that initialize every matmul into
    one tensor with many users; bufferization must then fill one buffer and
    copy it before each user writes into it. This pass clones a
    `linalg.fill` (of a `tensor.empty`) for each of its users but the first,
    so that each fill bufferizes into its user's own buffer and the CPU
    kernels can start their accumulators from the fill value instead of
    reading memory. Exact.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

#endif // MIXER_CODEGEN_COMMON_PASSES

//===- Pipelines.h - Mixer's compilation phases -----------------*- C++ -*-===//
//
// Every phase of DESIGN.md as a pipeline, used the same way by mixer-opt
// (registered pipelines), mixer-compile (--compile-to=<phase>), Python and
// other compilers:
//
//   input  --buildMixerPhasePipeline-->   mixer   (raise + exact rewrites)
//          --buildLinalgPhasePipeline-->  linalg  (mixer ops lowered)
//          --buildCPUCodegenPipeline-->   llvm    (LLVM dialect + model ABI)
//
// and, from LLVM-dialect IR, an object file and a linked model.so
// (ModelLibrary.h).
//
//===----------------------------------------------------------------------===//

#ifndef MIXER_PIPELINES_PIPELINES_H
#define MIXER_PIPELINES_PIPELINES_H

#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

#include <optional>
#include <string>

namespace mixer {

/// Options of the CPU code generator (--mixer-cpu-pipeline="...").
struct CPUPipelineOptions
    : public mlir::PassPipelineOptions<CPUPipelineOptions> {
  Option<std::string> cpu{
      *this, "cpu",
      llvm::cl::desc("Target CPU: host (detect), avx512, avx2, generic, or "
                     "an LLVM CPU name such as znver5"),
      llvm::cl::init("host")};
  Option<bool> parallel{
      *this, "parallel",
      llvm::cl::desc("Run parallel loops on OpenMP worker threads"),
      llvm::cl::init(true)};
};

/// Options of the mixer phase: the exact rewrites, each on by default, and
/// whether they explain themselves.
struct MixerPhaseOptions {
  /// Report, as remarks at the ops, what the rewrites did and what they
  /// found but could not rewrite, and why (mixer-compile --remarks).
  bool remarks = false;
  bool raiseAttention = true;      // --mixer-raise-attention
  bool raiseNorms = true;          // --mixer-raise-norms
  bool raiseRope = true;           // --mixer-raise-rope
  bool shareKVHeads = true;        // --mixer-share-kv-heads
  bool foldLayerNormToRMSNorm = true; // --mixer-fold-layernorm-to-rmsnorm
  bool foldNormAffine = true;         // --mixer-fold-norm-affine
  /// --mixer-fold-layernorm-to-rmsnorm=compressed=true (Pre-CRMSNorm): exact,
  /// off by default because it saves only 1/D of the stream's work.
  bool compressedRMSNorm = false;
  /// --mixer-remove-padding: run padded batches on their valid tokens only.
  /// Off by default: outputs at padded positions become zeros (valid
  /// positions are unchanged).
  bool removePadding = false;

  // Rewrites that change the numbers (or, for removeDeadHeads, drop work
  // that provably contributes nothing): off unless asked for.
  /// --mixer-reduce-query-heads=heads=N (0: off).
  int64_t reduceQueryHeads = 0;
  /// --mixer-reduce-query-heads=exact=true.
  bool removeDeadHeads = false;
  /// --mixer-share-kv-heads=mha-to-gqa=N (0: off).
  int64_t mhaToGQA = 0;

  /// --mixer-prune-tokens's options ("layers=3,6,9 keep=0.7 ..."; empty:
  /// off). Check them with checkPruneTokensOptions first.
  std::string pruneTokens;

  /// Whether any of the rewrites above is on.
  bool hasOptInRewrites() const {
    return reduceQueryHeads != 0 || removeDeadHeads || mhaToGQA != 0 ||
           !pruneTokens.empty();
  }
  /// These options with the rewrites above off.
  MixerPhaseOptions withoutOptInRewrites() const {
    MixerPhaseOptions exact = *this;
    exact.reduceQueryHeads = 0;
    exact.removeDeadHeads = false;
    exact.mhaToGQA = 0;
    exact.pruneTokens.clear();
    return exact;
  }
};

/// Why `options` are not valid --mixer-prune-tokens options, or nothing.
std::optional<std::string> checkPruneTokensOptions(llvm::StringRef options);

/// Options of the linalg phase.
struct LinalgPhaseOptions {
  bool tileAttention = true; // --mixer-tile-attention (else scores materialized)
};

/// input -> mixer: raising (--mixer-raise-attention), the exact rewrites,
/// then buildOptInRewritePipeline's.
void buildMixerPhasePipeline(mlir::OpPassManager &pm,
                             const MixerPhaseOptions &options = {});
/// The opt-in rewrites of the head counts and tokens
/// (MixerPhaseOptions::hasOptInRewrites),
/// the last part of the mixer phase; nothing when none is on.
void buildOptInRewritePipeline(mlir::OpPassManager &pm,
                              const MixerPhaseOptions &options);
/// mixer -> linalg: every mixer op lowered, elementwise ops fused.
void buildLinalgPhasePipeline(mlir::OpPassManager &pm,
                              const LinalgPhaseOptions &options = {});
/// linalg -> LLVM dialect with the model.so ABI: bufferization, parallel
/// loops, lowering to LLVM.
void buildCPUCodegenPipeline(mlir::OpPassManager &pm,
                             const CPUPipelineOptions &options);
/// input -> LLVM dialect: the three above (--mixer-cpu-pipeline).
void buildMixerCPUPipeline(mlir::OpPassManager &pm,
                           const CPUPipelineOptions &options);

/// Registers the pipelines above and the passes they own with mlir-opt-style
/// tools.
void registerMixerPipelines();

#define GEN_PASS_DECL
#include "mixer/Pipelines/Passes.h.inc"

} // namespace mixer

#endif // MIXER_PIPELINES_PIPELINES_H

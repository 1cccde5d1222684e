//===- Pipelines.cpp - Mixer's compilation phases -------------------------===//

#include "mixer/Pipelines/Pipelines.h"

#include "mixer/Codegen/CPU/Passes.h"
#include "mixer/Codegen/Common/Passes.h"
#include "mixer/Conversion/Passes.h"
#include "mixer/Dialect/Mixer/Transforms/Passes.h"
#include "mixer/Target/CPU/TargetCPU.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ConvertToLLVM/ToLLVMPass.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/SCFToOpenMP/SCFToOpenMP.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Conversion/BufferizationToMemRef/BufferizationToMemRef.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace mixer {

static void addCleanup(OpPassManager &pm) {
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void buildMixerPhasePipeline(OpPassManager &pm,
                             const MixerPhaseOptions &options) {
  // Raising, then the exact transformer rewrites.
  addCleanup(pm);
  if (options.raiseAttention) {
    RaiseAttentionOptions raise;
    raise.remarks = options.remarks;
    pm.addPass(createRaiseAttention(raise));
    addCleanup(pm);
  }
  if (options.raiseNorms) {
    RaiseNormsOptions raise;
    raise.remarks = options.remarks;
    pm.addPass(createRaiseNorms(raise));
    addCleanup(pm); // the decomposed ops, which still read the stream
  }
  if (options.raiseRope) {
    RaiseRopeOptions raise;
    raise.remarks = options.remarks;
    pm.addPass(createRaiseRope(raise));
    addCleanup(pm); // the slices, negation and concat left behind
  }
  if (options.shareKVHeads) {
    ShareKVHeadsOptions share;
    share.remarks = options.remarks;
    pm.addPass(createShareKVHeads(share));
  }
  if (options.foldLayerNormToRMSNorm) {
    FoldLayerNormToRMSNormOptions fold;
    fold.remarks = options.remarks;
    fold.compressed = options.compressedRMSNorm;
    pm.addPass(createFoldLayerNormToRMSNorm(fold));
  }
  if (options.foldNormAffine) {
    FoldNormAffineOptions affine;
    affine.remarks = options.remarks;
    pm.addPass(createFoldNormAffine(affine));
  }
  addCleanup(pm);
  if (options.removePadding) {
    RemovePaddingOptions unpad;
    unpad.remarks = options.remarks;
    pm.addPass(createRemovePadding(unpad));
    addCleanup(pm); // the padded ops' leftover inits
  }
  buildOptInRewritePipeline(pm, options);
  CheckPhaseContractOptions contract;
  contract.phase = "mixer";
  pm.addPass(createCheckPhaseContract(contract));
}

std::optional<std::string> checkPruneTokensOptions(StringRef options) {
  std::string error;
  std::unique_ptr<Pass> pass = createPruneTokens();
  if (succeeded(pass->initializeOptions(options, [&](const Twine &message) {
        error = message.str();
        return failure();
      })))
    return std::nullopt;
  return "--prune-tokens='" + options.str() +
         "': " + (error.empty() ? "unparsable options" : error);
}

void buildOptInRewritePipeline(OpPassManager &pm,
                               const MixerPhaseOptions &options) {
  if (!options.hasOptInRewrites())
    return;
  if (options.mhaToGQA != 0) {
    ShareKVHeadsOptions gqa;
    gqa.remarks = options.remarks;
    gqa.mhaToGQA = options.mhaToGQA;
    pm.addPass(createShareKVHeads(gqa));
  }
  if (options.reduceQueryHeads != 0 || options.removeDeadHeads) {
    ReduceQueryHeadsOptions reduce;
    reduce.remarks = options.remarks;
    reduce.heads = options.reduceQueryHeads;
    reduce.exact = options.removeDeadHeads;
    pm.addPass(createReduceQueryHeads(reduce));
  }
  if (!options.pruneTokens.empty()) {
    std::unique_ptr<Pass> prune = createPruneTokens();
    std::string spec = options.pruneTokens;
    if (options.remarks)
      spec += " remarks=true";
    // Checked by the callers (checkPruneTokensOptions); a bad string here
    // fails the pipeline at its first pass rather than being ignored.
    if (failed(prune->initializeOptions(
            spec, [](const Twine &) { return failure(); }))) {
      PruneTokensOptions invalid;
      invalid.method = "(unparsable options '" + options.pruneTokens + "')";
      prune = createPruneTokens(invalid);
    }
    pm.addPass(std::move(prune));
  }
  addCleanup(pm);
}

void buildLinalgPhasePipeline(OpPassManager &pm,
                              const LinalgPhaseOptions &options) {
  if (options.tileAttention)
    pm.addPass(createTileAttention());
  pm.addPass(createConvertMixerToLinalg());
  pm.addPass(createDecomposeAggregateOps());
  addCleanup(pm);
  pm.addPass(createFuseElementwiseOps());
  addCleanup(pm);
  CheckPhaseContractOptions contract;
  contract.phase = "linalg";
  pm.addPass(createCheckPhaseContract(contract));
}

void buildCPUCodegenPipeline(OpPassManager &pm,
                             const CPUPipelineOptions &options) {
  pm.addPass(createPrepareModelEntry());
  pm.addPass(createDuplicateInitFills());
  pm.addPass(createFuseRowReductions());
  addCleanup(pm);

  // Tensors -> buffers. Entry arguments are dense row-major (identity
  // layout), as the ABI promises.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  bufferize.allowReturnAllocsFromLoops = true;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  pm.addPass(createFreshOutputs());
  addCleanup(pm);
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  pm.addPass(createConvertBufferizationToMemRefPass());
  pm.addPass(createExpandStridedCopies());
  pm.addPass(createForallToParallelLoopPass()); // tiled attention's tasks

  // Contractions become register-blocked vector kernels; every other op
  // becomes loops whose outer parallel dims run on OpenMP threads and whose
  // contiguous innermost loop LLVM vectorizes (transcendental functions as
  // polynomials, so that they vectorize too).
  VectorizeContractionsOptions kernels;
  kernels.vectorWidth = getF32VectorWidth(options.cpu);
  pm.addPass(createVectorizeContractions(kernels));
  pm.addPass(createSymbolDCEPass()); // weights that were packed
  LowerToLoopsOptions loops;
  loops.parallel = options.parallel;
  pm.addPass(createLowerToLoops(loops));
  pm.addPass(createApproximateMath());
  if (options.parallel)
    pm.addPass(createConvertSCFToOpenMPPass());

  // Everything to LLVM. memref (and the OpenMP body's alloca_scope) lowers
  // before scf so that the scopes still hold a single block; math goes to
  // LLVM intrinsics first and only the rest (erf, tanh, ...) to libm.
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // Allocations through _mlir_memref_to_llvm_alloc, which EmitModelABI
  // defines with an out-of-memory check.
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());

  EmitModelABIOptions abi;
  abi.parallel = options.parallel;
  pm.addPass(createEmitModelABI(abi));
  addCleanup(pm);
}

void buildMixerCPUPipeline(OpPassManager &pm,
                           const CPUPipelineOptions &options) {
  buildMixerPhasePipeline(pm);
  buildLinalgPhasePipeline(pm);
  buildCPUCodegenPipeline(pm, options);
}

namespace {
#define GEN_PASS_REGISTRATION
#include "mixer/Pipelines/Passes.h.inc"
} // namespace

void registerMixerPipelines() {
  registerMixerPipelinePasses();
  registerMixerTransformsPasses();
  registerMixerCodegenPasses();
  registerMixerCPUCodegenPasses();
  PassPipelineRegistration<>(
      "mixer-linalg-pipeline",
      "Mixer's input IR -> linalg: raise, rewrite, lower the mixer ops",
      [](OpPassManager &pm) {
        buildMixerPhasePipeline(pm);
        buildLinalgPhasePipeline(pm);
      });
  PassPipelineRegistration<CPUPipelineOptions>(
      "mixer-cpu-pipeline",
      "Mixer's input IR -> LLVM dialect with the model.so ABI, for the CPU",
      buildMixerCPUPipeline);
}

} // namespace mixer

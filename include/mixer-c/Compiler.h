/*===- Compiler.h - C API of Mixer's passes and compiler ----------*- C -*-===*\
|*                                                                            *|
|* Registers Mixer's passes, builds its pipelines into a pass manager, and    *|
|* compiles a model to a model.so in one call (what mixer-compile does),      *|
|* for Python and for other hosts that speak MLIR's C API.                    *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef MIXER_C_COMPILER_H
#define MIXER_C_COMPILER_H

#include "mlir-c/Pass.h"
#include "mlir-c/Support.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Registers every Mixer pass and pipeline (and the upstream ones), so that
 * textual pipelines such as "mixer-cpu-pipeline" parse. */
MLIR_CAPI_EXPORTED void mixerRegisterAllPasses(void);

/* Appends the whole CPU compilation (input IR -> LLVM dialect with the
 * model.so ABI) to `passManager`; `options` as for --mixer-cpu-pipeline
 * (e.g. "cpu=avx2 parallel=false"). Fails on unparsable options. */
MLIR_CAPI_EXPORTED MlirLogicalResult mixerBuildCPUPipeline(
    MlirOpPassManager passManager, MlirStringRef options);

/* Options of mixerCompile; mixerCompileOptionsInit() sets the defaults
 * (those of mixer-compile). */
typedef struct MixerCompileOptions {
  const char *target;             /* "cpu" */
  const char *cpu;                /* "host", "avx512", "avx2", ... */
  int parallel;                   /* run parallel loops on OpenMP threads */
  unsigned optLevel;              /* LLVM -O level, 0-3 */
  int remarks;                    /* report rewrites that did not apply */
  const char *const *inputShapes; /* "name=1x128" specializations */
  size_t numInputShapes;
  /* The exact rewrites (mixer-compile --raise-attention=... etc.). */
  int raiseAttention, raiseNorms, shareKVHeads, foldLayerNormToRMSNorm,
      foldNormAffine, tileAttention, raiseRope;
  /* Pre-CRMSNorm (--compressed-rmsnorm), exact but off by default. */
  int compressedRMSNorm;
  /* The head rewrites, off (0) by default: --reduce-query-heads=N (lossy),
   * --reduce-query-heads=exact (removeDeadHeads), --mha-to-gqa=N (lossy). */
  int reduceQueryHeads, removeDeadHeads, mhaToGQA;
  /* Padding removal (--remove-padding), off (0) by default: padded batches
   * run on their valid tokens; outputs are zero at padded positions. */
  int removePadding;
  /* Token pruning (--prune-tokens), off (NULL or "") by default:
   * --mixer-prune-tokens's options, e.g. "layers=3,6,9 keep=0.7" (lossy). */
  const char *pruneTokens;
} MixerCompileOptions;

MLIR_CAPI_EXPORTED void mixerCompileOptionsInit(MixerCompileOptions *options);

/* Compiles `model` (the bytes of an ONNX file, or the text of an MLIR module
 * when `name` ends in ".mlir"; `name` also names it in diagnostics) into the
 * shared library `outputPath`. Every diagnostic (errors, and remarks when
 * asked for) is passed to `diagnostics` as formatted text. Returns success
 * when the library was written; on failure nothing is left at outputPath. */
MLIR_CAPI_EXPORTED MlirLogicalResult
mixerCompile(MlirStringRef model, MlirStringRef name, MlirStringRef outputPath,
             const MixerCompileOptions *options,
             MlirStringCallback diagnostics, void *userData);

#ifdef __cplusplus
}
#endif

#endif /* MIXER_C_COMPILER_H */

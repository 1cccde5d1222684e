//===- Report.h - mixer-compile --report ------------------------*- C++ -*-===//
//
// What the rewrites of the mixer phase did to a model: attention raised,
// K/V heads shared, LayerNorms folded, heads reduced with the attention
// FLOPs before and after, and for the rewrites that change the numbers the
// deviation of the outputs from the exact model on a reproducible input.
//
//===----------------------------------------------------------------------===//

#ifndef MIXER_TOOLS_MIXER_COMPILE_REPORT_H
#define MIXER_TOOLS_MIXER_COMPILE_REPORT_H

#include "mlir/IR/BuiltinOps.h"
#include <map>
#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <string>

namespace mixer::report {

/// The transformer structure of a module at one point of the pipeline.
struct ModelSummary {
  int64_t softmaxOps = 0; ///< linalg.softmax: attention not (yet) raised
  int64_t attentionOps = 0;
  int64_t groupedAttentionOps = 0; ///< fewer K/V than query heads, or fewer query heads
  /// Score matrices computed per batch element (sum of output heads).
  int64_t scoreMatrices = 0;
  /// Attention FLOPs per (query, key) pair and batch element: 2 * heads *
  /// (head_dim + v_head_dim) summed over the ops; unset when a head dim is
  /// dynamic.
  std::optional<int64_t> flopsPerPair = 0;
  int64_t layerNorms = 0, rmsNorms = 0;
  /// "Hq:Hkv" -> number of attention ops.
  std::map<std::string, int64_t> headCounts;
  /// Attention ops over packed variable-length tokens (--remove-padding).
  int64_t packedAttentionOps = 0;
  /// What --remove-padding left for run reports ("key=value" lines).
  std::string reportInfo;
};

ModelSummary summarize(mlir::ModuleOp module);

/// The lines on the exact rewrites: `imported` is the module as imported,
/// `exact` after the exact rewrites.
void printExactRewrites(llvm::raw_ostream &os, const ModelSummary &imported,
                        const ModelSummary &exact);

/// The line on the head rewrites (`what` names them): score matrices and
/// attention FLOPs from `before` to `after`.
void printHeadRewrites(llvm::raw_ostream &os, llvm::StringRef what,
                       const ModelSummary &before, const ModelSummary &after);

/// The lines on --prune-tokens=`options`: the tokens after each pruning
/// and the FLOPs before and after, as the pass recorded them in `after`.
void printTokenPruning(llvm::raw_ostream &os, llvm::StringRef options,
                       const ModelSummary &after);

/// Runs the model libraries `reference` and `rewritten` on the same
/// reproducible input (random values as mixer-run makes them, every dynamic
/// dim `dynamicDim`) and prints, per output, the max and mean absolute
/// deviation and the cosine similarity (per row of dim 0). Fails with `error` when a model cannot be loaded or run.
bool printDeviation(llvm::raw_ostream &os, const std::string &reference,
                    const std::string &rewritten, int64_t dynamicDim,
                    std::string &error);

} // namespace mixer::report

#endif // MIXER_TOOLS_MIXER_COMPILE_REPORT_H

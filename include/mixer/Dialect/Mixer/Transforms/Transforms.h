//===- Transforms.h - Rewrites of the mixer dialect -------------*- C++ -*-===//
//
// The rewrites behind the mixer passes, as functions other compilers can
// call on their own IR.
//
//===----------------------------------------------------------------------===//

#ifndef MIXER_DIALECT_MIXER_TRANSFORMS_TRANSFORMS_H
#define MIXER_DIALECT_MIXER_TRANSFORMS_TRANSFORMS_H

#include "mixer/Dialect/Mixer/IR/MixerOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

#include <string>

namespace mixer {

/// Replaces the decomposed attention that ends in `softmax` (see
/// --mixer-raise-attention) by one mixer.attention. On failure nothing
/// changes and `whyNot` says which step did not match.
mlir::FailureOr<AttentionOp> raiseAttention(mlir::RewriterBase &rewriter,
                                            mlir::linalg::SoftmaxOp softmax,
                                            std::string &whyNot);
/// The same, remembering in `causalMasks` which mask tensors were found to
/// be causal (they are evaluated element by element; every layer of a model
/// reads the same one).
mlir::FailureOr<AttentionOp>
raiseAttention(mlir::RewriterBase &rewriter, mlir::linalg::SoftmaxOp softmax,
               std::string &whyNot,
               llvm::DenseMap<mlir::Value, bool> &causalMasks);

/// When `repeated` ([B, Hkv * G, S, D]) is `repeat_kv` of some [B, Hkv, S, D]
/// heads (see --mixer-share-kv-heads), returns those heads and G; otherwise
/// fails with the reason in `whyNot`.
mlir::FailureOr<std::pair<mlir::Value, int64_t>>
matchRepeatKV(mlir::Value repeated, std::string &whyNot);

/// Converts `op` to grouped-query attention with `kvHeads` K/V heads, each
/// the mean of a group of consecutive K/V heads (lossy; see
/// --mixer-share-kv-heads=mha-to-gqa=N). On failure nothing changes and
/// `whyNot` says why.
mlir::FailureOr<AttentionOp>
convertToGroupedQueryAttention(mlir::RewriterBase &rewriter, AttentionOp op,
                               int64_t kvHeads, std::string &whyNot);

} // namespace mixer

#endif // MIXER_DIALECT_MIXER_TRANSFORMS_TRANSFORMS_H

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

} // namespace mixer

#endif // MIXER_DIALECT_MIXER_TRANSFORMS_TRANSFORMS_H

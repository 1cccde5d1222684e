//===- MixerShapes.h - Shape rules of the mixer ops -------------*- C++ -*-===//
//
// The shape rules of the mixer ops as free functions over plain dimension
// lists, so that the verifiers, the ONNX importer and the rewrites agree on
// them. Dynamic dims are mlir::ShapedType::kDynamic.
//
//===----------------------------------------------------------------------===//

#ifndef MIXER_DIALECT_MIXER_IR_MIXERSHAPES_H
#define MIXER_DIALECT_MIXER_IR_MIXERSHAPES_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include <cstdint>
#include <optional>

namespace mixer {

/// True if two dims may be equal: both static and equal, or either dynamic.
bool dimsCompatible(int64_t a, int64_t b);

/// True if `hq` query heads and `hkv` key/value heads can be grouped: both
/// positive and one divides the other. Dynamic counts are accepted (the check
/// then happens at run time).
bool headCountsCompatible(int64_t hq, int64_t hkv);

/// The number of output heads of an attention: max(hq, hkv), dynamic if
/// either is.
int64_t attentionOutputHeads(int64_t hq, int64_t hkv);

/// The result shape of mixer.attention for rank-4 query/key/value shapes:
/// [batch, max(Hq, Hkv), seq_q, v_head_dim]. Batch is taken from whichever
/// operand has it static.
llvm::SmallVector<int64_t, 4>
inferAttentionResultShape(llvm::ArrayRef<int64_t> query,
                          llvm::ArrayRef<int64_t> key,
                          llvm::ArrayRef<int64_t> value);

/// Checks that `from` broadcasts to `to` under right-aligned (NumPy) rules in
/// which each dim of `from` is 1 or equal to its counterpart (dynamic dims are
/// given the benefit of the doubt). Returns nullopt if it does, else the index
/// into `from` of the first offending dim; dims beyond the rank of `to` offend.
std::optional<int64_t> findBroadcastMismatch(llvm::ArrayRef<int64_t> from,
                                             llvm::ArrayRef<int64_t> to);

/// Maps a possibly negative axis into [0, rank); nullopt if out of range.
std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank);

} // namespace mixer

#endif // MIXER_DIALECT_MIXER_IR_MIXERSHAPES_H

//===- MixerOps.cpp - Verifiers and helpers of the mixer ops --------------===//
//
// Canonicalization patterns live in MixerCanonicalize.cpp; shape rules shared
// with the importer and the rewrites in MixerShapes.cpp.
//
//===----------------------------------------------------------------------===//

#include "mixer/Dialect/Mixer/IR/MixerOps.h"
#include "mixer/Dialect/Mixer/IR/MixerShapes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <cmath>

using namespace mlir;
using namespace mixer;

#include "mixer/Dialect/Mixer/IR/MixerEnums.cpp.inc"

#define GET_OP_CLASSES
#include "mixer/Dialect/Mixer/IR/MixerOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Diagnostic helpers
//===----------------------------------------------------------------------===//

namespace {

std::string dimStr(int64_t dim) {
  return ShapedType::isDynamic(dim) ? "?" : std::to_string(dim);
}

std::string shapeStr(ArrayRef<int64_t> shape) {
  return "[" + llvm::join(llvm::map_range(shape, dimStr), ", ") + "]";
}

/// "<name> must have rank <rank> (<layout>), got rank <n>".
LogicalResult verifyRank(Operation *op, StringRef name, ShapedType type,
                         int64_t rank, StringRef layout) {
  if (type.getRank() == rank)
    return success();
  return op->emitOpError() << name << " must have rank " << rank << " ("
                           << layout << "), got rank " << type.getRank();
}

/// "<name> dim <i> (<dimName>) is <n>, but <refName> has <m>".
LogicalResult verifyDimMatch(Operation *op, StringRef name, ShapedType type,
                             int64_t dim, StringRef dimName, StringRef refName,
                             int64_t expected) {
  int64_t size = type.getDimSize(dim);
  if (dimsCompatible(size, expected))
    return success();
  return op->emitOpError() << name << " dim " << dim << " (" << dimName
                           << ") is " << size << ", but " << refName << " has "
                           << expected;
}

/// "<name> must have shape <layout> = <expected>, got <actual>": checks rank
/// and every dim, with dynamic dims on either side accepted.
LogicalResult verifyShape(Operation *op, StringRef name, ShapedType type,
                          ArrayRef<int64_t> expected, StringRef layout) {
  bool ok = type.getRank() == static_cast<int64_t>(expected.size()) &&
            llvm::all_of(llvm::zip_equal(type.getShape(), expected),
                         [](auto p) {
                           return dimsCompatible(std::get<0>(p),
                                                 std::get<1>(p));
                         });
  if (ok)
    return success();
  return op->emitOpError() << name << " must have shape " << layout << " = "
                           << shapeStr(expected) << ", got "
                           << shapeStr(type.getShape());
}

/// "<name> element type <t> differs from the <refName> element type <u>".
LogicalResult verifyElementType(Operation *op, StringRef name, Type type,
                                StringRef refName, Type expected) {
  Type element = getElementTypeOrSelf(type);
  if (element == expected)
    return success();
  return op->emitOpError() << name << " element type " << element
                           << " differs from the " << refName
                           << " element type " << expected;
}

} // namespace

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

/// The checks attention and token_importance share on the head counts
/// (dim 1 of `qTy` and `kTy`: positive, one dividing the other) and on the
/// mask (i1 or the query's element type, broadcast to [batch, max(Hq, Hkv),
/// seq_q, seq_kv]).
static LogicalResult verifyHeadsAndMask(Operation *op, RankedTensorType qTy,
                                        RankedTensorType kTy, Value mask) {
  int64_t hq = qTy.getDimSize(1), hkv = kTy.getDimSize(1);
  for (auto [name, heads] : {std::pair{"query", hq}, std::pair{"key", hkv}})
    if (!ShapedType::isDynamic(heads) && heads <= 0)
      return op->emitOpError()
             << name << " head count (dim 1) must be positive, got " << heads;
  if (!headCountsCompatible(hq, hkv))
    return op->emitOpError() << "query heads (dim 1) = " << hq
                             << " and key/value heads (dim 1) = " << hkv
                             << ": one must divide the other";
  if (!mask)
    return success();
  int64_t batch = ShapedType::isDynamic(qTy.getDimSize(0)) ? kTy.getDimSize(0)
                                                           : qTy.getDimSize(0);
  int64_t heads = ShapedType::isDynamic(hq) || ShapedType::isDynamic(hkv)
                      ? ShapedType::kDynamic
                      : std::max(hq, hkv);
  SmallVector<int64_t, 4> scores = {batch, heads, qTy.getDimSize(2),
                                    kTy.getDimSize(2)};
  Type element = qTy.getElementType();
  auto mTy = cast<RankedTensorType>(mask.getType());
  Type mElement = mTy.getElementType();
  if (!mElement.isInteger(1) && mElement != element)
    return op->emitOpError() << "mask element type must be i1 (keep where "
                                "true) or the query element type "
                             << element << " (added to the scores), got "
                             << mElement;
  if (mTy.getRank() < 2 || mTy.getRank() > 4)
    return op->emitOpError() << "mask must have rank 2 to 4 (broadcast to "
                                "[batch, heads, seq_q, seq_kv]), got rank "
                             << mTy.getRank();
  if (std::optional<int64_t> bad =
          findBroadcastMismatch(mTy.getShape(), scores)) {
    static constexpr StringLiteral names[] = {"batch", "heads", "seq_q",
                                              "seq_kv"};
    int64_t target = *bad + 4 - mTy.getRank();
    return op->emitOpError() << "mask dim " << *bad << " has size "
                             << mTy.getDimSize(*bad)
                             << ", which does not broadcast to "
                             << names[target] << " = " << dimStr(scores[target]);
  }
  return success();
}

/// 1/sqrt(head_dim) unless `scale` is given; fails on a dynamic head_dim.
static FailureOr<double> effectiveScale(std::optional<APFloat> scale,
                                        RankedTensorType query) {
  if (scale)
    return scale->convertToDouble();
  int64_t headDim = query.getDimSize(3);
  if (ShapedType::isDynamic(headDim) || headDim <= 0)
    return failure();
  return 1.0 / std::sqrt(static_cast<double>(headDim));
}

LogicalResult AttentionOp::verify() {
  RankedTensorType qTy = getQuery().getType(), kTy = getKey().getType(),
                   vTy = getValue().getType();
  constexpr StringLiteral layout = "[batch, heads, seq, head_dim]";
  if (failed(verifyRank(*this, "query", qTy, 4, layout)) ||
      failed(verifyRank(*this, "key", kTy, 4, layout)) ||
      failed(verifyRank(*this, "value", vTy, 4, layout)))
    return failure();

  Type element = qTy.getElementType();
  if (failed(verifyElementType(*this, "key", kTy, "query", element)) ||
      failed(verifyElementType(*this, "value", vTy, "query", element)))
    return failure();

  if (failed(verifyDimMatch(*this, "key", kTy, 0, "batch", "query",
                            qTy.getDimSize(0))) ||
      failed(verifyDimMatch(*this, "value", vTy, 0, "batch", "query",
                            qTy.getDimSize(0))) ||
      failed(verifyDimMatch(*this, "value", vTy, 1, "heads", "key",
                            kTy.getDimSize(1))) ||
      failed(verifyDimMatch(*this, "value", vTy, 2, "seq", "key",
                            kTy.getDimSize(2))) ||
      failed(verifyDimMatch(*this, "key", kTy, 3, "head_dim", "query",
                            qTy.getDimSize(3))))
    return failure();

  SmallVector<int64_t, 4> inferred =
      inferAttentionResultShape(qTy.getShape(), kTy.getShape(), vTy.getShape());
  if (failed(verifyHeadsAndMask(*this, qTy, kTy, getMask())))
    return failure();
  if (Value lens = getSeqLens()) {
    auto lTy = cast<RankedTensorType>(lens.getType());
    if (failed(verifyShape(*this, "seq_lens", lTy, {inferred[0]}, "[batch]")))
      return failure();
  }

  if (Value offsets = getOffsets()) {
    auto oTy = cast<RankedTensorType>(offsets.getType());
    if (oTy.getRank() != 1)
      return emitOpError() << "offsets must have rank 1 ([sequences + 1]), got "
                              "rank "
                           << oTy.getRank();
    if (getMask() || getSeqLens())
      return emitOpError("offsets (packed variable-length tokens) excludes "
                         "mask and seq_lens");
    if (qTy.getDimSize(0) != 1)
      return emitOpError() << "with offsets, the batch dim (0) must be 1 (the "
                              "packed tokens), got "
                           << dimStr(qTy.getDimSize(0));
    if (failed(verifyDimMatch(*this, "key", kTy, 2, "seq", "query",
                              qTy.getDimSize(2))))
      return failure();
  }

  if (std::optional<APFloat> scale = getScale())
    if (!scale->isFinite())
      return emitOpError("scale must be finite");

  RankedTensorType rTy = getResult().getType();
  if (failed(verifyElementType(*this, "result", rTy, "query", element)) ||
      failed(verifyShape(*this, "result", rTy, inferred,
                         "[batch, max(Hq, Hkv), seq_q, v_head_dim]")))
    return failure();
  return success();
}

FailureOr<double> AttentionOp::getEffectiveScale() {
  return effectiveScale(getScale(), getQuery().getType());
}

//===----------------------------------------------------------------------===//
// PaddingPlanOp, PackTokensOp, UnpackTokensOp
//===----------------------------------------------------------------------===//

LogicalResult PaddingPlanOp::verify() {
  RankedTensorType maskTy = getMask().getType();
  if (failed(verifyRank(*this, "mask", maskTy, 2, "[batch, seq]")))
    return failure();
  int64_t batch = maskTy.getDimSize(0);
  if (failed(verifyShape(*this, "offsets", getOffsets().getType(),
                         {ShapedType::isDynamic(batch) ? batch : batch + 1},
                         "[batch + 1]")) ||
      failed(verifyRank(*this, "tokens", getTokens().getType(), 1,
                        "[valid tokens]")))
    return failure();
  return success();
}

/// The checks pack_tokens and unpack_tokens share: `padded` is
/// [batch, seq, rest...], `packed` is [1, total, rest...] with `total` the
/// size of `tokens`, both of one element type.
static LogicalResult verifyPacking(Operation *op, RankedTensorType padded,
                                   StringRef paddedName,
                                   RankedTensorType packed,
                                   StringRef packedName,
                                   RankedTensorType tokens) {
  if (padded.getRank() < 2)
    return op->emitOpError() << paddedName
                             << " must have rank >= 2 ([batch, seq, ...]), got "
                                "rank "
                             << padded.getRank();
  if (tokens.getRank() != 1)
    return op->emitOpError() << "tokens must have rank 1, got rank "
                             << tokens.getRank();
  if (failed(verifyElementType(op, packedName, packed, paddedName,
                               padded.getElementType())))
    return failure();
  SmallVector<int64_t> expected{1, tokens.getDimSize(0)};
  llvm::append_range(expected, padded.getShape().drop_front(2));
  return verifyShape(op, packedName, packed, expected,
                     "[1, tokens, " + paddedName.str() + ".shape[2:]...]");
}

LogicalResult PackTokensOp::verify() {
  return verifyPacking(*this, getInput().getType(), "input",
                       getResult().getType(), "result",
                       getTokens().getType());
}

LogicalResult UnpackTokensOp::verify() {
  RankedTensorType resultTy = getResult().getType(),
                   maskTy = getMask().getType();
  if (failed(verifyPacking(*this, resultTy, "result", getInput().getType(),
                           "input", getTokens().getType())) ||
      failed(verifyRank(*this, "mask", maskTy, 2, "[batch, seq]")) ||
      failed(verifyDimMatch(*this, "result", resultTy, 0, "batch", "mask",
                            maskTy.getDimSize(0))) ||
      failed(verifyDimMatch(*this, "result", resultTy, 1, "seq", "mask",
                            maskTy.getDimSize(1))))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// TokenImportanceOp, TopTokensOp, GatherTokensOp
//===----------------------------------------------------------------------===//

LogicalResult TokenImportanceOp::verify() {
  RankedTensorType qTy = getQuery().getType(), kTy = getKey().getType();
  constexpr StringLiteral layout = "[batch, heads, seq, head_dim]";
  if (failed(verifyRank(*this, "query", qTy, 4, layout)) ||
      failed(verifyRank(*this, "key", kTy, 4, layout)) ||
      failed(verifyElementType(*this, "key", kTy, "query",
                               qTy.getElementType())) ||
      failed(verifyDimMatch(*this, "key", kTy, 0, "batch", "query",
                            qTy.getDimSize(0))) ||
      failed(verifyDimMatch(*this, "key", kTy, 3, "head_dim", "query",
                            qTy.getDimSize(3))) ||
      failed(verifyHeadsAndMask(*this, qTy, kTy, getMask())))
    return failure();
  int64_t iterations = getIterationsAttr().getInt();
  if (iterations < 1)
    return emitOpError() << "iterations must be at least 1, got "
                         << iterations;
  int64_t seqQ = qTy.getDimSize(2), seqKV = kTy.getDimSize(2);
  if (iterations > 1 && !dimsCompatible(seqQ, seqKV))
    return emitOpError() << "iterations > 1 pass importance from keys back to "
                            "queries: seq_q (" << dimStr(seqQ)
                         << ") must equal seq_kv (" << dimStr(seqKV) << ")";
  if (std::optional<APFloat> scale = getScale())
    if (!scale->isFinite())
      return emitOpError("scale must be finite");
  RankedTensorType rTy = getResult().getType();
  if (failed(verifyElementType(*this, "result", rTy, "query",
                               qTy.getElementType())) ||
      failed(verifyShape(*this, "result", rTy,
                         {qTy.getDimSize(0), kTy.getDimSize(2)},
                         "[batch, seq_kv]")))
    return failure();
  return success();
}

FailureOr<double> TokenImportanceOp::getEffectiveScale() {
  return effectiveScale(getScale(), getQuery().getType());
}

LogicalResult TopTokensOp::verify() {
  RankedTensorType sTy = getScores().getType();
  if (failed(verifyRank(*this, "scores", sTy, 2, "[batch, seq]")))
    return failure();
  int64_t count = getCountAttr().getInt(), protect = getProtectAttr().getInt();
  int64_t seq = sTy.getDimSize(1);
  if (protect < 0 || protect > count)
    return emitOpError() << "protect must be in [0, count = " << count
                         << "], got " << protect;
  if (count < 1 || (!ShapedType::isDynamic(seq) && count > seq))
    return emitOpError() << "count must be in [1, seq = " << dimStr(seq)
                         << "], got " << count;
  return verifyShape(*this, "result", getResult().getType(),
                     {sTy.getDimSize(0), count}, "[batch, count]");
}

LogicalResult GatherTokensOp::verify() {
  RankedTensorType inTy = getInput().getType(),
                   idxTy = getIndices().getType();
  int64_t dim = getDimAttr().getInt();
  if (dim < 1 || dim >= inTy.getRank())
    return emitOpError() << "dim must name a token dim of the input, in [1, "
                         << inTy.getRank() << "), got " << dim;
  if (failed(verifyRank(*this, "indices", idxTy, 2, "[batch, count]")) ||
      failed(verifyDimMatch(*this, "indices", idxTy, 0, "batch", "input",
                            inTy.getDimSize(0))) ||
      failed(verifyElementType(*this, "result", getResult().getType(),
                               "input", inTy.getElementType())))
    return failure();
  SmallVector<int64_t> expected(inTy.getShape());
  expected[dim] = idxTy.getDimSize(1);
  return verifyShape(*this, "result", getResult().getType(), expected,
                     "input.shape with dim " + std::to_string(dim) +
                         " = count");
}

LogicalResult MergePlanOp::verify() {
  RankedTensorType kTy = getKey().getType();
  if (failed(verifyRank(*this, "key", kTy, 4,
                        "[batch, heads, seq, head_dim]")))
    return failure();
  int64_t merge = getMergeAttr().getInt(), protect = getProtectAttr().getInt();
  int64_t batch = kTy.getDimSize(0), seq = kTy.getDimSize(2);
  if (merge < 0 || protect < 0)
    return emitOpError() << "merge and protect must be >= 0, got " << merge
                         << " and " << protect;
  if (!ShapedType::isDynamic(seq)) {
    // At most one token of A (even, unprotected) merges per token, and only
    // when B (odd, unprotected) has one to merge into.
    int64_t setA = 0, setB = 0;
    for (int64_t i = protect; i < seq; ++i)
      ++(i % 2 ? setB : setA);
    if (merge > (setB ? setA : 0))
      return emitOpError() << "cannot merge " << merge << " of " << seq
                           << " tokens with " << protect
                           << " protected: at most " << (setB ? setA : 0)
                           << " (the unprotected tokens at even indices)";
  }
  return failure(
      failed(verifyShape(*this, "dst", getDst().getType(), {batch, seq},
                         "[batch, seq]")) ||
      failed(verifyShape(*this, "kept", getKept().getType(),
                         {batch, ShapedType::isDynamic(seq)
                                     ? ShapedType::kDynamic
                                     : seq - merge},
                         "[batch, seq - merge]")));
}

LogicalResult MergeTokensOp::verify() {
  RankedTensorType inTy = getInput().getType(), dstTy = getDst().getType();
  int64_t dim = getDimAttr().getInt();
  if (dim < 1 || dim >= inTy.getRank())
    return emitOpError() << "dim must name a token dim of the input, in [1, "
                         << inTy.getRank() << "), got " << dim;
  if (failed(verifyShape(*this, "dst", dstTy,
                         {inTy.getDimSize(0), inTy.getDimSize(dim)},
                         "[batch, seq]")))
    return failure();
  if (Value weights = getWeights())
    if (failed(verifyShape(*this, "weights",
                           cast<RankedTensorType>(weights.getType()),
                           {inTy.getDimSize(0), inTy.getDimSize(dim)},
                           "[batch, seq]")) ||
        failed(verifyElementType(*this, "weights", weights.getType(), "input",
                                 inTy.getElementType())))
      return failure();
  RankedTensorType rTy = getResult().getType();
  if (failed(verifyElementType(*this, "result", rTy, "input",
                               inTy.getElementType())))
    return failure();
  SmallVector<int64_t> expected(inTy.getShape());
  expected[dim] = rTy.getRank() == inTy.getRank() ? rTy.getDimSize(dim)
                                                  : ShapedType::kDynamic;
  return verifyShape(*this, "result", rTy, expected,
                     "input.shape with dim " + std::to_string(dim) +
                         " = slots");
}

//===----------------------------------------------------------------------===//
// LayerNormOp, RMSNormOp, CompressedRMSNormOp
//===----------------------------------------------------------------------===//

template <typename NormOp>
static LogicalResult verifyNorm(NormOp op) {
  RankedTensorType type = op.getInput().getType();
  std::optional<int64_t> axis =
      normalizeAxis(op.getSignedAxis(), type.getRank());
  if (!axis)
    return op.emitOpError() << "axis " << op.getSignedAxis()
                            << " is out of range for an input of rank "
                            << type.getRank();
  APFloat epsilon = op.getEpsilon();
  if (!epsilon.isFinite() || epsilon.isNegative() || epsilon.isZero())
    return op.emitOpError() << "epsilon must be positive and finite, got "
                            << epsilon.convertToDouble();

  ArrayRef<int64_t> normalized = type.getShape().drop_front(*axis);
  std::string layout =
      "input.shape[" + std::to_string(*axis) + ":] (the normalized dims)";
  for (auto [name, value] : {std::pair{"weight", op.getWeight()},
                             std::pair{"bias", op.getBias()}}) {
    if (!value)
      continue;
    auto vTy = cast<RankedTensorType>(value.getType());
    if (failed(verifyElementType(op, name, vTy, "input",
                                 type.getElementType())) ||
        failed(verifyShape(op, name, vTy, normalized, layout)))
      return failure();
  }
  return success();
}

LogicalResult LayerNormOp::verify() { return verifyNorm(*this); }
LogicalResult RMSNormOp::verify() { return verifyNorm(*this); }

LogicalResult CompressedRMSNormOp::verify() {
  RankedTensorType type = getInput().getType();
  RankedTensorType resultType = getType();
  if (type.getRank() == 0)
    return emitOpError() << "input must have at least one dim";
  if (failed(verifyElementType(*this, "result", resultType, "input",
                               type.getElementType())))
    return failure();
  SmallVector<int64_t> expected(type.getShape());
  int64_t &last = expected.back();
  last = ShapedType::isDynamic(last) ? last : last + 1;
  if (failed(verifyShape(*this, "result", resultType, expected,
                         "input.shape with one more entry in the last dim")))
    return failure();
  APFloat epsilon = getEpsilon();
  if (!epsilon.isFinite() || epsilon.isNegative() || epsilon.isZero())
    return emitOpError() << "epsilon must be positive and finite, got "
                         << epsilon.convertToDouble();
  for (auto [name, value] : {std::pair{"weight", getWeight()},
                             std::pair{"bias", getBias()}}) {
    if (!value)
      continue;
    auto vTy = cast<RankedTensorType>(value.getType());
    if (failed(verifyElementType(*this, name, vTy, "input",
                                 type.getElementType())) ||
        failed(verifyShape(*this, name, vTy, {resultType.getShape().back()},
                           "[result.shape[-1]]")))
      return failure();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// RopeOp
//===----------------------------------------------------------------------===//

LogicalResult RopeOp::verify() {
  RankedTensorType xTy = getInput().getType();
  RankedTensorType cosTy = getCos().getType(), sinTy = getSin().getType();
  if (failed(verifyRank(*this, "input", xTy, 4,
                        "[batch, heads, seq, head_dim]")))
    return failure();
  if (cosTy != sinTy)
    return emitOpError() << "cos and sin must have the same type, got " << cosTy
                         << " and " << sinTy;
  if (failed(verifyElementType(*this, "cos/sin", cosTy, "input",
                               xTy.getElementType())))
    return failure();
  if (cosTy.getRank() != 2 && cosTy.getRank() != 3)
    return emitOpError() << "cos/sin must have rank 2 ([max_positions, "
                            "rotary_dim / 2]) or 3 ([batch, seq, rotary_dim "
                            "/ 2]), got rank "
                         << cosTy.getRank();

  int64_t batch = xTy.getDimSize(0), seq = xTy.getDimSize(2),
          headDim = xTy.getDimSize(3);
  int64_t rotaryDim = getRotaryDim().value_or(headDim);
  if (!ShapedType::isDynamic(rotaryDim)) {
    if (rotaryDim <= 0 || rotaryDim % 2 != 0)
      return emitOpError() << "rotary_dim " << rotaryDim
                           << " must be positive and even (features rotate "
                              "in pairs)";
    if (!ShapedType::isDynamic(headDim) && rotaryDim > headDim)
      return emitOpError() << "rotary_dim " << rotaryDim
                           << " exceeds head_dim " << headDim;
  }
  int64_t half = cosTy.getShape().back();
  if (!ShapedType::isDynamic(rotaryDim) && !ShapedType::isDynamic(half) &&
      2 * half != rotaryDim)
    return emitOpError() << "cos/sin last dim " << half
                         << " must be rotary_dim / 2 = " << rotaryDim / 2;

  if (cosTy.getRank() == 3) {
    if (getPositions())
      return emitOpError("positions cannot be combined with rank-3 cos/sin, "
                         "which are already per token");
    int64_t cosBatch = cosTy.getDimSize(0) == 1 ? 1 : batch;
    return verifyShape(*this, "cos/sin", cosTy, {cosBatch, seq, half},
                       "[batch or 1, seq, rotary_dim / 2]");
  }
  if (Value positions = getPositions()) {
    auto pTy = cast<RankedTensorType>(positions.getType());
    int64_t pBatch = pTy.getRank() == 2 && pTy.getDimSize(0) == 1 ? 1 : batch;
    return verifyShape(*this, "positions", pTy, {pBatch, seq},
                       "[batch or 1, seq]");
  }
  int64_t table = cosTy.getDimSize(0);
  if (!ShapedType::isDynamic(table) && !ShapedType::isDynamic(seq) &&
      table < seq)
    return emitOpError() << "cos/sin table has " << table
                         << " positions, but the sequence has " << seq
                         << " tokens and no positions are given";
  return success();
}

//===----------------------------------------------------------------------===//
// SelectiveScanOp
//===----------------------------------------------------------------------===//

LogicalResult SelectiveScanOp::verify() {
  RankedTensorType xTy = getX().getType();
  if (failed(verifyRank(*this, "x", xTy, 3, "[batch, seq, channels]")) ||
      failed(verifyRank(*this, "A", getA().getType(), 2,
                        "[channels, d_state]")))
    return failure();
  Type element = xTy.getElementType();
  int64_t batch = xTy.getDimSize(0), seq = xTy.getDimSize(1),
          channels = xTy.getDimSize(2);
  int64_t state = getA().getType().getDimSize(1);

  SmallVector<int64_t> tokens = {batch, seq, channels};
  SmallVector<int64_t> perStep = {batch, seq, state};
  SmallVector<int64_t> states = {batch, channels, state};
  SmallVector<int64_t> perChannel = {channels};
  SmallVector<int64_t> aShape = {channels, state};
  struct Expected {
    StringRef name;
    Value value;
    ArrayRef<int64_t> shape;
    StringRef layout;
  };
  Expected operands[] = {
      {"delta", getDelta(), tokens, "[batch, seq, channels]"},
      {"A", getA(), aShape, "[channels, d_state]"},
      {"B", getB(), perStep, "[batch, seq, d_state]"},
      {"C", getC(), perStep, "[batch, seq, d_state]"},
      {"D", getD(), perChannel, "[channels]"},
      {"z", getZ(), tokens, "[batch, seq, channels]"},
      {"delta_bias", getDeltaBias(), perChannel, "[channels]"},
      {"initial_state", getInitialState(), states,
       "[batch, channels, d_state]"},
      {"y", getY(), tokens, "[batch, seq, channels]"},
      {"final_state", getFinalState(), states, "[batch, channels, d_state]"},
  };
  for (const Expected &e : operands) {
    if (!e.value)
      continue;
    auto type = cast<RankedTensorType>(e.value.getType());
    if (failed(verifyElementType(*this, e.name, type, "x", element)) ||
        failed(verifyShape(*this, e.name, type, e.shape, e.layout)))
      return failure();
  }
  return success();
}

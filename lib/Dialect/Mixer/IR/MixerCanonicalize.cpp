//===- MixerCanonicalize.cpp - Canonicalization of the mixer ops ----------===//
//
// Only exact identities: each pattern removes an operand or attribute that
// provably does not change any result bit that matters (rewrites that change
// numbers are opt-in passes, never canonicalizers).
//
//===----------------------------------------------------------------------===//

#include "mixer/Dialect/Mixer/IR/MixerOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mixer;

/// Returns the constant splat that `value` is defined by, if any.
static std::optional<Attribute> getConstantSplat(Value value) {
  DenseElementsAttr attr;
  if (!value || !matchPattern(value, m_Constant(&attr)) || !attr.isSplat())
    return std::nullopt;
  return attr.getSplatValue<Attribute>();
}

static bool isSplatFloat(Value value, double expected) {
  std::optional<Attribute> splat = getConstantSplat(value);
  auto f = dyn_cast_if_present<FloatAttr>(splat.value_or(Attribute()));
  return f && f.getValue().convertToDouble() == expected;
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

namespace {

/// With one query and bottom-right causal alignment, the query may attend
/// every key: `causal` is a no-op.
struct DropCausalOfSingleQuery : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getCausal() || op.getQuery().getType().getDimSize(2) != 1)
      return failure();
    rewriter.modifyOpInPlace(op, [&] { op.setCausal(false); });
    return success();
  }
};

/// An additive mask of zeros or a boolean mask of all-true keeps every score.
struct DropNeutralMask : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<Attribute> splat = getConstantSplat(op.getMask());
    if (!splat)
      return failure();
    bool neutral = false;
    if (auto b = dyn_cast<BoolAttr>(*splat))
      neutral = b.getValue();
    else if (auto i = dyn_cast<IntegerAttr>(*splat))
      neutral = i.getType().isInteger(1) && i.getValue().isOne();
    else if (auto f = dyn_cast<FloatAttr>(*splat))
      neutral = f.getValue().isZero();
    if (!neutral)
      return failure();
    rewriter.modifyOpInPlace(op, [&] { op.getMaskMutable().clear(); });
    return success();
  }
};

/// Lengths that cover every key/value position ignore nothing.
struct DropFullSeqLens : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    DenseIntElementsAttr lens;
    int64_t seqKV = op.getKey().getType().getDimSize(2);
    if (!op.getSeqLens() || ShapedType::isDynamic(seqKV) ||
        !matchPattern(op.getSeqLens(), m_Constant(&lens)))
      return failure();
    if (!llvm::all_of(lens.getValues<APInt>(), [&](const APInt &len) {
          return len.getSExtValue() >= seqKV;
        }))
      return failure();
    rewriter.modifyOpInPlace(op, [&] { op.getSeqLensMutable().clear(); });
    return success();
  }
};

} // namespace

void AttentionOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<DropCausalOfSingleQuery, DropNeutralMask, DropFullSeqLens>(
      context);
}

//===----------------------------------------------------------------------===//
// LayerNormOp, RMSNormOp, CompressedRMSNormOp
//===----------------------------------------------------------------------===//

namespace {

/// A weight of ones and a bias of zeros are the identity (x * 1 == x and
/// x + 0 == x hold exactly in IEEE arithmetic).
template <typename NormOp>
struct DropIdentityAffine : OpRewritePattern<NormOp> {
  using OpRewritePattern<NormOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(NormOp op,
                                PatternRewriter &rewriter) const override {
    bool dropWeight = isSplatFloat(op.getWeight(), 1.0);
    bool dropBias = isSplatFloat(op.getBias(), 0.0);
    if (!dropWeight && !dropBias)
      return failure();
    rewriter.modifyOpInPlace(op, [&] {
      if (dropWeight)
        op.getWeightMutable().clear();
      if (dropBias)
        op.getBiasMutable().clear();
    });
    return success();
  }
};

} // namespace

void LayerNormOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<DropIdentityAffine<LayerNormOp>>(context);
}

void RMSNormOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *context) {
  results.add<DropIdentityAffine<RMSNormOp>>(context);
}

void CompressedRMSNormOp::getCanonicalizationPatterns(
    RewritePatternSet &results, MLIRContext *context) {
  results.add<DropIdentityAffine<CompressedRMSNormOp>>(context);
}

//===----------------------------------------------------------------------===//
// RopeOp
//===----------------------------------------------------------------------===//

namespace {

/// `rotary_dim` equal to the static head_dim is the default: drop it so that
/// equal ops print (and CSE) alike.
struct DropDefaultRotaryDim : OpRewritePattern<RopeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RopeOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<uint64_t> rotaryDim = op.getRotaryDim();
    if (!rotaryDim ||
        static_cast<int64_t>(*rotaryDim) !=
            op.getInput().getType().getDimSize(3))
      return failure();
    rewriter.modifyOpInPlace(op, [&] { op.removeRotaryDimAttr(); });
    return success();
  }
};

} // namespace

void RopeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                         MLIRContext *context) {
  results.add<DropDefaultRotaryDim>(context);
}

//===----------------------------------------------------------------------===//
// SelectiveScanOp
//===----------------------------------------------------------------------===//

namespace {

/// A delta bias of zeros adds nothing.
struct DropZeroDeltaBias : OpRewritePattern<SelectiveScanOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SelectiveScanOp op,
                                PatternRewriter &rewriter) const override {
    if (!isSplatFloat(op.getDeltaBias(), 0.0))
      return failure();
    rewriter.modifyOpInPlace(op, [&] { op.getDeltaBiasMutable().clear(); });
    return success();
  }
};

} // namespace

void SelectiveScanOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                                  MLIRContext *context) {
  results.add<DropZeroDeltaBias>(context);
}

//===- NormToLinalg.cpp - mixer.layer_norm / rms_norm to linalg -----------===//
//
// A norm over the trailing dims [axis, rank) becomes one or two reductions to
// a per-row statistic (mean and variance, or mean of squares), accumulated in
// f32 for 16-bit inputs, and one elementwise pass that normalizes and applies
// the optional weight and bias:
//
//   layer_norm: y = (x - mean) * rsqrt(mean((x - mean)^2) + eps) * w + b
//   rms_norm:   y = x * rsqrt(mean(x^2) + eps) * w + b
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "mixer/Conversion/MixerToLinalg/MixerToLinalg.h"
#include "mixer/Dialect/Mixer/IR/MixerOps.h"

using namespace mlir;
using namespace mixer::lowering;

namespace mixer {
namespace {

/// Loop structure shared by the statistics and the normalization: rows are
/// the dims before `axis`, features the dims from it.
struct NormLoops {
  int64_t rank, axis;
  AffineMap identity, row, feature;
};

NormLoops getNormLoops(MLIRContext *ctx, int64_t rank, int64_t axis) {
  NormLoops loops{rank, axis, AffineMap::getMultiDimIdentityMap(rank, ctx),
                  AffineMap(), AffineMap()};
  SmallVector<AffineExpr> rowExprs, featureExprs;
  for (int64_t d = 0; d < rank; ++d)
    (d < axis ? rowExprs : featureExprs).push_back(getAffineDimExpr(d, ctx));
  loops.row = AffineMap::get(rank, 0, rowExprs, ctx);
  loops.feature = AffineMap::get(rank, 0, featureExprs, ctx);
  return loops;
}

/// mean over the features of f(x, rowValue), per row; `rowValue` is an
/// optional per-row operand (the mean, for the variance).
Value buildRowMean(OpBuilder &b, Location loc, const NormLoops &loops,
                   ArrayRef<OpFoldResult> dims, Value input, Value rowValue,
                   bool square) {
  Type elemTy = cast<RankedTensorType>(input.getType()).getElementType();
  Type accTy = accumulatorType(elemTy);
  Value zero = floatConstant(b, loc, accTy, 0.0);
  Value sum = createFilled(b, loc, dims.take_front(loops.axis), accTy, zero);
  SmallVector<Value> ins{input};
  SmallVector<AffineMap> maps{loops.identity};
  if (rowValue) {
    ins.push_back(rowValue);
    maps.push_back(loops.row);
  }
  maps.push_back(loops.row);
  Value total =
      buildGeneric(b, loc, ins, sum, maps,
          iterators(loops.axis, loops.rank - loops.axis),
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            Value x = convertFloat(nb, nloc, args[0], accTy);
            if (rowValue)
              x = arith::SubFOp::create(nb, nloc, x, args[1]);
            if (square)
              x = arith::MulFOp::create(nb, nloc, x, x);
            Value acc = arith::AddFOp::create(nb, nloc, args.back(), x);
            linalg::YieldOp::create(nb, nloc, acc);
          });

  // (A separate pass rather than the reduction's outs read in place: the
  // elementwise fusion must see a pure producer.)
  Value count = elementCount(b, loc, dims, loops.axis, accTy);
  AffineMap rowIdentity =
      AffineMap::getMultiDimIdentityMap(loops.axis, b.getContext());
  return buildGeneric(
      b, loc, total, createEmpty(b, loc, dims.take_front(loops.axis), accTy),
      {rowIdentity, rowIdentity}, iterators(loops.axis),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value mean = arith::DivFOp::create(nb, nloc, args[0], count);
        linalg::YieldOp::create(nb, nloc, mean);
      });
}

template <typename NormOp>
struct NormToLinalg : OpRewritePattern<NormOp> {
  using OpRewritePattern<NormOp>::OpRewritePattern;
  static constexpr bool kCentered = std::is_same_v<NormOp, LayerNormOp>;

  LogicalResult matchAndRewrite(NormOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = op.getInput();
    auto type = cast<RankedTensorType>(input.getType());
    Type elemTy = type.getElementType();
    Type accTy = accumulatorType(elemTy);
    NormLoops loops =
        getNormLoops(op.getContext(), type.getRank(), op.getNormalizedAxis());
    SmallVector<OpFoldResult> dims = getDims(rewriter, loc, input);

    Value mean = kCentered ? buildRowMean(rewriter, loc, loops, dims, input,
                                          /*rowValue=*/{}, /*square=*/false)
                           : Value();
    Value meanSquare = buildRowMean(rewriter, loc, loops, dims, input, mean,
                                    /*square=*/true);
    Value epsilon = floatConstant(rewriter, loc, accTy,
                                  op.getEpsilon().convertToDouble());

    SmallVector<Value> ins{input, meanSquare};
    SmallVector<AffineMap> maps{loops.identity, loops.row};
    if (mean) {
      ins.push_back(mean);
      maps.push_back(loops.row);
    }
    Value weight = op.getWeight(), bias = op.getBias();
    for (Value affine : {weight, bias}) {
      if (!affine)
        continue;
      ins.push_back(affine);
      maps.push_back(loops.feature);
    }
    maps.push_back(loops.identity);

    Value init = createEmpty(rewriter, loc, dims, elemTy);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, type, ins, init, maps, iterators(loops.rank),
        [&](OpBuilder &b, Location nloc, ValueRange args) {
          unsigned next = 2;
          Value x = convertFloat(b, nloc, args[0], accTy);
          if (mean)
            x = arith::SubFOp::create(b, nloc, x, args[next++]);
          Value var = arith::AddFOp::create(b, nloc, args[1], epsilon);
          Value y = arith::MulFOp::create(b, nloc, x,
                                          math::RsqrtOp::create(b, nloc, var));
          if (weight)
            y = arith::MulFOp::create(
                b, nloc, y, convertFloat(b, nloc, args[next++], accTy));
          if (bias)
            y = arith::AddFOp::create(
                b, nloc, y, convertFloat(b, nloc, args[next++], accTy));
          linalg::YieldOp::create(b, nloc, convertFloat(b, nloc, y, elemTy));
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

} // namespace

void populateNormToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<NormToLinalg<LayerNormOp>, NormToLinalg<RMSNormOp>>(
      patterns.getContext());
}

} // namespace mixer

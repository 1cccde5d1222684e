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
// compressed_rms_norm takes the first D - 1 entries of a zero-mean vector and
// writes all D entries (see CompressedRMSNormToLinalg).
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "mixer/Conversion/MixerToLinalg/MixerToLinalg.h"
#include "mixer/Dialect/Mixer/IR/MixerOps.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"

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

/// The sum over the features of f(x, rowValue), per row, in the accumulator
/// type; `rowValue` is an optional per-row operand (the mean, for the
/// variance) subtracted from x, and `square` squares the result.
Value buildRowSum(OpBuilder &b, Location loc, const NormLoops &loops,
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
  return buildGeneric(
      b, loc, ins, sum, maps, iterators(loops.axis, loops.rank - loops.axis),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value x = convertFloat(nb, nloc, args[0], accTy);
        if (rowValue)
          x = arith::SubFOp::create(nb, nloc, x, args[1]);
        if (square)
          x = arith::MulFOp::create(nb, nloc, x, x);
        Value acc = arith::AddFOp::create(nb, nloc, args.back(), x);
        linalg::YieldOp::create(nb, nloc, acc);
      });
}

/// f applied to the per-row values `rows` (a separate pass rather than the
/// reduction's outs read in place: the elementwise fusion must see a pure
/// producer).
Value mapRows(OpBuilder &b, Location loc, const NormLoops &loops,
              ArrayRef<OpFoldResult> dims, ValueRange rows,
              llvm::function_ref<Value(OpBuilder &, Location, ValueRange)> f) {
  Type accTy = cast<RankedTensorType>(rows[0].getType()).getElementType();
  AffineMap rowIdentity =
      AffineMap::getMultiDimIdentityMap(loops.axis, b.getContext());
  SmallVector<AffineMap> maps(rows.size() + 1, rowIdentity);
  return buildGeneric(
      b, loc, rows, createEmpty(b, loc, dims.take_front(loops.axis), accTy),
      maps, iterators(loops.axis),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc,
                                f(nb, nloc, args.drop_back()));
      });
}

/// mean over the features of f(x, rowValue), per row.
Value buildRowMean(OpBuilder &b, Location loc, const NormLoops &loops,
                   ArrayRef<OpFoldResult> dims, Value input, Value rowValue,
                   bool square) {
  Value total = buildRowSum(b, loc, loops, dims, input, rowValue, square);
  Type accTy = cast<RankedTensorType>(total.getType()).getElementType();
  Value count = elementCount(b, loc, dims, loops.axis, accTy);
  return mapRows(b, loc, loops, dims, total,
                 [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
                   return arith::DivFOp::create(nb, nloc, args[0], count);
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

/// mixer.compressed_rms_norm: with s1 = sum(x) and s2 = sum(x^2) per row and
/// r = rsqrt((s2 + s1^2) / D + eps), the first D - 1 outputs are
/// x * r * w + b and the last one is -s1 * r * w[D-1] + b[D-1]; the two
/// parts are computed separately and inserted into the result.
struct CompressedRMSNormToLinalg : OpRewritePattern<CompressedRMSNormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(CompressedRMSNormOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = op.getInput();
    auto type = cast<RankedTensorType>(input.getType());
    Type elemTy = type.getElementType();
    Type accTy = accumulatorType(elemTy);
    int64_t rank = type.getRank();
    NormLoops loops = getNormLoops(op.getContext(), rank, rank - 1);
    SmallVector<OpFoldResult> dims = getDims(rewriter, loc, input);

    Value sum = buildRowSum(rewriter, loc, loops, dims, input, {}, false);
    Value sumSquares = buildRowSum(rewriter, loc, loops, dims, input, {}, true);
    Value one = floatConstant(rewriter, loc, accTy, 1.0);
    Value count = arith::AddFOp::create(
        rewriter, loc, elementCount(rewriter, loc, dims, rank - 1, accTy), one);
    Value epsilon = floatConstant(rewriter, loc, accTy,
                                  op.getEpsilon().convertToDouble());
    Value scale = mapRows(
        rewriter, loc, loops, dims, {sum, sumSquares},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value s1Squared = arith::MulFOp::create(b, l, args[0], args[0]);
          Value total = arith::AddFOp::create(b, l, args[1], s1Squared);
          Value mean = arith::DivFOp::create(b, l, total, count);
          return math::RsqrtOp::create(
              b, l, arith::AddFOp::create(b, l, mean, epsilon));
        });

    // The affine part: the first D - 1 entries as tensors, the last as
    // scalars.
    OpFoldResult features = dims.back();
    Value lastIndex = getValueOrCreateConstantIndexOp(rewriter, loc, features);
    SmallVector<Value> affineHead;
    SmallVector<Value> affineLast;
    for (Value affine : {op.getWeight(), op.getBias()}) {
      if (!affine) {
        affineHead.push_back({});
        affineLast.push_back({});
        continue;
      }
      affineHead.push_back(tensor::ExtractSliceOp::create(
          rewriter, loc, affine, ArrayRef<OpFoldResult>{rewriter.getIndexAttr(0)},
          ArrayRef<OpFoldResult>{features},
          ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1)}));
      affineLast.push_back(convertFloat(
          rewriter, loc,
          tensor::ExtractOp::create(rewriter, loc, affine, lastIndex), accTy));
    }
    auto applyAffine = [&](OpBuilder &b, Location l, Value y, Value w,
                           Value bias) {
      if (w)
        y = arith::MulFOp::create(b, l, y, convertFloat(b, l, w, accTy));
      if (bias)
        y = arith::AddFOp::create(b, l, y, convertFloat(b, l, bias, accTy));
      return convertFloat(b, l, y, elemTy);
    };

    SmallVector<Value> ins{input, scale};
    SmallVector<AffineMap> maps{loops.identity, loops.row};
    for (Value affine : affineHead)
      if (affine) {
        ins.push_back(affine);
        maps.push_back(loops.feature);
      }
    maps.push_back(loops.identity);
    Value head = buildGeneric(
        rewriter, loc, ins, createEmpty(rewriter, loc, dims, elemTy), maps,
        iterators(rank), [&](OpBuilder &b, Location l, ValueRange args) {
          unsigned next = 2;
          Value y = arith::MulFOp::create(
              b, l, convertFloat(b, l, args[0], accTy), args[1]);
          Value w = affineHead[0] ? args[next++] : Value();
          Value bias = affineHead[1] ? args[next++] : Value();
          linalg::YieldOp::create(b, l, applyAffine(b, l, y, w, bias));
        });

    SmallVector<OpFoldResult> rows(ArrayRef(dims).drop_back());
    AffineMap rowIdentity =
        AffineMap::getMultiDimIdentityMap(rank - 1, rewriter.getContext());
    Value last = buildGeneric(
        rewriter, loc, ValueRange{sum, scale},
        createEmpty(rewriter, loc, rows, elemTy),
        {rowIdentity, rowIdentity, rowIdentity}, iterators(rank - 1),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value y = arith::MulFOp::create(
              b, l, arith::NegFOp::create(b, l, args[0]), args[1]);
          linalg::YieldOp::create(
              b, l, applyAffine(b, l, y, affineLast[0], affineLast[1]));
        });

    SmallVector<OpFoldResult> resultDims(dims);
    if (std::optional<int64_t> d = getConstantIntValue(features))
      resultDims.back() = rewriter.getIndexAttr(*d + 1);
    else
      resultDims.back() = arith::AddIOp::create(
                              rewriter, loc, lastIndex,
                              arith::ConstantIndexOp::create(rewriter, loc, 1))
                              .getResult();
    Value result = createEmpty(rewriter, loc, resultDims, elemTy);
    SmallVector<OpFoldResult> zeros(rank, rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> ones(rank, rewriter.getIndexAttr(1));
    result = tensor::InsertSliceOp::create(rewriter, loc, head, result, zeros,
                                           dims, ones);
    SmallVector<OpFoldResult> lastOffsets(zeros), lastSizes(dims);
    lastOffsets.back() = features;
    lastSizes.back() = rewriter.getIndexAttr(1);
    result = tensor::InsertSliceOp::create(rewriter, loc, last, result,
                                           lastOffsets, lastSizes, ones);
    rewriter.replaceOpWithNewOp<tensor::CastOp>(op, op.getType(), result);
    return success();
  }
};

} // namespace

void populateNormToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<NormToLinalg<LayerNormOp>, NormToLinalg<RMSNormOp>,
               CompressedRMSNormToLinalg>(patterns.getContext());
}

} // namespace mixer

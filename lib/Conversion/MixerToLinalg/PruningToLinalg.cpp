//===- PruningToLinalg.cpp - token_importance, top/gather_tokens ----------===//
//
// The three ops --mixer-prune-tokens builds, on tensors:
//
//   token_importance: the attention probabilities of the reference lowering
//                     (AttentionToLinalg.cpp's buildProbabilities),
//                     averaged over heads into A [batch, seq_q, seq_kv],
//                     then `iterations` products s <- Aᵀ s from s = 1/seq_q.
//                     It materializes A: meant for encoder lengths (a few
//                     hundred tokens), once per pruned layer.
//   top_tokens:       rank[j] = #{i : key_i > key_j, or equal and i < j},
//                     key = +inf on the protected prefix; token j is kept
//                     iff rank[j] < count; kept tokens go, in order, to the
//                     slot counting the kept tokens before them. Three
//                     parallel O(seq²) reductions per row: no sort, no
//                     data-dependent control flow.
//   gather_tokens:    a parallel generic reading the input at the index.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "mixer/Conversion/MixerToLinalg/MixerToLinalg.h"
#include "mixer/Dialect/Mixer/IR/MixerOps.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"

#include <limits>

using namespace mlir;
using namespace mixer::lowering;

namespace mixer {
namespace {

struct TokenImportanceToLinalg : OpRewritePattern<TokenImportanceOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(TokenImportanceOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    ScoreOperands operands{
        op.getQuery(),       op.getKey(),         op.getMask(),
        /*seqLens=*/Value(), /*offsets=*/Value(), op.getEffectiveScale()};
    FailureOr<Probabilities> p =
        buildProbabilities(rewriter, loc, op, operands);
    if (failed(p))
      return failure();
    Type elemTy = op.getType().getElementType();
    Type accTy = accumulatorType(elemTy);
    OpFoldResult batch = p->scoreDims[0], seqQ = p->scoreDims[2],
                 seqKV = p->scoreDims[3];
    int64_t heads = *getConstantIntValue(p->scoreDims[1]);
    Value zero = floatConstant(rewriter, loc, accTy, 0.0);
    Value invHeads = floatConstant(rewriter, loc, accTy, 1.0 / heads);
    AffineExpr d0, d1, d2, d3;
    bindDims(ctx, d0, d1, d2, d3);
    auto map = [&](unsigned n, ArrayRef<AffineExpr> exprs) {
      return AffineMap::get(n, 0, exprs, ctx);
    };

    // A[b,i,j] = 1/H sum_h probs[b,h,i,j] / rowSum[b,h,i]  (loops b,i,j,h)
    Value graph = buildGeneric(
        rewriter, loc, ValueRange{p->probs, p->rowSum},
        createFilled(rewriter, loc, {batch, seqQ, seqKV}, accTy, zero),
        {map(4, {d0, d3, d1, d2}), map(4, {d0, d3, d1}), map(4, {d0, d1, d2})},
        iterators(3, 1), [&](OpBuilder &b, Location l, ValueRange args) {
          Value none = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ,
                                             args[1], zero);
          Value share = arith::DivFOp::create(
              b, l, arith::MulFOp::create(b, l, args[0], invHeads), args[1]);
          Value add = arith::SelectOp::create(b, l, none, zero, share);
          linalg::YieldOp::create(
              b, l, arith::AddFOp::create(b, l, args[2], add).getResult());
        });

    // s = 1/seq_q, then s[b,j] = sum_i s[b,i] * A[b,i,j]  (loops b,j,i).
    Value first = elementCount(rewriter, loc, {seqQ}, 0, accTy);
    first = arith::DivFOp::create(
        rewriter, loc, floatConstant(rewriter, loc, accTy, 1.0), first);
    Value scores = createFilled(rewriter, loc, {batch, seqQ}, accTy, first);
    for (int64_t t = 0; t < op.getIterationsAttr().getInt(); ++t)
      scores = buildGeneric(
          rewriter, loc, ValueRange{scores, graph},
          createFilled(rewriter, loc, {batch, seqKV}, accTy, zero),
          {map(3, {d0, d2}), map(3, {d0, d2, d1}), map(3, {d0, d1})},
          iterators(2, 1), [&](OpBuilder &b, Location l, ValueRange args) {
            Value prod = arith::MulFOp::create(b, l, args[0], args[1]);
            linalg::YieldOp::create(
                b, l, arith::AddFOp::create(b, l, args[2], prod).getResult());
          });
    if (accTy != elemTy)
      scores = buildGeneric(rewriter, loc, scores,
                            createEmpty(rewriter, loc, {batch, seqKV}, elemTy),
                            {map(2, {d0, d1}), map(2, {d0, d1})}, iterators(2),
                            [&](OpBuilder &b, Location l, ValueRange args) {
                              linalg::YieldOp::create(
                                  b, l, convertFloat(b, l, args[0], elemTy));
                            });
    rewriter.replaceOp(op, scores);
    return success();
  }
};

struct TopTokensToLinalg : OpRewritePattern<TopTokensOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(TopTokensOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    Value scores = op.getScores();
    Type floatTy = getElementTypeOrSelf(scores.getType());
    Type i64 = rewriter.getI64Type();
    int64_t count = op.getCountAttr().getInt();
    int64_t protect = op.getProtectAttr().getInt();
    OpFoldResult batch = tensor::getMixedSize(rewriter, loc, scores, 0);
    OpFoldResult seq = tensor::getMixedSize(rewriter, loc, scores, 1);
    Value zero = arith::ConstantIntOp::create(rewriter, loc, i64, 0);
    AffineExpr d0, d1, d2;
    bindDims(ctx, d0, d1, d2);
    auto map = [&](ArrayRef<AffineExpr> exprs) {
      return AffineMap::get(3, 0, exprs, ctx);
    };
    auto i64Const = [](OpBuilder &b, Location l, int64_t v) {
      return arith::ConstantIntOp::create(b, l, b.getI64Type(), v);
    };
    auto index = [](OpBuilder &b, Location l, unsigned dim) -> Value {
      return arith::IndexCastOp::create(b, l, b.getI64Type(),
                                        linalg::IndexOp::create(b, l, dim));
    };
    auto add = [&](OpBuilder &b, Location l, Value acc, Value cond) {
      Value one = arith::ExtUIOp::create(b, l, b.getI64Type(), cond);
      linalg::YieldOp::create(
          b, l, arith::AddIOp::create(b, l, acc, one).getResult());
    };

    // rank[b,j] = #{i : key_i beats key_j}  (loops b, j, i).
    Value inf = floatConstant(rewriter, loc, floatTy,
                              std::numeric_limits<double>::infinity());
    Value rank = buildGeneric(
        rewriter, loc, ValueRange{scores, scores},
        createFilled(rewriter, loc, {batch, seq}, i64, zero),
        {map({d0, d2}), map({d0, d1}), map({d0, d1})}, iterators(2, 1),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value i = index(b, l, 2), j = index(b, l, 1);
          Value limit = i64Const(b, l, protect);
          auto key = [&](Value score, Value at) -> Value {
            Value isProtected = arith::CmpIOp::create(
                b, l, arith::CmpIPredicate::slt, at, limit);
            return arith::SelectOp::create(b, l, isProtected, inf, score);
          };
          Value ki = key(args[0], i), kj = key(args[1], j);
          Value greater =
              arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, ki, kj);
          Value equal =
              arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, ki, kj);
          Value before =
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, i, j);
          Value beats = arith::OrIOp::create(
              b, l, greater, arith::AndIOp::create(b, l, equal, before));
          add(b, l, args[2], beats);
        });

    auto isKept = [&](OpBuilder &b, Location l, Value r) -> Value {
      return arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, r,
                                   i64Const(b, l, count));
    };
    // slot[b,j] = #{i < j : i kept}  (loops b, j, i).
    Value slot = buildGeneric(
        rewriter, loc, rank,
        createFilled(rewriter, loc, {batch, seq}, i64, zero),
        {map({d0, d2}), map({d0, d1})}, iterators(2, 1),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value before = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt,
                                               index(b, l, 2), index(b, l, 1));
          add(b, l, args[1],
              arith::AndIOp::create(b, l, before, isKept(b, l, args[0])));
        });
    // out[b,t] = the kept j whose slot is t  (loops b, t, j).
    Value result = buildGeneric(
        rewriter, loc, ValueRange{rank, slot},
        createFilled(rewriter, loc, {batch, rewriter.getIndexAttr(count)}, i64,
                     zero),
        {map({d0, d2}), map({d0, d2}), map({d0, d1})}, iterators(2, 1),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value here = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq,
                                             args[1], index(b, l, 1));
          Value hit = arith::AndIOp::create(b, l, here, isKept(b, l, args[0]));
          Value j = arith::SelectOp::create(b, l, hit, index(b, l, 2),
                                            i64Const(b, l, 0));
          linalg::YieldOp::create(
              b, l, arith::AddIOp::create(b, l, args[2], j).getResult());
        });
    if (result.getType() != op.getType())
      result = tensor::CastOp::create(rewriter, loc, op.getType(), result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct GatherTokensToLinalg : OpRewritePattern<GatherTokensOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(GatherTokensOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    Value input = op.getInput(), indices = op.getIndices();
    auto type = op.getResult().getType();
    int64_t rank = type.getRank(), dim = op.getDimAttr().getInt();
    SmallVector<OpFoldResult> dims = getDims(rewriter, loc, input);
    dims[dim] = tensor::getMixedSize(rewriter, loc, indices, 1);
    Value result = buildGeneric(
        rewriter, loc, indices,
        createEmpty(rewriter, loc, dims, type.getElementType()),
        {AffineMap::get(rank, 0,
                        {getAffineDimExpr(0, ctx), getAffineDimExpr(dim, ctx)},
                        ctx),
         AffineMap::getMultiDimIdentityMap(rank, ctx)},
        iterators(rank), [&](OpBuilder &b, Location l, ValueRange args) {
          SmallVector<Value> at;
          for (int64_t d = 0; d < rank; ++d)
            at.push_back(d == dim ? arith::IndexCastOp::create(
                                        b, l, b.getIndexType(), args[0])
                                        .getResult()
                                  : linalg::IndexOp::create(b, l, d));
          linalg::YieldOp::create(
              b, l, tensor::ExtractOp::create(b, l, input, at).getResult());
        });
    if (result.getType() != type)
      result = tensor::CastOp::create(rewriter, loc, type, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populatePruningToLinalgPatterns(RewritePatternSet &patterns) {
  patterns
      .add<TokenImportanceToLinalg, TopTokensToLinalg, GatherTokensToLinalg>(
          patterns.getContext());
}

} // namespace mixer

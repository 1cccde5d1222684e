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

/// `i64` constants, loop indices and counts the selection lowerings share.
Value i64Const(OpBuilder &b, Location l, int64_t v) {
  return arith::ConstantIntOp::create(b, l, b.getI64Type(), v);
}
Value loopIndex(OpBuilder &b, Location l, unsigned dim) {
  return arith::IndexCastOp::create(b, l, b.getI64Type(),
                                    linalg::IndexOp::create(b, l, dim));
}
Value countIf(OpBuilder &b, Location l, Value acc, Value cond) {
  Value one = arith::ExtUIOp::create(b, l, b.getI64Type(), cond);
  return arith::AddIOp::create(b, l, acc, one);
}

/// Whether a token is kept, from its rank (an i64 scalar in a body).
using KeptFn = function_ref<Value(OpBuilder &, Location, Value)>;

/// The ordered compaction both selections end with, for `rank` ([batch,
/// seq], i64) and `isKept` on a rank: slot[b,i] = #{i' < i : kept}, and
/// kept[b,t] = the kept i whose slot is t ([batch, count]).  Both are
/// O(seq²) parallel counts per row (loops b, i, i' and b, t, i).
std::pair<Value, Value> buildCompaction(OpBuilder &b, Location loc, Value rank,
                                        int64_t count, KeptFn isKept) {
  MLIRContext *ctx = b.getContext();
  AffineExpr d0, d1, d2;
  bindDims(ctx, d0, d1, d2);
  auto map = [&](ArrayRef<AffineExpr> exprs) {
    return AffineMap::get(3, 0, exprs, ctx);
  };
  Type i64 = b.getI64Type();
  Value zero = i64Const(b, loc, 0);
  OpFoldResult batch = tensor::getMixedSize(b, loc, rank, 0);
  OpFoldResult seq = tensor::getMixedSize(b, loc, rank, 1);
  Value slot = buildGeneric(
      b, loc, rank, createFilled(b, loc, {batch, seq}, i64, zero),
      {map({d0, d2}), map({d0, d1})}, iterators(2, 1),
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value before = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt,
                                             loopIndex(nb, l, 2),
                                             loopIndex(nb, l, 1));
        linalg::YieldOp::create(
            nb, l,
            countIf(nb, l, args[1],
                    arith::AndIOp::create(nb, l, before,
                                          isKept(nb, l, args[0]))));
      });
  Value kept = buildGeneric(
      b, loc, ValueRange{rank, slot},
      createFilled(b, loc, {batch, b.getIndexAttr(count)}, i64, zero),
      {map({d0, d2}), map({d0, d2}), map({d0, d1})}, iterators(2, 1),
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value here = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq,
                                           args[1], loopIndex(nb, l, 1));
        Value hit = arith::AndIOp::create(nb, l, here, isKept(nb, l, args[0]));
        Value i = arith::SelectOp::create(nb, l, hit, loopIndex(nb, l, 2),
                                          i64Const(nb, l, 0));
        linalg::YieldOp::create(
            nb, l, arith::AddIOp::create(nb, l, args[2], i).getResult());
      });
  return {slot, kept};
}

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

    // rank[b,j] = #{i : key_i beats key_j}  (loops b, j, i).
    Value inf = floatConstant(rewriter, loc, floatTy,
                              std::numeric_limits<double>::infinity());
    Value rank = buildGeneric(
        rewriter, loc, ValueRange{scores, scores},
        createFilled(rewriter, loc, {batch, seq}, i64, zero),
        {map({d0, d2}), map({d0, d1}), map({d0, d1})}, iterators(2, 1),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value i = loopIndex(b, l, 2), j = loopIndex(b, l, 1);
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
          linalg::YieldOp::create(b, l, countIf(b, l, args[2], beats));
        });

    Value result =
        buildCompaction(rewriter, loc, rank, count,
                        [&](OpBuilder &b, Location l, Value r) -> Value {
                          return arith::CmpIOp::create(
                              b, l, arith::CmpIPredicate::slt, r,
                              i64Const(b, l, count));
                        })
            .second;
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

struct MergePlanToLinalg : OpRewritePattern<MergePlanOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MergePlanOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    Value key = op.getKey();
    Type elemTy = op.getKey().getType().getElementType();
    Type accTy = accumulatorType(elemTy);
    Type i64 = rewriter.getI64Type();
    int64_t merge = op.getMergeAttr().getInt();
    int64_t protect = op.getProtectAttr().getInt();
    OpFoldResult batch = tensor::getMixedSize(rewriter, loc, key, 0);
    OpFoldResult seq = tensor::getMixedSize(rewriter, loc, key, 2);
    OpFoldResult dim = tensor::getMixedSize(rewriter, loc, key, 3);
    Value zero = floatConstant(rewriter, loc, accTy, 0.0);
    Value zeroI = arith::ConstantIntOp::create(rewriter, loc, i64, 0);
    AffineExpr d0, d1, d2, d3;
    bindDims(ctx, d0, d1, d2, d3);
    auto map = [&](unsigned n, ArrayRef<AffineExpr> exprs) {
      return AffineMap::get(n, 0, exprs, ctx);
    };
    auto add = [](OpBuilder &b, Location l, ValueRange args) {
      linalg::YieldOp::create(
          b, l, arith::AddFOp::create(b, l, args[1], args[0]).getResult());
    };

    // m[b,i,d] = sum_h key[b,h,i,d]  (loops b,i,d,h), then m / |m|.
    Value metric = buildGeneric(
        rewriter, loc, key,
        createFilled(rewriter, loc, {batch, seq, dim}, accTy, zero),
        {map(4, {d0, d3, d1, d2}), map(4, {d0, d1, d2})}, iterators(3, 1),
        [&](OpBuilder &b, Location l, ValueRange args) {
          add(b, l, {convertFloat(b, l, args[0], accTy), args[1]});
        });
    Value norm = buildGeneric(
        rewriter, loc, metric,
        createFilled(rewriter, loc, {batch, seq}, accTy, zero),
        {map(3, {d0, d1, d2}), map(3, {d0, d1})}, iterators(2, 1),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value sq = arith::MulFOp::create(b, l, args[0], args[0]);
          linalg::YieldOp::create(
              b, l, arith::AddFOp::create(b, l, args[1], sq).getResult());
        });
    // Kept as [b, d, i] too: the similarity's vector operand.
    Value unitT = buildGeneric(
        rewriter, loc, ValueRange{metric, norm},
        createEmpty(rewriter, loc, {batch, dim, seq}, accTy),
        {map(3, {d0, d2, d1}), map(3, {d0, d2}), map(3, {d0, d1, d2})},
        iterators(3), [&](OpBuilder &b, Location l, ValueRange args) {
          Value none = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ,
                                             args[1], zero);
          Value q = arith::DivFOp::create(
              b, l, args[0], math::SqrtOp::create(b, l, args[1]));
          linalg::YieldOp::create(
              b, l, arith::SelectOp::create(b, l, none, zero, q).getResult());
        });
    Value unit = buildGeneric(
        rewriter, loc, unitT,
        createEmpty(rewriter, loc, {batch, seq, dim}, accTy),
        {map(3, {d0, d2, d1}), map(3, {d0, d1, d2})}, iterators(3),
        [&](OpBuilder &b, Location l, ValueRange args) {
          linalg::YieldOp::create(b, l, args[0]);
        });
    // sim[b,i,j] = sum_d unit[b,i,d] * unitT[b,d,j]  (loops b,i,j,d).
    Value sim = buildGeneric(
        rewriter, loc, ValueRange{unit, unitT},
        createFilled(rewriter, loc, {batch, seq, seq}, accTy, zero),
        {map(4, {d0, d1, d3}), map(4, {d0, d3, d2}), map(4, {d0, d1, d2})},
        iterators(3, 1), [&](OpBuilder &b, Location l, ValueRange args) {
          Value prod = arith::MulFOp::create(b, l, args[0], args[1]);
          linalg::YieldOp::create(
              b, l, arith::AddFOp::create(b, l, args[2], prod).getResult());
        });

    auto inA = [&](OpBuilder &b, Location l, Value i) -> Value {
      Value even = arith::CmpIOp::create(
          b, l, arith::CmpIPredicate::eq,
          arith::AndIOp::create(b, l, i, i64Const(b, l, 1)), i64Const(b, l, 0));
      Value free = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, i,
                                         i64Const(b, l, protect));
      return arith::AndIOp::create(b, l, even, free);
    };
    auto inB = [&](OpBuilder &b, Location l, Value j) -> Value {
      Value odd = arith::CmpIOp::create(
          b, l, arith::CmpIPredicate::eq,
          arith::AndIOp::create(b, l, j, i64Const(b, l, 1)), i64Const(b, l, 1));
      Value free = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, j,
                                         i64Const(b, l, protect));
      return arith::AndIOp::create(b, l, odd, free);
    };

    // best[b,i], nm[b,i]: the most similar j in B (ties: lowest j), in any
    // reduction order.  (loops b, i, j)
    Value negInf = floatConstant(rewriter, loc, accTy,
                                 -std::numeric_limits<double>::infinity());
    Value none = i64Const(rewriter, loc, -1);
    auto best = linalg::GenericOp::create(
        rewriter, loc,
        TypeRange{RankedTensorType::get(
                      {getConstantIntValue(batch).value_or(ShapedType::kDynamic),
                       getConstantIntValue(seq).value_or(ShapedType::kDynamic)},
                      accTy),
                  RankedTensorType::get(
                      {getConstantIntValue(batch).value_or(ShapedType::kDynamic),
                       getConstantIntValue(seq).value_or(ShapedType::kDynamic)},
                      i64)},
        ValueRange{sim},
        ValueRange{createFilled(rewriter, loc, {batch, seq}, accTy, negInf),
                   createFilled(rewriter, loc, {batch, seq}, i64, none)},
        SmallVector<AffineMap>{map(3, {d0, d1, d2}), map(3, {d0, d1}),
                               map(3, {d0, d1})},
        iterators(2, 1), [&](OpBuilder &b, Location l, ValueRange args) {
          Value j = loopIndex(b, l, 2);
          Value greater = arith::CmpFOp::create(
              b, l, arith::CmpFPredicate::OGT, args[0], args[1]);
          Value equal = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ,
                                              args[0], args[1]);
          Value unset = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt,
                                              args[2], i64Const(b, l, 0));
          Value lower = arith::OrIOp::create(
              b, l, unset,
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, j,
                                    args[2]));
          Value better = arith::OrIOp::create(
              b, l, greater, arith::AndIOp::create(b, l, equal, lower));
          Value take = arith::AndIOp::create(b, l, inB(b, l, j), better);
          linalg::YieldOp::create(
              b, l,
              ValueRange{
                  arith::SelectOp::create(b, l, take, args[0], args[1]),
                  arith::SelectOp::create(b, l, take, j, args[2])});
        });
    Value nm = best.getResult(0), partner = best.getResult(1);

    // rank[b,i]: for i in A with a partner, the number of such i' ahead of
    // it (higher nm, or equal and lower index); seq otherwise (kept).
    // (loops b, i, i')
    Value seqI = arith::IndexCastOp::create(
        rewriter, loc, i64, getValueOrCreateConstantIndexOp(rewriter, loc, seq));
    auto candidate = [&](OpBuilder &b, Location l, Value i, Value p) {
      return arith::AndIOp::create(
          b, l, inA(b, l, i),
          arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, p,
                                i64Const(b, l, 0)));
    };
    Value rank = buildGeneric(
        rewriter, loc, ValueRange{nm, partner, nm, partner},
        createFilled(rewriter, loc, {batch, seq}, i64, zeroI),
        {map(3, {d0, d2}), map(3, {d0, d2}), map(3, {d0, d1}),
         map(3, {d0, d1}), map(3, {d0, d1})},
        iterators(2, 1), [&](OpBuilder &b, Location l, ValueRange args) {
          Value other = loopIndex(b, l, 2), self = loopIndex(b, l, 1);
          Value greater = arith::CmpFOp::create(
              b, l, arith::CmpFPredicate::OGT, args[0], args[2]);
          Value equal = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ,
                                              args[0], args[2]);
          Value before = arith::CmpIOp::create(
              b, l, arith::CmpIPredicate::slt, other, self);
          Value ahead = arith::AndIOp::create(
              b, l, candidate(b, l, other, args[1]),
              arith::OrIOp::create(b, l, greater,
                                   arith::AndIOp::create(b, l, equal, before)));
          Value counted = countIf(b, l, args[4], ahead);
          // Not a candidate: ranked past every merge.
          Value isCandidate = candidate(b, l, self, args[3]);
          linalg::YieldOp::create(
              b, l,
              arith::SelectOp::create(b, l, isCandidate, counted, seqI)
                  .getResult());
        });
    auto isKept = [&](OpBuilder &b, Location l, Value r) -> Value {
      return arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, r,
                                   i64Const(b, l, merge));
    };
    auto keptTy = cast<RankedTensorType>(op.getKept().getType());
    Value slot, kept;
    std::tie(slot, kept) =
        buildCompaction(rewriter, loc, rank, keptTy.getDimSize(1), isKept);
    // dst[b,i]: its slot, or its partner's.
    Value dst = buildGeneric(
        rewriter, loc, ValueRange{rank, slot, partner},
        createEmpty(rewriter, loc, {batch, seq}, i64),
        {map(2, {d0, d1}), map(2, {d0, d1}), map(2, {d0, d1}),
         map(2, {d0, d1})},
        iterators(2), [&](OpBuilder &b, Location l, ValueRange args) {
          Value at = arith::IndexCastOp::create(
              b, l, b.getIndexType(),
              arith::MaxSIOp::create(b, l, args[2], i64Const(b, l, 0)));
          Value partnerSlot = tensor::ExtractOp::create(
              b, l, slot, ValueRange{linalg::IndexOp::create(b, l, 0), at});
          linalg::YieldOp::create(
              b, l,
              arith::SelectOp::create(b, l, isKept(b, l, args[0]), args[1],
                                      partnerSlot)
                  .getResult());
        });
    if (dst.getType() != op.getDst().getType())
      dst = tensor::CastOp::create(rewriter, loc, op.getDst().getType(), dst);
    if (kept.getType() != keptTy)
      kept = tensor::CastOp::create(rewriter, loc, keptTy, kept);
    rewriter.replaceOp(op, ValueRange{dst, kept});
    return success();
  }
};

struct MergeTokensToLinalg : OpRewritePattern<MergeTokensOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MergeTokensOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    Value input = op.getInput(), dst = op.getDst(), weights = op.getWeights();
    auto type = op.getResult().getType();
    Type elemTy = type.getElementType();
    Type accTy = accumulatorType(elemTy);
    int64_t rank = type.getRank(), dim = op.getDimAttr().getInt();
    OpFoldResult batch = tensor::getMixedSize(rewriter, loc, input, 0);
    OpFoldResult seq = tensor::getMixedSize(rewriter, loc, input, dim);
    OpFoldResult slots = rewriter.getIndexAttr(type.getDimSize(dim));
    Value zero = floatConstant(rewriter, loc, accTy, 0.0);
    AffineExpr d0, d1, d2;
    bindDims(ctx, d0, d1, d2);
    auto map3 = [&](ArrayRef<AffineExpr> exprs) {
      return AffineMap::get(3, 0, exprs, ctx);
    };

    // W[b,t,i] = w[b,i] where dst[b,i] = t, else 0; with normalize, over
    // the slot's total weight.
    SmallVector<Value> ins{dst};
    SmallVector<AffineMap> maps{map3({d0, d2})};
    if (weights) {
      ins.push_back(weights);
      maps.push_back(map3({d0, d2}));
    }
    maps.push_back(map3({d0, d1, d2}));
    Value matrix = buildGeneric(
        rewriter, loc, ins, createEmpty(rewriter, loc, {batch, slots, seq}, accTy),
        maps, iterators(3), [&](OpBuilder &b, Location l, ValueRange args) {
          Value here = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq,
                                             args[0], loopIndex(b, l, 1));
          Value w = weights ? convertFloat(b, l, args[1], accTy)
                            : floatConstant(b, l, accTy, 1.0);
          linalg::YieldOp::create(
              b, l, arith::SelectOp::create(b, l, here, w, zero).getResult());
        });
    if (op.getNormalize()) {
      Value total = buildGeneric(
          rewriter, loc, matrix,
          createFilled(rewriter, loc, {batch, slots}, accTy, zero),
          {map3({d0, d1, d2}), map3({d0, d1})}, iterators(2, 1),
          [&](OpBuilder &b, Location l, ValueRange args) {
            linalg::YieldOp::create(
                b, l, arith::AddFOp::create(b, l, args[1], args[0]).getResult());
          });
      matrix = buildGeneric(
          rewriter, loc, ValueRange{matrix, total},
          createEmpty(rewriter, loc, {batch, slots, seq}, accTy),
          {map3({d0, d1, d2}), map3({d0, d1}), map3({d0, d1, d2})},
          iterators(3), [&](OpBuilder &b, Location l, ValueRange args) {
            Value empty = arith::CmpFOp::create(
                b, l, arith::CmpFPredicate::OEQ, args[1], zero);
            Value q = arith::DivFOp::create(b, l, args[0], args[1]);
            linalg::YieldOp::create(
                b, l, arith::SelectOp::create(b, l, empty, zero, q).getResult());
          });
    }
    // result[b,...,t,...] = sum_i W[b,t,i] * input[b,...,i,...]: loops are
    // the result's dims then i.
    SmallVector<AffineExpr> inExprs, outExprs;
    for (int64_t d = 0; d < rank; ++d) {
      outExprs.push_back(getAffineDimExpr(d, ctx));
      inExprs.push_back(getAffineDimExpr(d == dim ? rank : d, ctx));
    }
    SmallVector<OpFoldResult> dims = getDims(rewriter, loc, input);
    dims[dim] = slots;
    Value result = buildGeneric(
        rewriter, loc, ValueRange{matrix, input},
        createFilled(rewriter, loc, dims, accTy, zero),
        {AffineMap::get(rank + 1, 0,
                        {getAffineDimExpr(0, ctx), getAffineDimExpr(dim, ctx),
                         getAffineDimExpr(rank, ctx)},
                        ctx),
         AffineMap::get(rank + 1, 0, inExprs, ctx),
         AffineMap::get(rank + 1, 0, outExprs, ctx)},
        iterators(rank, 1), [&](OpBuilder &b, Location l, ValueRange args) {
          Value prod = arith::MulFOp::create(
              b, l, args[0], convertFloat(b, l, args[1], accTy));
          linalg::YieldOp::create(
              b, l, arith::AddFOp::create(b, l, args[2], prod).getResult());
        });
    if (accTy != elemTy) {
      SmallVector<AffineMap> idMaps(
          2, AffineMap::getMultiDimIdentityMap(rank, ctx));
      result = buildGeneric(
          rewriter, loc, result, createEmpty(rewriter, loc, dims, elemTy),
          idMaps, iterators(rank),
          [&](OpBuilder &b, Location l, ValueRange args) {
            linalg::YieldOp::create(b, l, convertFloat(b, l, args[0], elemTy));
          });
    }
    if (result.getType() != type)
      result = tensor::CastOp::create(rewriter, loc, type, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populatePruningToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<TokenImportanceToLinalg, TopTokensToLinalg,
               GatherTokensToLinalg, MergePlanToLinalg, MergeTokensToLinalg>(
      patterns.getContext());
}

} // namespace mixer

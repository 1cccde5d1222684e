//===- AttentionToLinalg.cpp - mixer.attention to linalg ------------------===//
//
// The reference lowering of attention: it materializes the scores
// [batch, heads, seq_q, seq_kv] and runs a max-subtracted softmax over them.
//
//   s = scale * Q·Kᵀ, then the mask / causal / seq_lens limits (-inf)
//   m = max_j s,  p = exp(s - m),  l = sum_j p,  out = (p·V) / l
//
// Head grouping lives in the indexing maps: with g = Hq / Hkv, output head h
// reads query head h and key/value head h floordiv g (GQA/MQA); with
// g = Hkv / Hq it reads query head h floordiv g and key/value head h (SQA).
// Repeated heads are never copied. Reductions accumulate in f32 for 16-bit
// types. A row where no key is visible (l == 0) yields zeros. Packed
// variable-length attention (`offsets`) keeps the scores of the whole packed
// sequence and hides those between tokens of different sequences, by the
// sequence index of each token (--mixer-tile-attention never computes them).
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "mixer/Conversion/MixerToLinalg/MixerToLinalg.h"
#include "mixer/Dialect/Mixer/IR/MixerOps.h"
#include "mixer/Dialect/Mixer/IR/MixerShapes.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mixer::lowering;

namespace mixer {
namespace {

/// The head indices, as affine expressions of the output head loop.
struct HeadExprs {
  AffineExpr query, kv;
};

FailureOr<HeadExprs> getHeadExprs(Operation *op, Value query, Value key,
                                  AffineExpr h) {
  int64_t hq = cast<RankedTensorType>(query.getType()).getDimSize(1);
  int64_t hkv = cast<RankedTensorType>(key.getType()).getDimSize(1);
  if (ShapedType::isDynamic(hq) || ShapedType::isDynamic(hkv))
    return op->emitOpError()
           << "unsupported: the lowering needs static head counts to group "
              "heads, got "
           << (ShapedType::isDynamic(hq) ? std::string("?")
                                         : std::to_string(hq))
           << " query and "
           << (ShapedType::isDynamic(hkv) ? std::string("?")
                                          : std::to_string(hkv))
           << " key/value heads (specialize them with --input-shape)";
  if (hq >= hkv)
    return HeadExprs{h, h.floorDiv(hq / hkv)};
  return HeadExprs{h.floorDiv(hkv / hq), h};
}

/// For packed tokens with sequence boundaries `offsets` ([n + 1]), the
/// sequence index of each of the `tokens` ([tokens], i64): the number of
/// sequences that end at or before the token.
Value buildSegmentIds(OpBuilder &b, Location loc, Value offsets,
                      OpFoldResult tokens) {
  MLIRContext *ctx = b.getContext();
  OpFoldResult count = tensor::getMixedSize(b, loc, offsets, 0);
  Value ends = tensor::ExtractSliceOp::create(
      b, loc, offsets, ArrayRef<OpFoldResult>{b.getIndexAttr(1)},
      ArrayRef<OpFoldResult>{OpFoldResult(arith::SubIOp::create(
          b, loc, getValueOrCreateConstantIndexOp(b, loc, count),
          arith::ConstantIndexOp::create(b, loc, 1))
                                              .getResult())},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  Type i64 = b.getI64Type();
  Value zero = arith::ConstantIntOp::create(b, loc, i64, 0);
  AffineExpr t, s;
  bindDims(ctx, t, s);
  return buildGeneric(
      b, loc, ends, createFilled(b, loc, {tokens}, i64, zero),
      {AffineMap::get(2, 0, {s}, ctx), AffineMap::get(2, 0, {t}, ctx)},
      iterators(1, 1), [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value end = arith::IndexCastOp::create(nb, nl, nb.getIndexType(),
                                               args[0]);
        Value ended = arith::CmpIOp::create(
            nb, nl, arith::CmpIPredicate::sle, end,
            linalg::IndexOp::create(nb, nl, 0));
        Value inc = arith::ExtUIOp::create(nb, nl, nb.getI64Type(), ended);
        linalg::YieldOp::create(
            nb, nl, arith::AddIOp::create(nb, nl, args[1], inc).getResult());
      });
}

/// 1/sqrt(head_dim), from the attribute or from the query's last dim.
Value buildScale(OpBuilder &b, Location loc, const ScoreOperands &operands,
                 Type accTy) {
  if (succeeded(operands.scale))
    return floatConstant(b, loc, accTy, *operands.scale);
  Value headDim = tensor::DimOp::create(b, loc, operands.query, 3);
  Value asInt = arith::IndexCastOp::create(b, loc, b.getI64Type(), headDim);
  Value asFloat = arith::SIToFPOp::create(b, loc, accTy, asInt);
  return math::RsqrtOp::create(b, loc, asFloat);
}

/// scale * s, then mask (added, or -inf where false), causal and seq_lens
/// limits (-inf outside).
Value buildMaskedScores(OpBuilder &rewriter, Location loc,
                        const ScoreOperands &operands, Value scores,
                        ArrayRef<OpFoldResult> scoreDims, Type accTy,
                        Value negInf) {
  MLIRContext *ctx = rewriter.getContext();
  Value scale = buildScale(rewriter, loc, operands, accTy);
  AffineMap identity = AffineMap::getMultiDimIdentityMap(4, ctx);
  SmallVector<Value> ins{scores};
  SmallVector<AffineMap> maps{identity};
  Value mask = operands.mask, seqLens = operands.seqLens;
  if (mask) {
    SmallVector<int64_t> loopSizes;
    for (OpFoldResult dim : scoreDims)
      loopSizes.push_back(
          getConstantIntValue(dim).value_or(ShapedType::kDynamic));
    ins.push_back(mask);
    maps.push_back(broadcastMap(
        ctx, cast<RankedTensorType>(mask.getType()), loopSizes));
  }
  if (seqLens) {
    ins.push_back(seqLens);
    maps.push_back(AffineMap::get(4, 0, getAffineDimExpr(0, ctx)));
  }
  Value offsets = operands.offsets;
  if (offsets) {
    // Query i and key j see each other only within one sequence.
    Value segments = buildSegmentIds(rewriter, loc, offsets, scoreDims[2]);
    ins.append({segments, segments});
    maps.push_back(AffineMap::get(4, 0, getAffineDimExpr(2, ctx)));
    maps.push_back(AffineMap::get(4, 0, getAffineDimExpr(3, ctx)));
  }
  maps.push_back(identity);

  // Causal: key j is visible to query i iff j <= i + (seq_kv - seq_q).
  Value causalOffset;
  if (operands.causal)
    causalOffset = arith::SubIOp::create(
        rewriter, loc,
        getValueOrCreateConstantIndexOp(rewriter, loc, scoreDims[3]),
        getValueOrCreateConstantIndexOp(rewriter, loc, scoreDims[2]));

  return buildGeneric(
      rewriter, loc, ins, createEmpty(rewriter, loc, scoreDims, accTy), maps,
      iterators(4), [&](OpBuilder &b, Location nloc, ValueRange args) {
        unsigned next = 1;
        Value s = arith::MulFOp::create(b, nloc, args[0], scale);
        Value visible;
        auto restrict = [&](Value cond) {
          visible = visible
                        ? arith::AndIOp::create(b, nloc, visible, cond)
                              .getResult()
                        : cond;
        };
        if (mask) {
          Value m = args[next++];
          if (m.getType().isInteger(1))
            restrict(m);
          else
            s = arith::AddFOp::create(b, nloc, s,
                                      convertFloat(b, nloc, m, accTy));
        }
        Value keyIdx = linalg::IndexOp::create(b, nloc, 3);
        if (seqLens) {
          Value len = arith::IndexCastOp::create(b, nloc, b.getIndexType(),
                                                 args[next++]);
          restrict(arith::CmpIOp::create(b, nloc, arith::CmpIPredicate::slt,
                                         keyIdx, len));
        }
        if (offsets) {
          Value querySegment = args[next++];
          restrict(arith::CmpIOp::create(b, nloc, arith::CmpIPredicate::eq,
                                         querySegment, args[next++]));
        }
        if (causalOffset) {
          Value queryIdx = linalg::IndexOp::create(b, nloc, 2);
          Value last = arith::AddIOp::create(b, nloc, queryIdx, causalOffset);
          restrict(arith::CmpIOp::create(b, nloc, arith::CmpIPredicate::sle,
                                         keyIdx, last));
        }
        if (visible)
          s = arith::SelectOp::create(b, nloc, visible, s, negInf);
        linalg::YieldOp::create(b, nloc, s);
      });
}

struct AttentionToLinalg : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    MLIRContext *ctx = op.getContext();
    Location loc = op.getLoc();
    ScoreOperands operands{op.getQuery(),        op.getKey(),
                           op.getMask(),         op.getSeqLens(),
                           op.getOffsets(),      op.getEffectiveScale(),
                           op.getCausal()};
    FailureOr<Probabilities> p =
        buildProbabilities(rewriter, loc, op, operands);
    if (failed(p))
      return failure();
    AffineExpr b, h, i, j, d;
    bindDims(ctx, b, h, i, j, d);
    FailureOr<HeadExprs> heads =
        getHeadExprs(op, op.getQuery(), op.getKey(), h);
    if (failed(heads))
      return failure();

    Value value = op.getValue();
    auto resultTy = cast<RankedTensorType>(op.getType());
    Type elemTy = resultTy.getElementType();
    Type accTy = accumulatorType(elemTy);
    auto map = [&](int64_t numDims, ArrayRef<AffineExpr> exprs) {
      return AffineMap::get(numDims, 0, exprs, ctx);
    };
    SmallVector<OpFoldResult> outDims(p->scoreDims.begin(),
                                      p->scoreDims.end() - 1);
    outDims.push_back(tensor::getMixedSize(rewriter, loc, value, 3));
    Value zero = floatConstant(rewriter, loc, accTy, 0.0);

    // o[b,h,i,e] = sum_j p[b,h,i,j] * v[b,hkv,j,e]   (loops b,h,i,e,j)
    AffineExpr e = j, jr = d;
    Value weighted = buildGeneric(
        rewriter, loc, ValueRange{p->probs, value},
        createFilled(rewriter, loc, outDims, accTy, zero),
        SmallVector<AffineMap>{map(5, {b, h, i, jr}),
                               map(5, {b, heads->kv, jr, e}),
                               map(5, {b, h, i, e})},
        iterators(4, 1), [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value prod = arith::MulFOp::create(
              nb, nloc, args[0], convertFloat(nb, nloc, args[1], accTy));
          linalg::YieldOp::create(
              nb, nloc,
              arith::AddFOp::create(nb, nloc, args[2], prod).getResult());
        });

    AffineMap scoreMap = map(4, {b, h, i, j}), rowMap = map(4, {b, h, i});
    auto result = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultTy}, ValueRange{weighted, p->rowSum},
        createEmpty(rewriter, loc, outDims, elemTy),
        SmallVector<AffineMap>{scoreMap, rowMap, scoreMap}, iterators(4),
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value none = arith::CmpFOp::create(
              nb, nloc, arith::CmpFPredicate::OEQ, args[1], zero);
          Value quotient = arith::DivFOp::create(nb, nloc, args[0], args[1]);
          Value out = arith::SelectOp::create(nb, nloc, none, zero, quotient);
          linalg::YieldOp::create(nb, nloc,
                                  convertFloat(nb, nloc, out, elemTy));
        });
    rewriter.replaceOp(op, result.getResults());
    return success();
  }
};

} // namespace

FailureOr<Probabilities> lowering::buildProbabilities(OpBuilder &rewriter,
                                                      Location loc,
                                            Operation *op,
                                            const ScoreOperands &operands) {
  MLIRContext *ctx = rewriter.getContext();
  AffineExpr b, h, i, j, d;
  bindDims(ctx, b, h, i, j, d);
  FailureOr<HeadExprs> heads =
      getHeadExprs(op, operands.query, operands.key, h);
  if (failed(heads))
    return failure();
  Value query = operands.query, key = operands.key;
  auto qTy = cast<RankedTensorType>(query.getType());
  auto kTy = cast<RankedTensorType>(key.getType());
  Type accTy = accumulatorType(qTy.getElementType());
  auto map = [&](int64_t numDims, ArrayRef<AffineExpr> exprs) {
    return AffineMap::get(numDims, 0, exprs, ctx);
  };

  Probabilities p;
  p.scoreDims = {tensor::getMixedSize(rewriter, loc, query, 0),
                 rewriter.getIndexAttr(
                     std::max(qTy.getDimSize(1), kTy.getDimSize(1))),
                 tensor::getMixedSize(rewriter, loc, query, 2),
                 tensor::getMixedSize(rewriter, loc, key, 2)};
  ArrayRef<OpFoldResult> scoreDims = p.scoreDims;
  SmallVector<OpFoldResult> rowDims(scoreDims.drop_back());
  Value zero = floatConstant(rewriter, loc, accTy, 0.0);
  Value negInf = floatConstant(rewriter, loc, accTy,
                               -std::numeric_limits<double>::infinity());

  // s[b,h,i,j] = sum_d q[b,hq,i,d] * kT[b,hkv,d,j]: with Kᵀ the keys are
  // the unit-stride dim of an operand, as the GEMM kernel wants its columns.
  SmallVector<OpFoldResult> kDims = getDims(rewriter, loc, key);
  std::swap(kDims[2], kDims[3]);
  Value keyT = linalg::TransposeOp::create(
                   rewriter, loc, key,
                   createEmpty(rewriter, loc, kDims, kTy.getElementType()),
                   ArrayRef<int64_t>{0, 1, 3, 2})
                   ->getResult(0);
  Value scores = buildGeneric(
      rewriter, loc, ValueRange{query, keyT},
      createFilled(rewriter, loc, scoreDims, accTy, zero),
      SmallVector<AffineMap>{map(5, {b, heads->query, i, d}),
                             map(5, {b, heads->kv, d, j}),
                             map(5, {b, h, i, j})},
      iterators(4, 1), [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value prod =
            arith::MulFOp::create(nb, nloc, convertFloat(nb, nloc, args[0], accTy),
                                  convertFloat(nb, nloc, args[1], accTy));
        linalg::YieldOp::create(
            nb, nloc, arith::AddFOp::create(nb, nloc, args[2], prod).getResult());
      });
  Value masked = buildMaskedScores(rewriter, loc, operands, scores, scoreDims,
                                   accTy, negInf);

  AffineMap scoreMap = map(4, {b, h, i, j}), rowMap = map(4, {b, h, i});
  auto reduceRows = [&](Value input, Value init, bool isMax) {
    return buildGeneric(
        rewriter, loc, input, createFilled(rewriter, loc, rowDims, accTy, init),
        SmallVector<AffineMap>{scoreMap, rowMap}, iterators(3, 1),
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value r =
              isMax ? arith::MaximumFOp::create(nb, nloc, args[0], args[1])
                          .getResult()
                    : arith::AddFOp::create(nb, nloc, args[0], args[1])
                          .getResult();
          linalg::YieldOp::create(nb, nloc, r);
        });
  };

  // p = exp(s - m), with m = 0 on rows that see no key (all -inf).
  Value rowMax = reduceRows(masked, negInf, /*isMax=*/true);
  p.probs = buildGeneric(
      rewriter, loc, ValueRange{masked, rowMax},
      createEmpty(rewriter, loc, scoreDims, accTy),
      SmallVector<AffineMap>{scoreMap, rowMap, scoreMap}, iterators(4),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value empty = arith::CmpFOp::create(
            nb, nloc, arith::CmpFPredicate::OEQ, args[1], negInf);
        Value m = arith::SelectOp::create(nb, nloc, empty, zero, args[1]);
        Value e = math::ExpOp::create(
            nb, nloc, arith::SubFOp::create(nb, nloc, args[0], m));
        linalg::YieldOp::create(nb, nloc, e);
      });
  p.rowSum = reduceRows(p.probs, zero, /*isMax=*/false);
  return p;
}

void populateAttentionToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<AttentionToLinalg>(patterns.getContext());
}

} // namespace mixer

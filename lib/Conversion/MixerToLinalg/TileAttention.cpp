//===- TileAttention.cpp - --mixer-tile-attention (FlashAttention) --------===//
//
// mixer.attention as FlashAttention-2 computes it, on tensors:
//
//   Kᵀ = transpose(K)                                   [B, Hkv, d, Skv]
//   scf.forall (b, h, query tile of R rows) shared_outs(out):
//     m = -inf, l = 0, acc = 0                          [r], [r], [r, dv]
//     for each key tile of N keys up to the last visible one:
//       s   = scale * Q_tile · Kᵀ_tile (+ mask, causal limit)    [r, n]
//       m'  = max(m, rowmax s)
//       p   = exp(s - m'),   alpha = exp(m - m')
//       l   = alpha * l + rowsum p
//       acc = alpha * acc + p · V_tile
//     out[b, h, tile] = acc / l   (0 where no key is visible)
//
// The scores of one tile ([R, N]) are the only score memory: O(S), never
// [Sq, Skv]. Key tiles after the causal frontier or beyond seq_lens[b] are
// not visited at all. Head grouping (GQA/MQA: h -> h / g for K/V; SQA's
// fewer query heads: h -> h / g for Q) is index arithmetic on the slices, so
// it works for dynamic head counts too and K/V heads are never repeated.
// The two products are linalg contractions of the form the CPU kernels take
// (Q broadcast against contiguous Kᵀ rows; P broadcast against V rows).
//
// Grouped-query attention (G = Hq / Hkv > 1, static) packs the G query heads
// of a K/V head into the rows of one tile instead: the loop runs over
// (b, K/V head, tiles of R = query-tile / G query positions) and a tile's
// G * R rows are (query head, position) pairs, so every K/V tile is read
// once per group rather than once per query head. A decode step (one query)
// then makes G-row tiles, where a tile per head would have one row. This
// needs a mask that is the same for every head and query (a padding mask,
// or none); other masks keep one head per tile.
//
// Packed variable-length attention (`offsets`, [n + 1]) runs the same tiles
// per sequence: the loop's first dim is the sequence s instead of the batch
// row, its query tiles cover the longest sequence, and every position is
// offset by offsets[s] into the packed tokens. Tiles past the end of a
// sequence are empty, so a query only ever meets the keys of its sequence.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "mixer/Conversion/MixerToLinalg/MixerToLinalg.h"
#include "mixer/Conversion/Passes.h"
#include "mixer/Dialect/Mixer/IR/MixerOps.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <functional>
#include <limits>

using namespace mlir;
using namespace mixer::lowering;

namespace mixer {

#define GEN_PASS_DEF_TILEATTENTION
#include "mixer/Conversion/Passes.h.inc"

namespace {

struct TiledAttention : OpRewritePattern<AttentionOp> {
  TiledAttention(MLIRContext *ctx, const TiledAttentionOptions &options)
      : OpRewritePattern(ctx, /*benefit=*/2), options(options) {}

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override;

  TiledAttentionOptions options;
};

/// Everything the loop body needs, built once before the loops.
struct AttentionParts {
  Value query, value, mask, seqLens, offsets;
  Value batch, heads, seqQ, seqKV, headDim, valueDim;
  Value queryGroup, kvGroup; // output head h reads query h / queryGroup, K/V
                             // h / kvGroup (one of them is 1)
  Value scale, zero, one, negInf;
  Type accTy, elemTy;
};

Value idx(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// The length of the longest of the packed sequences delimited by `offsets`
/// ([n + 1]): max over s of offsets[s + 1] - offsets[s], as an index.
Value buildLongestSequence(OpBuilder &b, Location loc, Value offsets) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(offsets.getType());
  Type elem = type.getElementType();
  Value count = arith::SubIOp::create(
      b, loc,
      getValueOrCreateConstantIndexOp(
          b, loc, tensor::getMixedSize(b, loc, offsets, 0)),
      idx(b, loc, 1));
  auto part = [&](int64_t start) {
    return tensor::ExtractSliceOp::create(
        b, loc, offsets, ArrayRef<OpFoldResult>{b.getIndexAttr(start)},
        ArrayRef<OpFoldResult>{count}, ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  };
  Value zero = arith::ConstantOp::create(b, loc, b.getIntegerAttr(elem, 0));
  Value init = createFilled(b, loc, {}, elem, zero);
  AffineMap vec = AffineMap::get(1, 0, getAffineDimExpr(0, ctx));
  AffineMap scalar = AffineMap::get(1, 0, {}, ctx);
  Value longest = buildGeneric(
      b, loc, ValueRange{part(0), part(1)}, init, {vec, vec, scalar},
      iterators(0, 1), [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value len = arith::SubIOp::create(nb, nl, args[1], args[0]);
        linalg::YieldOp::create(
            nb, nl, arith::MaxSIOp::create(nb, nl, args[2], len).getResult());
      });
  Value value = tensor::ExtractOp::create(b, loc, longest, ValueRange{});
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), value);
}

/// `ofr` with constants as attributes (so that types get static sizes).
OpFoldResult folded(OpFoldResult ofr) {
  if (auto value = dyn_cast<Value>(ofr))
    return getAsOpFoldResult(value);
  return ofr;
}

SmallVector<OpFoldResult> folded(ArrayRef<OpFoldResult> ofrs) {
  return llvm::map_to_vector(ofrs, [](OpFoldResult o) { return folded(o); });
}

/// `[offsets..][sizes..]` slice of a 4-D tensor with the two leading dims
/// dropped (rank-reduced to 2-D).
Value slice2D(OpBuilder &b, Location loc, Value source,
              ArrayRef<OpFoldResult> offsets, ArrayRef<OpFoldResult> sizes) {
  auto type = cast<RankedTensorType>(source.getType());
  SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
  SmallVector<OpFoldResult> staticSizes = folded(sizes);
  SmallVector<int64_t> shape;
  for (OpFoldResult size : ArrayRef(staticSizes).drop_front(2))
    shape.push_back(getConstantIntValue(size).value_or(ShapedType::kDynamic));
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  return tensor::ExtractSliceOp::create(b, loc, resultType, source,
                                        folded(offsets), staticSizes, strides);
}

/// The [r, n] tile of a mask broadcastable to [B, H, Sq, Skv] (rank 2-4,
/// right-aligned): size-1 dims read index 0. Returned 2-D, with the indexing
/// map that reads it inside [r, n] loops.
std::pair<Value, AffineMap> maskTile(OpBuilder &b, Location loc, Value mask,
                                     ArrayRef<Value> position,
                                     ArrayRef<Value> extent) {
  auto type = cast<RankedTensorType>(mask.getType());
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> offsets, sizes, strides;
  SmallVector<int64_t> shape;
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t full = 4 - rank + d; // the [B, H, Sq, Skv] dim this one aligns to
    bool broadcast = type.getDimSize(d) == 1;
    offsets.push_back(broadcast ? OpFoldResult(b.getIndexAttr(0))
                                : OpFoldResult(position[full]));
    bool kept = full >= 2;
    if (broadcast || !kept)
      sizes.push_back(b.getIndexAttr(1));
    else
      sizes.push_back(extent[full]);
    strides.push_back(b.getIndexAttr(1));
    if (kept) {
      shape.push_back(broadcast ? 1 : ShapedType::kDynamic);
      exprs.push_back(broadcast ? getAffineConstantExpr(0, b.getContext())
                                : getAffineDimExpr(full - 2, b.getContext()));
    }
  }
  // Leading (batch/head) dims are dropped; a rank-2 mask keeps both.
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  Value tile = tensor::ExtractSliceOp::create(b, loc, resultType, mask,
                                              offsets, sizes, strides);
  return {tile, AffineMap::get(2, 0, exprs, b.getContext())};
}

/// Whether `mask` (if any) is the same for every head and query: its dims
/// aligned to [B, H, Sq, Skv]'s H and Sq are 1 or absent.
bool isQueryAndHeadInvariant(Value mask) {
  if (!mask)
    return true;
  auto type = cast<RankedTensorType>(mask.getType());
  for (int64_t d = 0; d < type.getRank(); ++d) {
    int64_t full = 4 - type.getRank() + d;
    if ((full == 1 || full == 2) && type.getDimSize(d) != 1)
      return false;
  }
  return true;
}

LogicalResult TiledAttention::matchAndRewrite(AttentionOp op,
                                              PatternRewriter &rewriter) const {
  Location loc = op.getLoc();
  MLIRContext *ctx = op.getContext();
  auto resultTy = cast<RankedTensorType>(op.getType());
  AttentionParts p;
  p.elemTy = resultTy.getElementType();
  p.accTy = accumulatorType(p.elemTy);
  for (Value operand : {op.getQuery(), op.getKey(), op.getValue()})
    if (cast<RankedTensorType>(operand.getType()).getElementType() != p.accTy)
      return rewriter.notifyMatchFailure(
          op, "16-bit attention keeps the reference lowering");
  p.query = op.getQuery();
  p.value = op.getValue();
  p.mask = op.getMask();
  p.seqLens = op.getSeqLens();
  p.offsets = op.getOffsets();
  auto dim = [&](Value v, int64_t d) {
    return getValueOrCreateConstantIndexOp(
        rewriter, loc, tensor::getMixedSize(rewriter, loc, v, d));
  };
  p.batch = dim(p.query, 0);
  p.seqQ = dim(p.query, 2);
  p.seqKV = dim(op.getKey(), 2);
  p.headDim = dim(p.query, 3);
  p.valueDim = dim(p.value, 3);
  Value hq = dim(p.query, 1), hkv = dim(op.getKey(), 1);
  p.heads = arith::MaxUIOp::create(rewriter, loc, hq, hkv);
  p.queryGroup = arith::DivUIOp::create(rewriter, loc, p.heads, hq);
  p.kvGroup = arith::DivUIOp::create(rewriter, loc, p.heads, hkv);
  p.zero = floatConstant(rewriter, loc, p.accTy, 0.0);
  p.one = floatConstant(rewriter, loc, p.accTy, 1.0);
  p.negInf = floatConstant(rewriter, loc, p.accTy,
                           -std::numeric_limits<double>::infinity());
  FailureOr<double> scale = op.getEffectiveScale();
  if (succeeded(scale)) {
    p.scale = floatConstant(rewriter, loc, p.accTy, *scale);
  } else {
    Value asInt = arith::IndexCastOp::create(rewriter, loc,
                                             rewriter.getI64Type(), p.headDim);
    p.scale = math::RsqrtOp::create(
        rewriter, loc, arith::SIToFPOp::create(rewriter, loc, p.accTy, asInt));
  }

  int64_t keyTile = options.keyTile;
  // Query heads per K/V head when they can share tiles (see the top).
  int64_t group = 1;
  int64_t hqStatic = op.getNumQueryHeads(), hkvStatic = op.getNumKVHeads();
  if (!ShapedType::isDynamic(hqStatic) && !ShapedType::isDynamic(hkvStatic) &&
      hqStatic > hkvStatic && isQueryAndHeadInvariant(p.mask))
    group = hqStatic / hkvStatic;
  // Query positions per tile, and the tile's rows (at most; fewer at the end).
  int64_t positions = std::max<int64_t>(1, options.queryTile / group);
  int64_t rowTile = positions * group;

  // Kᵀ: [B, Hkv, d, Skv], so that a key tile is contiguous along the keys.
  // Its rows are stored `rowStride` = Skv + 16 (+ 16) floats apart: with a
  // stride that is a multiple of 4 KiB (Skv = 1024, 2048, ...) the d rows of
  // a key tile would all map to the same L1 sets and evict each other.
  SmallVector<OpFoldResult> keyDims = getDims(rewriter, loc, op.getKey());
  Type keyElemTy =
      cast<RankedTensorType>(op.getKey().getType()).getElementType();
  Value padded = arith::AddIOp::create(rewriter, loc, p.seqKV,
                                       idx(rewriter, loc, 16));
  Value aligned = arith::CmpIOp::create(
      rewriter, loc, arith::CmpIPredicate::eq,
      arith::RemUIOp::create(rewriter, loc, padded, idx(rewriter, loc, 1024)),
      idx(rewriter, loc, 0));
  Value rowStride = arith::SelectOp::create(
      rewriter, loc, aligned,
      arith::AddIOp::create(rewriter, loc, padded, idx(rewriter, loc, 16)),
      padded);
  SmallVector<OpFoldResult> keyTDims{keyDims[0], keyDims[1], keyDims[3],
                                     keyDims[2]};
  // With one query tile per head (a decode step, a short prompt) every key
  // is used once: writing all of Kᵀ first and reading it back would double
  // the traffic, so each key tile is transposed into scratch in the loop
  // instead. Decided here when Sq is static; at run time otherwise, by one
  // scf.if over two copies of the task loop (a choice per key tile would
  // have the key loop carry both kinds of tile, which bufferization copies).
  auto transposeAll = [&](OpBuilder &nb, Location nl) {
    Value storage = createEmpty(
        nb, nl, {keyDims[0], keyDims[1], keyDims[3], rowStride}, keyElemTy);
    SmallVector<OpFoldResult> zeros(4, nb.getIndexAttr(0)),
        ones(4, nb.getIndexAttr(1));
    Value keyTDest = tensor::ExtractSliceOp::create(
        nb, nl, storage, zeros, folded(keyTDims), ones);
    return linalg::TransposeOp::create(nb, nl, op.getKey(), keyTDest,
                                       ArrayRef<int64_t>{0, 1, 3, 2})
        ->getResult(0);
  };
  // Causal: the keys query i sees end at i + (Skv - Sq) inclusive.
  Value causalOffset;
  if (op.getCausal())
    causalOffset = arith::SubIOp::create(rewriter, loc, p.seqKV, p.seqQ);

  SmallVector<OpFoldResult> outDims;
  // (A named array: an ArrayRef of a braced list in the range would dangle.)
  SmallVector<Value> outSizes{p.batch, p.heads, p.seqQ, p.valueDim};
  for (auto [d, size] : llvm::enumerate(outSizes))
    outDims.push_back(resultTy.isDynamicDim(d)
                          ? OpFoldResult(size)
                          : rewriter.getIndexAttr(resultTy.getDimSize(d)));
  Value init = createEmpty(rewriter, loc, outDims, p.elemTy);
  // Packed: one task row per sequence, query tiles up to the longest one.
  Value rowsOfTasks = p.batch, positionsOfTasks = p.seqQ;
  if (p.offsets) {
    rowsOfTasks = arith::SubIOp::create(rewriter, loc, dim(p.offsets, 0),
                                        idx(rewriter, loc, 1));
    positionsOfTasks = buildLongestSequence(rewriter, loc, p.offsets);
  }
  SmallVector<OpFoldResult> lbs(3, rewriter.getIndexAttr(0));
  SmallVector<OpFoldResult> ubs{rowsOfTasks, group > 1 ? hkv : p.heads,
                                positionsOfTasks};
  SmallVector<OpFoldResult> steps{rewriter.getIndexAttr(1),
                                  rewriter.getIndexAttr(1),
                                  rewriter.getIndexAttr(positions)};
  auto buildTasks = [&](OpBuilder &b, Location loc, bool oneQueryTile) {
    Value keyT = oneQueryTile ? Value() : transposeAll(b, loc);
    auto forall = scf::ForallOp::create(b, loc, lbs, ubs, steps,
                                        ValueRange{init}, std::nullopt);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(forall.getBody());
    Value bIdx = forall.getInductionVar(0), h = forall.getInductionVar(1),
          q0 = forall.getInductionVar(2);
    Value out = forall.getRegionIterArgs()[0];
    // Packed: sequence bIdx is tokens [base, base + its length) of batch row 0,
    // and both its query and key counts are that length.
    Value seqQ = p.seqQ, seqKV = p.seqKV, batchRow = bIdx;
    Value qPos = q0;
    std::function<Value(OpBuilder &, Location, Value)> keyPos =
        [](OpBuilder &, Location, Value k) { return k; };
    if (p.offsets) {
      auto offsetAt = [&](Value i) {
        Value v = tensor::ExtractOp::create(b, loc, p.offsets, ValueRange{i});
        return arith::IndexCastOp::create(b, loc, b.getIndexType(), v)
            .getResult();
      };
      Value base = offsetAt(bIdx);
      Value end = offsetAt(arith::AddIOp::create(b, loc, bIdx, idx(b, loc, 1)));
      seqQ = seqKV = arith::SubIOp::create(b, loc, end, base);
      batchRow = idx(b, loc, 0);
      qPos = arith::AddIOp::create(b, loc, base, q0);
      keyPos = [base](OpBuilder &nb, Location nl, Value k) {
        return arith::AddIOp::create(nb, nl, base, k).getResult();
      };
    }
    // The tile's query positions, and its rows: one per (query head of the
    // group, position). Packed, tiles past the end of a short sequence have
    // none.
    Value qRows =
        arith::MinSIOp::create(b, loc, idx(b, loc, positions),
                               arith::SubIOp::create(b, loc, seqQ, q0));
    if (p.offsets)
      qRows = arith::MaxSIOp::create(b, loc, qRows, idx(b, loc, 0));
    Value rows = group > 1
                     ? arith::MulIOp::create(b, loc, qRows, idx(b, loc, group))
                           .getResult()
                     : qRows;
    // Packed: the loop's head is the K/V head, its query heads start at
    // h * group. Otherwise the output head h reads query h / queryGroup and
    // K/V h / kvGroup.
    Value hQ =
        group > 1
            ? arith::MulIOp::create(b, loc, h, idx(b, loc, group)).getResult()
            : arith::DivUIOp::create(b, loc, h, p.queryGroup).getResult();
    Value hKV = group > 1
                    ? h
                    : arith::DivUIOp::create(b, loc, h, p.kvGroup).getResult();
    OpFoldResult oneAttr = b.getIndexAttr(1), zeroAttr = b.getIndexAttr(0);

    // The last key any row of the tile may see (exclusive).
    Value keyEnd = seqKV;
    if (p.seqLens) {
      Value len =
          tensor::ExtractOp::create(b, loc, p.seqLens, ValueRange{bIdx});
      len = arith::IndexCastOp::create(b, loc, b.getIndexType(), len);
      len = arith::MaxSIOp::create(b, loc, len, idx(b, loc, 0));
      keyEnd = arith::MinSIOp::create(b, loc, keyEnd, len);
    }
    if (causalOffset) {
      Value frontier = arith::AddIOp::create(
          b, loc, arith::AddIOp::create(b, loc, q0, qRows), causalOffset);
      frontier = arith::MaxSIOp::create(b, loc, frontier, idx(b, loc, 0));
      keyEnd = arith::MinSIOp::create(b, loc, keyEnd, frontier);
    }
    if (p.offsets) // an empty tile visits no key
      keyEnd = arith::SelectOp::create(
          b, loc,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, qRows,
                                idx(b, loc, 0)),
          keyEnd, idx(b, loc, 0));

    AffineExpr i, j, k;
    bindDims(ctx, i, j, k);
    auto map = [&](unsigned n, ArrayRef<AffineExpr> e) {
      return AffineMap::get(n, 0, e, ctx);
    };
    AffineMap rowsMap2 = map(2, {i}), tileMap2 = map(2, {i, j}),
              vec1 = map(1, {i});
    auto elementwise = [&](OpBuilder &nb, Location nl, ValueRange ins,
                           ValueRange outs, ArrayRef<AffineMap> maps,
                           unsigned rank, BodyFn body) {
      SmallVector<Type> types =
          llvm::map_to_vector(outs, [](Value v) { return v.getType(); });
      return linalg::GenericOp::create(nb, nl, types, ins, outs, maps,
                                       iterators(rank), body)
          ->getResults();
    };
    auto guardedExp = [&](OpBuilder &nb, Location nl, Value x, Value mx,
                          Value ifEmpty) {
      // A row that has seen no key yet keeps max -inf: p = 0, alpha = 1.
      Value empty = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OEQ, mx,
                                          p.negInf);
      Value e =
          math::ExpOp::create(nb, nl, arith::SubFOp::create(nb, nl, x, mx));
      return arith::SelectOp::create(nb, nl, empty, ifEmpty, e).getResult();
    };

    // Q pre-scaled once per task, so that the scores need no scaling pass;
    // packed, the [G, positions, d] block of the group's heads becomes the
    // [G * positions, d] rows of the tile.
    auto scaleBody = [&](OpBuilder &nb, Location nl, ValueRange a) {
      linalg::YieldOp::create(
          nb, nl, arith::MulFOp::create(nb, nl, a[0], p.scale).getResult());
    };
    Value qScaled;
    if (group > 1) {
      SmallVector<OpFoldResult> offsets{batchRow, hQ, qPos, zeroAttr};
      SmallVector<OpFoldResult> sizes{oneAttr, b.getIndexAttr(group), qRows,
                                      p.headDim};
      SmallVector<OpFoldResult> staticSizes = folded(sizes);
      SmallVector<int64_t> shape;
      for (OpFoldResult size : ArrayRef(staticSizes).drop_front())
        shape.push_back(
            getConstantIntValue(size).value_or(ShapedType::kDynamic));
      auto qType = RankedTensorType::get(
          shape, cast<RankedTensorType>(p.query.getType()).getElementType());
      Value qBlock = tensor::ExtractSliceOp::create(
          b, loc, qType, p.query, folded(offsets), staticSizes,
          SmallVector<OpFoldResult>(4, oneAttr));
      AffineMap id3 = map(3, {i, j, k});
      Value scaled = elementwise(
          b, loc, qBlock,
          createEmpty(b, loc, {b.getIndexAttr(group), qRows, p.headDim},
                      p.accTy),
          {id3, id3}, 3, scaleBody)[0];
      qScaled = tensor::CollapseShapeOp::create(
          b, loc, scaled, ArrayRef<ReassociationIndices>{{0, 1}, {2}});
    } else {
      Value qTile = slice2D(b, loc, p.query, {batchRow, hQ, qPos, zeroAttr},
                            {oneAttr, oneAttr, rows, p.headDim});
      qScaled = elementwise(b, loc, qTile,
                            createEmpty(b, loc, {rows, p.headDim}, p.accTy),
                            {tileMap2, tileMap2}, 2, scaleBody)[0];
    }

    // The running state (max m, sum l, output rows acc) and scratch for one
    // tile of scores and two row vectors are carried by the key loop: every
    // step updates them in place, nothing is allocated or copied per step.
    Value m0 = createFilled(b, loc, {rows}, p.accTy, p.negInf);
    Value l0 = createFilled(b, loc, {rows}, p.accTy, p.zero);
    Value acc0 = createFilled(b, loc, {rows, p.valueDim}, p.accTy, p.zero);
    Value tileBuf = createEmpty(
        b, loc, {b.getIndexAttr(rowTile), b.getIndexAttr(keyTile)}, p.accTy);
    // (Filled with different values so that CSE cannot merge them into one
    // tensor, which bufferization would then give both loop-carried values.)
    Value rowBuf =
        createFilled(b, loc, {b.getIndexAttr(rowTile)}, p.accTy, p.zero);
    Value alphaBuf =
        createFilled(b, loc, {b.getIndexAttr(rowTile)}, p.accTy, p.one);
    // One key tile transposed (see oneQueryTile).
    Value keyScratch =
        createEmpty(b, loc, {p.headDim, b.getIndexAttr(keyTile)}, keyElemTy);

    auto slice = [&](OpBuilder &nb, Location nl, Value source,
                     ArrayRef<OpFoldResult> sizes) {
      SmallVector<OpFoldResult> zeros(sizes.size(), nb.getIndexAttr(0));
      SmallVector<OpFoldResult> ones(sizes.size(), nb.getIndexAttr(1));
      return tensor::ExtractSliceOp::create(nb, nl, source, zeros,
                                            folded(sizes), ones)
          .getResult();
    };
    auto insert = [&](OpBuilder &nb, Location nl, Value tile, Value into) {
      auto type = cast<RankedTensorType>(tile.getType());
      SmallVector<OpFoldResult> zeros(type.getRank(), nb.getIndexAttr(0));
      SmallVector<OpFoldResult> ones(type.getRank(), nb.getIndexAttr(1));
      return tensor::InsertSliceOp::create(nb, nl, tile, into, zeros,
                                           tensor::getMixedSizes(nb, nl, tile),
                                           ones)
          .getResult();
    };
    auto contraction = [&](OpBuilder &nb, Location nl, Value lhs, Value rhs,
                           Value init) {
      return buildGeneric(
          nb, nl, ValueRange{lhs, rhs}, init,
          {map(3, {i, k}), map(3, {k, j}), map(3, {i, j})}, iterators(2, 1),
          [&](OpBuilder &bb, Location bl, ValueRange a) {
            Value prod = arith::MulFOp::create(bb, bl, a[0], a[1]);
            linalg::YieldOp::create(
                bb, bl, arith::AddFOp::create(bb, bl, a[2], prod).getResult());
          });
    };
    auto rowReduce = [&](OpBuilder &nb, Location nl, Value tile, Value init,
                         bool isMax) {
      return buildGeneric(
          nb, nl, tile, init, {tileMap2, rowsMap2}, iterators(1, 1),
          [&](OpBuilder &bb, Location bl, ValueRange a) {
            Value r =
                isMax
                    ? arith::MaximumFOp::create(bb, bl, a[1], a[0]).getResult()
                    : arith::AddFOp::create(bb, bl, a[1], a[0]).getResult();
            linalg::YieldOp::create(bb, bl, r);
          });
    };

    auto loop = scf::ForOp::create(
        b, loc, idx(b, loc, 0), keyEnd, idx(b, loc, keyTile),
        ValueRange{m0, l0, acc0, tileBuf, rowBuf, alphaBuf, keyScratch},
        [&](OpBuilder &lb, Location l, Value k0, ValueRange iter) {
          Value m = iter[0], lsum = iter[1], acc = iter[2];
          Value cols =
              arith::MinSIOp::create(lb, l, idx(lb, l, keyTile),
                                     arith::SubIOp::create(lb, l, keyEnd, k0));

          // s = (scale Q_tile) · Kᵀ_tile   [rows, cols]
          auto fromKeyT = [&](OpBuilder &nb, Location nl) {
            return slice2D(nb, nl, keyT,
                           {batchRow, hKV, zeroAttr, keyPos(nb, nl, k0)},
                           {oneAttr, oneAttr, p.headDim, cols});
          };
          auto transposeTile = [&](OpBuilder &nb, Location nl) {
            Value rows = slice2D(nb, nl, op.getKey(),
                                 {batchRow, hKV, keyPos(nb, nl, k0), zeroAttr},
                                 {oneAttr, oneAttr, cols, p.headDim});
            Value dest = slice(nb, nl, iter[6], {p.headDim, cols});
            Value tile = linalg::TransposeOp::create(nb, nl, rows, dest,
                                                     ArrayRef<int64_t>{1, 0})
                             ->getResult(0);
            return std::make_pair(tile, insert(nb, nl, tile, iter[6]));
          };
          Value kTile, scratch = iter[6];
          if (oneQueryTile)
            std::tie(kTile, scratch) = transposeTile(lb, l);
          else
            kTile = fromKeyT(lb, l);
          Value s = slice(lb, l, iter[3], {rows, cols});
          s = linalg::FillOp::create(lb, l, p.zero, s).getResult(0);
          s = contraction(lb, l, qScaled, kTile, s);

          // Mask and causal limit, in place. Without a mask, only tiles that
          // cross the causal frontier of the first row need it.
          auto applyMasks = [&](OpBuilder &nb, Location nl) {
            SmallVector<Value> ins{s};
            SmallVector<AffineMap> maps{tileMap2};
            if (p.mask) {
              auto [tile, tileMap] = maskTile(nb, nl, p.mask, {bIdx, h, q0, k0},
                                              {Value(), Value(), rows, cols});
              ins.push_back(tile);
              maps.push_back(tileMap);
            }
            maps.push_back(tileMap2);
            return elementwise(
                nb, nl, ins, s, maps, 2,
                [&](OpBuilder &bb, Location bl, ValueRange a) {
                  Value v = a[0], visible;
                  if (p.mask) {
                    if (a[1].getType().isInteger(1))
                      visible = a[1];
                    else
                      v = arith::AddFOp::create(
                          bb, bl, v, convertFloat(bb, bl, a[1], p.accTy));
                  }
                  if (causalOffset) {
                    // Row r is position r (packed: r mod positions of this
                    // tile) of the tile.
                    Value r = linalg::IndexOp::create(bb, bl, 0);
                    if (group > 1)
                      r = arith::RemUIOp::create(bb, bl, r, qRows);
                    Value qi = arith::AddIOp::create(bb, bl, q0, r);
                    Value kj = arith::AddIOp::create(
                        bb, bl, k0, linalg::IndexOp::create(bb, bl, 1));
                    Value last =
                        arith::AddIOp::create(bb, bl, qi, causalOffset);
                    Value ok = arith::CmpIOp::create(
                        bb, bl, arith::CmpIPredicate::sle, kj, last);
                    visible = visible
                                  ? arith::AndIOp::create(bb, bl, visible, ok)
                                        .getResult()
                                  : ok;
                  }
                  if (visible)
                    v = arith::SelectOp::create(bb, bl, visible, v, p.negInf);
                  linalg::YieldOp::create(bb, bl, v);
                })[0];
          };
          if (p.mask) {
            s = applyMasks(lb, l);
          } else if (causalOffset) {
            Value lastKey = arith::SubIOp::create(
                lb, l, arith::AddIOp::create(lb, l, k0, cols), idx(lb, l, 1));
            Value firstFrontier =
                arith::AddIOp::create(lb, l, q0, causalOffset);
            Value crosses = arith::CmpIOp::create(
                lb, l, arith::CmpIPredicate::sgt, lastKey, firstFrontier);
            auto ifOp = scf::IfOp::create(
                lb, l, crosses,
                [&](OpBuilder &nb, Location nl) {
                  scf::YieldOp::create(nb, nl, applyMasks(nb, nl));
                },
                [&](OpBuilder &nb, Location nl) {
                  scf::YieldOp::create(nb, nl, s);
                });
            s = ifOp.getResult(0);
          }

          // m' = max(m, rowmax s), alpha = exp(m - m'), both in place.
          Value rowTileValue = slice(lb, l, iter[4], {rows});
          Value rowMax =
              rowReduce(lb, l, s,
                        linalg::FillOp::create(lb, l, p.negInf, rowTileValue)
                            .getResult(0),
                        /*isMax=*/true);
          Value alpha = slice(lb, l, iter[5], {rows});
          ValueRange updated = elementwise(
              lb, l, ValueRange{m, rowMax}, ValueRange{m, alpha},
              {vec1, vec1, vec1, vec1}, 1,
              [&](OpBuilder &bb, Location bl, ValueRange a) {
                Value mNew = arith::MaximumFOp::create(bb, bl, a[0], a[1]);
                linalg::YieldOp::create(
                    bb, bl,
                    ValueRange{mNew, guardedExp(bb, bl, a[0], mNew, p.one)});
              });
          Value mNew = updated[0];
          alpha = updated[1];

          // p = exp(s - m') in place; l' = alpha * l + rowsum p.
          Value probs = elementwise(
              lb, l, ValueRange{s, mNew}, s, {tileMap2, rowsMap2, tileMap2}, 2,
              [&](OpBuilder &bb, Location bl, ValueRange a) {
                linalg::YieldOp::create(bb, bl,
                                        guardedExp(bb, bl, a[0], a[1], p.zero));
              })[0];
          Value rowSum = rowReduce(
              lb, l, probs,
              linalg::FillOp::create(lb, l, p.zero, rowMax).getResult(0),
              /*isMax=*/false);
          Value lNew = elementwise(
              lb, l, ValueRange{lsum, alpha, rowSum}, lsum,
              {vec1, vec1, vec1, vec1}, 1,
              [&](OpBuilder &bb, Location bl, ValueRange a) {
                Value scaled = arith::MulFOp::create(bb, bl, a[0], a[1]);
                linalg::YieldOp::create(
                    bb, bl,
                    arith::AddFOp::create(bb, bl, scaled, a[2]).getResult());
              })[0];

          // acc' = alpha * acc + p · V_tile, in place.
          Value accScaled = elementwise(
              lb, l, ValueRange{acc, alpha}, acc,
              {tileMap2, rowsMap2, tileMap2}, 2,
              [&](OpBuilder &bb, Location bl, ValueRange a) {
                linalg::YieldOp::create(
                    bb, bl,
                    arith::MulFOp::create(bb, bl, a[0], a[1]).getResult());
              })[0];
          Value vTile = slice2D(lb, l, p.value,
                                {batchRow, hKV, keyPos(lb, l, k0), zeroAttr},
                                {oneAttr, oneAttr, cols, p.valueDim});
          Value accNew = contraction(lb, l, probs, vTile, accScaled);
          scf::YieldOp::create(
              lb, l,
              ValueRange{mNew, lNew, accNew, insert(lb, l, probs, iter[3]),
                         insert(lb, l, rowSum, iter[4]),
                         insert(lb, l, alpha, iter[5]), scratch});
        });

    // out = acc / l (0 on rows that saw no key)
    Value outTile = buildGeneric(
        b, loc, ValueRange{loop.getResult(2), loop.getResult(1)},
        createEmpty(b, loc, {rows, p.valueDim}, p.elemTy),
        {tileMap2, rowsMap2, tileMap2}, iterators(2),
        [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value none = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OEQ,
                                             a[1], p.zero);
          Value q = arith::DivFOp::create(nb, nl, a[0], a[1]);
          Value v = arith::SelectOp::create(nb, nl, none, p.zero, q);
          linalg::YieldOp::create(nb, nl, convertFloat(nb, nl, v, p.elemTy));
        });
    SmallVector<OpFoldResult> offsets{batchRow, h, qPos, zeroAttr};
    SmallVector<OpFoldResult> sizes{oneAttr, oneAttr, rows, p.valueDim};
    if (group > 1) {
      // [G * positions, dv] -> the [G, positions, dv] block of the group.
      SmallVector<OpFoldResult> blockSizes =
          folded({b.getIndexAttr(group), qRows,
                  tensor::getMixedSize(b, loc, outTile, 1)});
      SmallVector<int64_t> blockShape =
          llvm::map_to_vector(blockSizes, [](OpFoldResult size) {
            return getConstantIntValue(size).value_or(ShapedType::kDynamic);
          });
      outTile = tensor::ExpandShapeOp::create(
          b, loc, RankedTensorType::get(blockShape, p.elemTy), outTile,
          ArrayRef<ReassociationIndices>{{0, 1}, {2}}, blockSizes);
      offsets[1] = hQ;
      sizes[1] = b.getIndexAttr(group);
      sizes[2] = qRows;
    }
    b.setInsertionPointToStart(forall.getTerminator().getBody());
    SmallVector<OpFoldResult> strides(4, oneAttr);
    tensor::ParallelInsertSliceOp::create(b, loc, outTile, out, offsets, sizes,
                                          strides);
    return forall.getResult(0);
  };
  Value result;
  if (p.offsets) {
    result = buildTasks(rewriter, loc, /*oneQueryTile=*/false);
  } else if (std::optional<int64_t> sq =
                 getConstantIntValue(folded(OpFoldResult(p.seqQ)))) {
    result = buildTasks(rewriter, loc, *sq <= positions);
  } else {
    Value oneQueryTile =
        arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ule, p.seqQ,
                              idx(rewriter, loc, positions));
    result = scf::IfOp::create(
                 rewriter, loc, oneQueryTile,
                 [&](OpBuilder &nb, Location nl) {
                   scf::YieldOp::create(nb, nl, buildTasks(nb, nl, true));
                 },
                 [&](OpBuilder &nb, Location nl) {
                   scf::YieldOp::create(nb, nl, buildTasks(nb, nl, false));
                 })
                 .getResult(0);
  }
  rewriter.replaceOp(op, result);
  return success();
}

} // namespace

void populateTiledAttentionPatterns(RewritePatternSet &patterns,
                                    const TiledAttentionOptions &options) {
  patterns.add<TiledAttention>(patterns.getContext(), options);
}

namespace {

struct TileAttentionPass : impl::TileAttentionBase<TileAttentionPass> {
  using Base::Base;

  void runOnOperation() override {
    if (queryTile < 1 || keyTile < 1) {
      getOperation()->emitError(
          "mixer-tile-attention: query-tile and key-tile must be positive");
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    populateTiledAttentionPatterns(patterns, {queryTile, keyTile});
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
} // namespace mixer

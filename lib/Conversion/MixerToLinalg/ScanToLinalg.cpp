//===- ScanToLinalg.cpp - mixer.selective_scan to scf + linalg ------------===//
//
// The recurrence is sequential in time and independent across batch rows and
// channels, so the lowering runs one task per (batch row, block of Cb
// channels) and, inside it, a loop over time that keeps the block's state
// transposed, [d_state, Cb] (f32 for 16-bit inputs), so that the channels
// are the contiguous, vectorized dim and the sum over the state is a sum of
// vectors:
//
//   scf.forall (b, channel block c0) shared_outs(y, final_state):
//     h = initial_state[b, c0:c0+Cb, :]ᵀ or 0                    [N, Cb]
//     for t:
//       dt = softplus?(delta[b,t,blk] + delta_bias[blk]); u = dt * x[b,t,blk]
//       h  = exp(dt * Aᵀ[:, blk]) * h + B[b,t,:] ⊗ u              [N, Cb]
//       s  = Σ_n C[b,t,n] * h[n, :]                               [Cb]
//       y[b, t, blk] = (s + D[blk] * x[b,t,blk]) * silu(z[b,t,blk])
//     final_state[b, blk, :] = hᵀ
//
// The discretization (softplus, exp(dt A), dt B x), the D skip and the SiLU
// gate are fused into the step; nothing of size [seq, channels, d_state] is
// ever materialized. Cb is 16 channels (one AVX-512 vector of f32) when the
// channel count allows, else the largest power of two dividing it.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "mixer/Conversion/MixerToLinalg/MixerToLinalg.h"
#include "mixer/Dialect/Mixer/IR/MixerOps.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mixer::lowering;

namespace mixer {
namespace {

/// softplus(v) = log(1 + exp(v)), returning v itself past 20 (as PyTorch).
Value softplus(OpBuilder &b, Location loc, Value v) {
  Value threshold = floatConstant(b, loc, v.getType(), 20.0);
  Value big =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, v, threshold);
  Value soft = math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, v));
  return arith::SelectOp::create(b, loc, big, v, soft);
}

/// v * sigmoid(v).
Value silu(OpBuilder &b, Location loc, Value v) {
  Value one = floatConstant(b, loc, v.getType(), 1.0);
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, v));
  return arith::DivFOp::create(b, loc, v, arith::AddFOp::create(b, loc, one, e));
}

/// (d0, d1) -> (d1, d0).
AffineMap swapMap(MLIRContext *ctx) {
  return AffineMap::get(2, 0, {getAffineDimExpr(1, ctx), getAffineDimExpr(0, ctx)},
                        ctx);
}

/// Steps per chunk: the discretization of a chunk is computed in bulk.
constexpr int64_t kChunk = 64;

/// The channels of one task: 16 (an AVX-512 vector of f32) or the largest
/// power of two below it dividing `channels`; 1 when it is dynamic.
int64_t channelBlock(int64_t channels) {
  if (ShapedType::isDynamic(channels))
    return 1;
  int64_t block = 16;
  while (channels % block != 0)
    block /= 2;
  return block;
}

/// Helpers that slice the op's operands at (b, t) and convert them.
struct ScanBuilder {
  OpBuilder &b;
  Location loc;
  Type accTy, elemTy;

  OpFoldResult attr(int64_t v) { return b.getIndexAttr(v); }

  /// `tensor`[i0, i1, c0 : c0 + size] as a rank-1 tensor.
  Value row(Value tensor, OpFoldResult i0, OpFoldResult i1, OpFoldResult c0,
            OpFoldResult size) {
    auto type = cast<RankedTensorType>(tensor.getType());
    auto sliceTy = RankedTensorType::get(
        {getConstantIntValue(size).value_or(ShapedType::kDynamic)},
        type.getElementType());
    SmallVector<OpFoldResult> offsets{i0, i1, c0},
        sizes{attr(1), attr(1), size}, strides(3, attr(1));
    return tensor::ExtractSliceOp::create(b, loc, sliceTy, tensor, offsets,
                                          sizes, strides);
  }

  /// `tensor`[i0, t0 : t0 + rows, c0 : c0 + size] as a rank-2 tensor.
  Value rows(Value tensor, OpFoldResult i0, OpFoldResult t0, OpFoldResult rows,
             OpFoldResult c0, OpFoldResult size) {
    auto type = cast<RankedTensorType>(tensor.getType());
    auto sliceTy = RankedTensorType::get(
        {getConstantIntValue(rows).value_or(ShapedType::kDynamic),
         getConstantIntValue(size).value_or(ShapedType::kDynamic)},
        type.getElementType());
    SmallVector<OpFoldResult> offsets{i0, t0, c0}, sizes{attr(1), rows, size},
        strides(3, attr(1));
    return tensor::ExtractSliceOp::create(b, loc, sliceTy, tensor, offsets,
                                          sizes, strides);
  }

  /// Row `t` of a rank-2 tensor [*, size], as a rank-1 tensor.
  Value rowOf(Value tensor, OpFoldResult t, OpFoldResult size) {
    auto type = cast<RankedTensorType>(tensor.getType());
    auto rowTy = RankedTensorType::get({type.getDimSize(1)},
                                       type.getElementType());
    SmallVector<OpFoldResult> offsets{t, attr(0)}, sizes{attr(1), size},
        strides(2, attr(1));
    return tensor::ExtractSliceOp::create(b, loc, rowTy, tensor, offsets, sizes,
                                          strides);
  }

  /// `row` inserted as row `t` of `tensor`.
  Value putRow(Value row, Value tensor, OpFoldResult t, OpFoldResult size) {
    SmallVector<OpFoldResult> offsets{t, attr(0)}, sizes{attr(1), size},
        strides(2, attr(1));
    return tensor::InsertSliceOp::create(b, loc, row, tensor, offsets, sizes,
                                         strides);
  }

  /// `tensor`[c0 : c0 + size] (rank 1).
  Value slice1(Value tensor, OpFoldResult c0, OpFoldResult size) {
    return tensor::ExtractSliceOp::create(b, loc, tensor, {c0}, {size},
                                          {attr(1)});
  }

  /// Identity-shaped elementwise generic over `ins` into a new `type` tensor.
  Value map(ValueRange ins, ArrayRef<OpFoldResult> dims, Type type,
            ArrayRef<AffineMap> maps, BodyFn body) {
    return buildGeneric(b, loc, ins, createEmpty(b, loc, dims, type), maps,
                        iterators(maps.front().getNumDims()), body);
  }

  /// The transpose of a rank-2 tensor, as a new [dims] tensor of `type`.
  Value transposed(Value tensor, ArrayRef<OpFoldResult> dims, Type type) {
    MLIRContext *ctx = b.getContext();
    return map(tensor, dims, type,
               {swapMap(ctx), AffineMap::getMultiDimIdentityMap(2, ctx)},
               [&](OpBuilder &nb, Location l, ValueRange args) {
                 linalg::YieldOp::create(nb, l,
                                         convertFloat(nb, l, args[0], type));
               });
  }
};

struct ScanToLinalg : OpRewritePattern<SelectiveScanOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SelectiveScanOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = op.getX();
    auto xTy = cast<RankedTensorType>(x.getType());
    Type elemTy = xTy.getElementType();
    Type accTy = accumulatorType(elemTy);
    ScanBuilder sb{rewriter, loc, accTy, elemTy};

    OpFoldResult batch = tensor::getMixedSize(rewriter, loc, x, 0);
    OpFoldResult seq = tensor::getMixedSize(rewriter, loc, x, 1);
    OpFoldResult channels = tensor::getMixedSize(rewriter, loc, x, 2);
    OpFoldResult dState = tensor::getMixedSize(rewriter, loc, op.getA(), 1);
    int64_t block = channelBlock(xTy.getDimSize(2));
    OpFoldResult blk = rewriter.getIndexAttr(block);

    // Aᵀ [N, C] in the accumulator type, read per block as [N, Cb].
    Value aT = sb.transposed(op.getA(), {dState, channels}, accTy);

    auto stateTy = cast<RankedTensorType>(op.getFinalState().getType());
    Value yInit = createEmpty(rewriter, loc, getDims(rewriter, loc, x), elemTy);
    Value hInit = createEmpty(rewriter, loc, {batch, channels, dState}, elemTy);
    SmallVector<OpFoldResult> lbs(2, rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> ubs{batch, channels};
    SmallVector<OpFoldResult> steps{rewriter.getIndexAttr(1), blk};
    auto forall = scf::ForallOp::create(rewriter, loc, lbs, ubs, steps,
                                        ValueRange{yInit, hInit}, std::nullopt);
    {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(forall.getBody());
      Value bi = forall.getInductionVar(0), c0 = forall.getInductionVar(1);
      Value yOut = forall.getRegionIterArgs()[0];
      Value hOut = forall.getRegionIterArgs()[1];
      // The loop writes y in place, into the block's slice of the result.
      OpFoldResult zero = rewriter.getIndexAttr(0), one = rewriter.getIndexAttr(1);
      SmallVector<OpFoldResult> unit(3, one);
      auto yTileTy = RankedTensorType::get(
          {xTy.getDimSize(1), block}, elemTy);
      SmallVector<OpFoldResult> yOffsets{bi, zero, c0}, ySizes{one, seq, blk};
      Value yTile0 = tensor::ExtractSliceOp::create(rewriter, loc, yTileTy, yOut,
                                                    yOffsets, ySizes, unit);
      auto [yTile, hTile] =
          buildBlock(sb, op, bi, c0, blk, seq, dState, aT, yTile0);
      rewriter.setInsertionPointToStart(forall.getTerminator().getBody());
      tensor::ParallelInsertSliceOp::create(rewriter, loc, yTile, yOut, yOffsets,
                                            ySizes, unit);
      tensor::ParallelInsertSliceOp::create(rewriter, loc, hTile, hOut,
                                            {bi, c0, zero}, {one, blk, dState},
                                            unit);
    }
    Value y = forall.getResult(0), state = forall.getResult(1);
    if (y.getType() != op.getY().getType())
      y = tensor::CastOp::create(rewriter, loc, op.getY().getType(), y);
    if (state.getType() != stateTy)
      state = tensor::CastOp::create(rewriter, loc, stateTy, state);
    rewriter.replaceOp(op, {y, state});
    return success();
  }

private:
  /// One task: the scan of channels [c0, c0 + Cb) of batch row `bi`, writing
  /// into `yTile` [seq, Cb]. Returns the written y tile and the final state
  /// tile [Cb, N] (element type). The loop over steps allocates nothing: its
  /// state and its row of sums are updated in place.
  static std::pair<Value, Value>
  buildBlock(ScanBuilder &sb, SelectiveScanOp op, Value bi, Value c0,
             OpFoldResult blk, OpFoldResult seq, OpFoldResult dState,
             Value aT, Value yTile) {
    OpBuilder &b = sb.b;
    Location loc = sb.loc;
    MLIRContext *ctx = b.getContext();
    Type accTy = sb.accTy, elemTy = sb.elemTy;
    OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
    AffineMap id2 = AffineMap::getMultiDimIdentityMap(2, ctx);
    AffineMap swap2 = swapMap(ctx);
    AffineMap dim0 = AffineMap::get(2, 0, getAffineDimExpr(0, ctx));
    AffineMap dim1 = AffineMap::get(2, 0, getAffineDimExpr(1, ctx));

    // The block's loop invariants: Aᵀ[:, blk], D, delta_bias.
    Value aBlk = tensor::ExtractSliceOp::create(
        b, loc, aT, {zero, OpFoldResult(c0)}, {dState, blk}, {one, one});
    Value skip = op.getD() ? sb.slice1(op.getD(), c0, blk) : Value();
    Value bias = op.getDeltaBias() ? sb.slice1(op.getDeltaBias(), c0, blk)
                                   : Value();

    // h0 [N, Cb] = initial_state[bi, blk, :]ᵀ, or zeros.
    Value h0;
    if (Value init = op.getInitialState()) {
      auto initTy = cast<RankedTensorType>(init.getType());
      auto tileTy = RankedTensorType::get(
          {getConstantIntValue(blk).value_or(ShapedType::kDynamic),
           initTy.getDimSize(2)},
          initTy.getElementType());
      SmallVector<OpFoldResult> offsets{bi, c0, zero}, sizes{one, blk, dState},
          strides(3, one);
      Value tile = tensor::ExtractSliceOp::create(b, loc, tileTy, init, offsets,
                                                  sizes, strides);
      h0 = sb.transposed(tile, {dState, blk}, accTy);
    } else {
      h0 = createFilled(b, loc, {dState, blk}, accTy,
                        floatConstant(b, loc, accTy, 0.0));
    }
    // Chunks of kChunk steps: the discretization of a chunk is computed in
    // bulk ([T, Cb] tensors), then the sequential loop over its steps only
    // updates the state and the state sums, then the output of the chunk is
    // formed in bulk again.
    Value lb = arith::ConstantIndexOp::create(b, loc, 0);
    Value ub = getValueOrCreateConstantIndexOp(b, loc, seq);
    Value chunk = arith::ConstantIndexOp::create(b, loc, kChunk);
    auto chunks = scf::ForOp::create(
        b, loc, lb, ub, chunk, ValueRange{h0, yTile},
        [&](OpBuilder &cb, Location l, Value t0, ValueRange carried) {
          ScanBuilder s{cb, l, accTy, elemTy};
          Value len = arith::MinSIOp::create(
              cb, l, chunk, arith::SubIOp::create(cb, l, ub, t0));
          OpFoldResult rows = len, tt0 = t0, bt = bi, cc = c0;
          Value xC = s.rows(op.getX(), bt, tt0, rows, cc, blk);
          Value dC = s.rows(op.getDelta(), bt, tt0, rows, cc, blk);

          // dt = softplus?(delta + bias), u = dt * x: [T, Cb].
          SmallVector<Value> ins{dC};
          SmallVector<AffineMap> maps{id2};
          if (bias) {
            ins.push_back(bias);
            maps.push_back(dim1);
          }
          maps.push_back(id2);
          bool doSoftplus = op.getDeltaSoftplus();
          Value dtC = s.map(ins, {rows, blk}, accTy, maps,
                            [&](OpBuilder &nb, Location nl, ValueRange a) {
                              Value v = convertFloat(nb, nl, a[0], accTy);
                              if (bias)
                                v = arith::AddFOp::create(
                                    nb, nl, v, convertFloat(nb, nl, a[1], accTy));
                              if (doSoftplus)
                                v = softplus(nb, nl, v);
                              linalg::YieldOp::create(nb, nl, v);
                            });
          Value uC = s.map({dtC, xC}, {rows, blk}, accTy, {id2, id2, id2},
                           [&](OpBuilder &nb, Location nl, ValueRange a) {
                             linalg::YieldOp::create(
                                 nb, nl,
                                 arith::MulFOp::create(
                                     nb, nl, a[0],
                                     convertFloat(nb, nl, a[1], accTy))
                                     .getResult());
                           });

          // The steps: h = exp(dt * Aᵀ) * h + B ⊗ u over (n, c), in place;
          // sums[t] = Σ_n C[n] * h[n, :] (loops (c, n), c contiguous).
          Value sums0 = createEmpty(cb, l, {rows, blk}, accTy);
          Value zeroIdx = arith::ConstantIndexOp::create(cb, l, 0);
          Value oneIdx = arith::ConstantIndexOp::create(cb, l, 1);
          auto steps = scf::ForOp::create(
              cb, l, zeroIdx, len, oneIdx, ValueRange{carried[0], sums0},
              [&](OpBuilder &sbld, Location sl, Value t, ValueRange state) {
                ScanBuilder ss{sbld, sl, accTy, elemTy};
                OpFoldResult tt = t;
                Value time = arith::AddIOp::create(sbld, sl, t0, t);
                OpFoldResult tAbs = time;
                Value bRow = ss.row(op.getB(), bt, tAbs, zero, dState);
                Value cRow = ss.row(op.getC(), bt, tAbs, zero, dState);
                Value h = buildGeneric(
                    sbld, sl,
                    ValueRange{aBlk, ss.rowOf(dtC, tt, blk), ss.rowOf(uC, tt, blk),
                               bRow},
                    state[0], {id2, dim1, dim1, dim0, id2}, iterators(2),
                    [&](OpBuilder &nb, Location nl, ValueRange a) {
                      Value decay = math::ExpOp::create(
                          nb, nl, arith::MulFOp::create(nb, nl, a[1], a[0]));
                      Value input = arith::MulFOp::create(
                          nb, nl, convertFloat(nb, nl, a[3], accTy), a[2]);
                      Value next = arith::AddFOp::create(
                          nb, nl, arith::MulFOp::create(nb, nl, decay, a[4]),
                          input);
                      linalg::YieldOp::create(nb, nl, next);
                    });
                Value sumInit =
                    linalg::FillOp::create(sbld, sl,
                                           floatConstant(sbld, sl, accTy, 0.0),
                                           ss.rowOf(state[1], tt, blk))
                        .getResult(0);
                Value sum = buildGeneric(
                    sbld, sl, ValueRange{h, cRow}, sumInit, {swap2, dim1, dim0},
                    iterators(1, 1),
                    [&](OpBuilder &nb, Location nl, ValueRange a) {
                      Value prod = arith::MulFOp::create(
                          nb, nl, a[0], convertFloat(nb, nl, a[1], accTy));
                      linalg::YieldOp::create(
                          nb, nl,
                          arith::AddFOp::create(nb, nl, a[2], prod).getResult());
                    });
                scf::YieldOp::create(
                    sbld, sl, ValueRange{h, ss.putRow(sum, state[1], tt, blk)});
              });

          // y = (sums + D * x) * silu(z) for the chunk, into the y tile.
          SmallVector<Value> outIns{steps.getResult(1), xC};
          SmallVector<AffineMap> outMaps{id2, id2};
          if (skip) {
            outIns.push_back(skip);
            outMaps.push_back(dim1);
          }
          Value zC = op.getZ() ? s.rows(op.getZ(), bt, tt0, rows, cc, blk)
                               : Value();
          if (zC) {
            outIns.push_back(zC);
            outMaps.push_back(id2);
          }
          outMaps.push_back(id2);
          SmallVector<OpFoldResult> yOffsets{tt0, zero}, ySizes{rows, blk},
              yStrides(2, one);
          Value yC = tensor::ExtractSliceOp::create(cb, l, carried[1], yOffsets,
                                                    ySizes, yStrides);
          Value yOut = buildGeneric(
              cb, l, outIns, yC, outMaps, iterators(2),
              [&](OpBuilder &nb, Location nl, ValueRange a) {
                Value v = a[0];
                unsigned next = 2;
                if (skip)
                  v = arith::AddFOp::create(
                      nb, nl, v,
                      arith::MulFOp::create(nb, nl,
                                            convertFloat(nb, nl, a[next++], accTy),
                                            convertFloat(nb, nl, a[1], accTy)));
                if (zC)
                  v = arith::MulFOp::create(
                      nb, nl, v,
                      silu(nb, nl, convertFloat(nb, nl, a[next], accTy)));
                linalg::YieldOp::create(nb, nl, convertFloat(nb, nl, v, elemTy));
              });
          Value y = tensor::InsertSliceOp::create(cb, l, yOut, carried[1],
                                                  yOffsets, ySizes, yStrides);
          scf::YieldOp::create(cb, l, ValueRange{steps.getResult(0), y});
        });
    // The final state tile [Cb, N] in the element type.
    Value hT = sb.transposed(chunks.getResult(0), {blk, dState}, elemTy);
    return {chunks.getResult(1), hT};
  }
};

} // namespace

void populateScanToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ScanToLinalg>(patterns.getContext());
}

} // namespace mixer

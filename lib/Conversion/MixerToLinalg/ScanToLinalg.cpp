//===- ScanToLinalg.cpp - mixer.selective_scan to scf + linalg ------------===//
//
// The recurrence is sequential in time, parallel in everything else: an
// scf.for over t carries the state h [batch, channels, d_state] (in f32 for
// 16-bit inputs) and the output y; each step is
//
//   dt      = softplus?(delta[b,t,c] + delta_bias[c])
//   h       = exp(dt * A[c,n]) * h + dt * B[b,t,n] * x[b,t,c]     (parallel)
//   y[b,t,c] = sum_n C[b,t,n] * h[b,c,n]                          (reduction)
//              + D[c] * x[b,t,c], times silu(z[b,t,c])
//
// This is the reference lowering; the chunked, vectorized scan is the
// selective-scan issue's.
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

struct ScanToLinalg : OpRewritePattern<SelectiveScanOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SelectiveScanOp op,
                                PatternRewriter &rewriter) const override {
    MLIRContext *ctx = op.getContext();
    Location loc = op.getLoc();
    Value x = op.getX();
    auto xTy = cast<RankedTensorType>(x.getType());
    Type elemTy = xTy.getElementType();
    Type accTy = accumulatorType(elemTy);

    OpFoldResult batch = tensor::getMixedSize(rewriter, loc, x, 0);
    OpFoldResult channels = tensor::getMixedSize(rewriter, loc, x, 2);
    OpFoldResult dState = tensor::getMixedSize(rewriter, loc, op.getA(), 1);
    SmallVector<OpFoldResult> stateDims{batch, channels, dState};
    SmallVector<OpFoldResult> stepDims{batch, channels};

    Value zero = floatConstant(rewriter, loc, accTy, 0.0);
    Value h0;
    if (Value init = op.getInitialState())
      h0 = buildGeneric(
          rewriter, loc, init, createEmpty(rewriter, loc, stateDims, accTy),
          {AffineMap::getMultiDimIdentityMap(3, ctx),
           AffineMap::getMultiDimIdentityMap(3, ctx)},
          iterators(3), [&](OpBuilder &b, Location l, ValueRange args) {
            linalg::YieldOp::create(b, l, convertFloat(b, l, args[0], accTy));
          });
    else
      h0 = createFilled(rewriter, loc, stateDims, accTy, zero);
    Value y0 = createEmpty(rewriter, loc, getDims(rewriter, loc, x), elemTy);

    Value lb = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value ub = tensor::DimOp::create(rewriter, loc, x, 1);
    Value step = arith::ConstantIndexOp::create(rewriter, loc, 1);
    auto loop = scf::ForOp::create(
        rewriter, loc, lb, ub, step, ValueRange{h0, y0},
        [&](OpBuilder &b, Location l, Value t, ValueRange carried) {
          Value h = buildStateUpdate(b, l, op, t, carried[0], accTy);
          Value yt = buildOutput(b, l, op, t, h, stepDims, accTy);
          Value zeroIdx = arith::ConstantIndexOp::create(b, l, 0);
          SmallVector<OpFoldResult> offsets{zeroIdx, t, zeroIdx};
          SmallVector<OpFoldResult> sizes{batch, b.getIndexAttr(1), channels};
          SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
          Value y = tensor::InsertSliceOp::create(b, l, yt, carried[1],
                                                  offsets, sizes, strides);
          scf::YieldOp::create(b, l, ValueRange{h, y});
        });

    Value state = loop.getResult(0);
    auto stateTy = cast<RankedTensorType>(op.getFinalState().getType());
    if (accTy != elemTy)
      state = buildGeneric(
          rewriter, loc, state,
          createEmpty(rewriter, loc, stateDims, elemTy),
          {AffineMap::getMultiDimIdentityMap(3, ctx),
           AffineMap::getMultiDimIdentityMap(3, ctx)},
          iterators(3), [&](OpBuilder &b, Location l, ValueRange args) {
            linalg::YieldOp::create(b, l, convertFloat(b, l, args[0], elemTy));
          });
    if (state.getType() != stateTy)
      state = tensor::CastOp::create(rewriter, loc, stateTy, state);
    Value y = loop.getResult(1);
    if (y.getType() != op.getY().getType())
      y = tensor::CastOp::create(rewriter, loc, op.getY().getType(), y);
    rewriter.replaceOp(op, {y, state});
    return success();
  }

private:
  /// h = exp(dt * A) * h + dt * B * x at step t, over (b, c, n).
  static Value buildStateUpdate(OpBuilder &builder, Location loc,
                                SelectiveScanOp op, Value t, Value h,
                                Type accTy) {
    MLIRContext *ctx = op.getContext();
    AffineMap identity = AffineMap::getMultiDimIdentityMap(3, ctx);
    AffineMap channelState = AffineMap::get(
        3, 0, {getAffineDimExpr(1, ctx), getAffineDimExpr(2, ctx)}, ctx);
    Value deltaBias = op.getDeltaBias();
    bool doSoftplus = op.getDeltaSoftplus();
    return buildGeneric(
        builder, loc, ValueRange{h, op.getA()},
        createEmpty(builder, loc, getDims(builder, loc, h), accTy),
        {identity, channelState, identity}, iterators(3),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value bi = linalg::IndexOp::create(b, l, 0);
          Value c = linalg::IndexOp::create(b, l, 1);
          Value n = linalg::IndexOp::create(b, l, 2);
          auto read = [&](Value tensor, ValueRange idx) {
            return convertFloat(b, l, tensor::ExtractOp::create(b, l, tensor, idx),
                                accTy);
          };
          Value dt = read(op.getDelta(), {bi, t, c});
          if (deltaBias)
            dt = arith::AddFOp::create(b, l, dt, read(deltaBias, {c}));
          if (doSoftplus)
            dt = softplus(b, l, dt);
          Value a = convertFloat(b, l, args[1], accTy);
          Value decay =
              math::ExpOp::create(b, l, arith::MulFOp::create(b, l, dt, a));
          Value input = arith::MulFOp::create(
              b, l, arith::MulFOp::create(b, l, dt, read(op.getB(), {bi, t, n})),
              read(op.getX(), {bi, t, c}));
          Value next = arith::AddFOp::create(
              b, l, arith::MulFOp::create(b, l, decay, args[0]), input);
          linalg::YieldOp::create(b, l, next);
        });
  }

  /// y[b, t, c] = sum_n C[b,t,n] h[b,c,n] + D[c] x[b,t,c], gated by silu(z):
  /// a [batch, channels] tensor of the input's element type.
  static Value buildOutput(OpBuilder &builder, Location loc,
                           SelectiveScanOp op, Value t, Value h,
                           ArrayRef<OpFoldResult> stepDims, Type accTy) {
    MLIRContext *ctx = op.getContext();
    Type elemTy = cast<RankedTensorType>(op.getX().getType()).getElementType();
    Value zero = floatConstant(builder, loc, accTy, 0.0);
    AffineMap identity3 = AffineMap::getMultiDimIdentityMap(3, ctx);
    AffineMap batchChannel = AffineMap::get(
        3, 0, {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx)}, ctx);
    Value sum = buildGeneric(
        builder, loc, h, createFilled(builder, loc, stepDims, accTy, zero),
        {identity3, batchChannel}, iterators(2, 1),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value bi = linalg::IndexOp::create(b, l, 0);
          Value n = linalg::IndexOp::create(b, l, 2);
          Value c = convertFloat(
              b, l, tensor::ExtractOp::create(b, l, op.getC(), ValueRange{bi, t, n}),
              accTy);
          Value prod = arith::MulFOp::create(b, l, c, args[0]);
          linalg::YieldOp::create(
              b, l, arith::AddFOp::create(b, l, args[1], prod).getResult());
        });

    AffineMap identity2 = AffineMap::getMultiDimIdentityMap(2, ctx);
    Value skip = op.getD(), gate = op.getZ();
    return buildGeneric(
        builder, loc, sum, createEmpty(builder, loc, stepDims, elemTy),
        {identity2, identity2}, iterators(2),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value bi = linalg::IndexOp::create(b, l, 0);
          Value c = linalg::IndexOp::create(b, l, 1);
          auto read = [&](Value tensor, ValueRange idx) {
            return convertFloat(b, l, tensor::ExtractOp::create(b, l, tensor, idx),
                                accTy);
          };
          Value y = args[0];
          if (skip)
            y = arith::AddFOp::create(
                b, l, y,
                arith::MulFOp::create(b, l, read(skip, {c}),
                                      read(op.getX(), {bi, t, c})));
          if (gate) {
            Value zv = read(gate, {bi, t, c});
            Value one = floatConstant(b, l, accTy, 1.0);
            Value sig = arith::DivFOp::create(
                b, l, one,
                arith::AddFOp::create(
                    b, l, one,
                    math::ExpOp::create(b, l, arith::NegFOp::create(b, l, zv))));
            y = arith::MulFOp::create(b, l, y,
                                      arith::MulFOp::create(b, l, zv, sig));
          }
          linalg::YieldOp::create(b, l, convertFloat(b, l, y, elemTy));
        });
  }
};

} // namespace

void populateScanToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ScanToLinalg>(patterns.getContext());
}

} // namespace mixer

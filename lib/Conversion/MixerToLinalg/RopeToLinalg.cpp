//===- RopeToLinalg.cpp - mixer.rope to linalg ----------------------------===//
//
// One elementwise pass over [batch, heads, seq, head_dim]. Feature d < R reads
// its pair partner and the angle of its pair k at the token's position p:
//
//   rotate_half: k = d mod R/2, partner = d ± R/2, the first half negated
//   interleaved: k = d / 2,     partner = d xor 1, the even feature negated
//   y[d] = x[d] * cos[p, k] ∓ x[partner] * sin[p, k]
//
// Features from R on pass through. Table positions are clamped to the table,
// so a bad position id reads a wrong angle rather than out of bounds memory.
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

struct RopeToLinalg : OpRewritePattern<RopeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RopeOp op,
                                PatternRewriter &rewriter) const override {
    MLIRContext *ctx = op.getContext();
    Location loc = op.getLoc();
    Value input = op.getInput(), cos = op.getCos(), sin = op.getSin();
    Value positions = op.getPositions();
    auto type = cast<RankedTensorType>(input.getType());
    bool isTable = cast<RankedTensorType>(cos.getType()).getRank() == 2;
    bool interleaved = op.getStyle() == RopeStyle::interleaved;

    auto cst = [&](int64_t v) {
      return arith::ConstantIndexOp::create(rewriter, loc, v).getResult();
    };
    Value half = tensor::DimOp::create(rewriter, loc, cos,
                                       isTable ? 1 : 2);
    Value rotaryDim = arith::MulIOp::create(rewriter, loc, half, cst(2));
    Value lastPosition =
        isTable ? arith::SubIOp::create(
                      rewriter, loc,
                      tensor::DimOp::create(rewriter, loc, cos, 0), cst(1))
                      .getResult()
                : Value();
    Value cosBatch = tensor::DimOp::create(rewriter, loc, cos, 0);

    AffineMap identity = AffineMap::getMultiDimIdentityMap(4, ctx);
    SmallVector<Value> ins{input};
    SmallVector<AffineMap> maps{identity};
    if (positions) {
      ins.push_back(positions);
      maps.push_back(AffineMap::get(
          4, 0, {getAffineDimExpr(0, ctx), getAffineDimExpr(2, ctx)}, ctx));
    }
    maps.push_back(identity);

    Value result = buildGeneric(
        rewriter, loc, ins,
        createEmpty(rewriter, loc, getDims(rewriter, loc, input),
                    type.getElementType()),
        maps, iterators(4), [&](OpBuilder &b, Location l, ValueRange args) {
          Value bIdx = linalg::IndexOp::create(b, l, 0);
          Value hIdx = linalg::IndexOp::create(b, l, 1);
          Value sIdx = linalg::IndexOp::create(b, l, 2);
          Value d = linalg::IndexOp::create(b, l, 3);
          auto cmp = [&](arith::CmpIPredicate pred, Value x, Value y) {
            return arith::CmpIOp::create(b, l, pred, x, y).getResult();
          };
          auto select = [&](Value c, Value x, Value y) {
            return arith::SelectOp::create(b, l, c, x, y).getResult();
          };

          // Pair index k, partner feature, and whether x[partner] is negated.
          Value k, partner, negate;
          if (interleaved) {
            k = arith::DivUIOp::create(b, l, d, cst(2));
            partner = arith::XOrIOp::create(b, l, d, cst(1));
            Value odd = arith::RemUIOp::create(b, l, d, cst(2));
            negate = cmp(arith::CmpIPredicate::eq, odd, cst(0));
          } else {
            negate = cmp(arith::CmpIPredicate::ult, d, half);
            Value up = arith::AddIOp::create(b, l, d, half);
            Value down = arith::SubIOp::create(b, l, d, half);
            k = select(negate, d, down);
            partner = select(negate, up, down);
          }
          // Features past rotary_dim pass through; keep their reads in bounds.
          Value rotated = cmp(arith::CmpIPredicate::ult, d, rotaryDim);
          k = select(rotated, k, cst(0));
          partner = select(rotated, partner, d);

          SmallVector<Value> angleIdx;
          if (isTable) {
            Value p = sIdx;
            if (positions)
              p = arith::IndexCastOp::create(b, l, b.getIndexType(), args[1]);
            p = arith::MaxSIOp::create(b, l, p, cst(0));
            p = arith::MinSIOp::create(b, l, p, lastPosition);
            angleIdx = {p, k};
          } else {
            Value one = cst(1);
            Value bc = select(cmp(arith::CmpIPredicate::eq, cosBatch, one),
                              cst(0), bIdx);
            angleIdx = {bc, sIdx, k};
          }
          Value c = tensor::ExtractOp::create(b, l, cos, angleIdx);
          Value s = tensor::ExtractOp::create(b, l, sin, angleIdx);
          Value other = tensor::ExtractOp::create(
              b, l, input, ValueRange{bIdx, hIdx, sIdx, partner});
          Value x = args[0];
          Value sinTerm = arith::MulFOp::create(b, l, other, s);
          Value cosTerm = arith::MulFOp::create(b, l, x, c);
          Value y = select(negate, arith::SubFOp::create(b, l, cosTerm, sinTerm),
                           arith::AddFOp::create(b, l, cosTerm, sinTerm));
          linalg::YieldOp::create(b, l, select(rotated, y, x));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateRopeToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<RopeToLinalg>(patterns.getContext());
}

} // namespace mixer

//===- PackingToLinalg.cpp - padding_plan, pack/unpack_tokens lowering ----===//
//
// The three ops --mixer-remove-padding builds, on tensors:
//
//   padding_plan:  counts[b] = #(mask[b, :] != 0)         (a row reduction)
//                  offsets   = exclusive prefix sums      (a loop over rows)
//                  tokens    = flat indices of the valid entries, in order
//                              (a loop over the mask: B * S scalar steps,
//                              microseconds next to the model)
//   pack_tokens:   scf.forall over tokens t: row (b, s) -> row (0, t)
//   unpack_tokens: zeros, then scf.forall over tokens t: row (0, t) -> (b, s)
//
// A "row" is everything after the two token dims (the hidden vector), moved
// as one slice: the copies are contiguous and run on every thread.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "mixer/Conversion/MixerToLinalg/MixerToLinalg.h"
#include "mixer/Dialect/Mixer/IR/MixerOps.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mixer::lowering;

namespace mixer {
namespace {

Value idx(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

Value toIndex(OpBuilder &b, Location loc, Value v) {
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
}

/// Whether a mask entry marks a valid token: it is nonzero.
Value isValid(OpBuilder &b, Location loc, Value entry) {
  Type type = entry.getType();
  if (isa<FloatType>(type))
    return arith::CmpFOp::create(
        b, loc, arith::CmpFPredicate::UNE, entry,
        arith::ConstantOp::create(b, loc, b.getFloatAttr(type, 0.0)));
  return arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::ne, entry,
      arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, 0)));
}

struct PaddingPlanToLinalg : OpRewritePattern<PaddingPlanOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(PaddingPlanOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    Value mask = op.getMask();
    Type i64 = rewriter.getI64Type();
    Value zero = arith::ConstantIntOp::create(rewriter, loc, i64, 0);
    Value batch = getValueOrCreateConstantIndexOp(
        rewriter, loc, tensor::getMixedSize(rewriter, loc, mask, 0));
    Value seq = getValueOrCreateConstantIndexOp(
        rewriter, loc, tensor::getMixedSize(rewriter, loc, mask, 1));

    // counts[b] = number of valid entries of row b.
    AffineExpr b, s;
    bindDims(ctx, b, s);
    Value counts = buildGeneric(
        rewriter, loc, mask,
        createFilled(rewriter, loc, {OpFoldResult(batch)}, i64, zero),
        {AffineMap::get(2, 0, {b, s}, ctx), AffineMap::get(2, 0, {b}, ctx)},
        iterators(1, 1), [&](OpBuilder &nb, Location nl, ValueRange args) {
          Value one = arith::ExtUIOp::create(nb, nl, nb.getI64Type(),
                                             isValid(nb, nl, args[0]));
          linalg::YieldOp::create(
              nb, nl, arith::AddIOp::create(nb, nl, args[1], one).getResult());
        });

    // offsets[0] = 0, offsets[b + 1] = offsets[b] + counts[b].
    Value rows = arith::AddIOp::create(rewriter, loc, batch, idx(rewriter, loc, 1));
    Value offsets0 = tensor::InsertOp::create(
        rewriter, loc, zero,
        createEmpty(rewriter, loc, {OpFoldResult(rows)}, i64),
        ValueRange{idx(rewriter, loc, 0)});
    auto prefix = scf::ForOp::create(
        rewriter, loc, idx(rewriter, loc, 0), batch, idx(rewriter, loc, 1),
        ValueRange{zero, offsets0},
        [&](OpBuilder &nb, Location nl, Value row, ValueRange iter) {
          Value count = tensor::ExtractOp::create(nb, nl, counts, row);
          Value end = arith::AddIOp::create(nb, nl, iter[0], count);
          Value next = arith::AddIOp::create(nb, nl, row, idx(nb, nl, 1));
          Value offsets =
              tensor::InsertOp::create(nb, nl, end, iter[1], ValueRange{next});
          scf::YieldOp::create(nb, nl, ValueRange{end, offsets});
        });
    Value total = toIndex(rewriter, loc, prefix.getResult(0));
    Value offsets = prefix.getResult(1);

    // tokens: the flat index of every valid entry, in row-major order.
    Value tokens0 = createEmpty(rewriter, loc, {OpFoldResult(total)}, i64);
    auto outer = scf::ForOp::create(
        rewriter, loc, idx(rewriter, loc, 0), batch, idx(rewriter, loc, 1),
        ValueRange{idx(rewriter, loc, 0), tokens0},
        [&](OpBuilder &ob, Location ol, Value row, ValueRange outerIter) {
          auto inner = scf::ForOp::create(
              ob, ol, idx(ob, ol, 0), seq, idx(ob, ol, 1), outerIter,
              [&](OpBuilder &ib, Location il, Value col, ValueRange iter) {
                Value entry = tensor::ExtractOp::create(ib, il, mask,
                                                        ValueRange{row, col});
                auto ifOp = scf::IfOp::create(
                    ib, il, isValid(ib, il, entry),
                    [&](OpBuilder &tb, Location tl) {
                      Value flat = arith::AddIOp::create(
                          tb, tl, arith::MulIOp::create(tb, tl, row, seq), col);
                      Value flat64 = arith::IndexCastOp::create(
                          tb, tl, tb.getI64Type(), flat);
                      Value updated = tensor::InsertOp::create(
                          tb, tl, flat64, iter[1], ValueRange{iter[0]});
                      Value next =
                          arith::AddIOp::create(tb, tl, iter[0], idx(tb, tl, 1));
                      scf::YieldOp::create(tb, tl, ValueRange{next, updated});
                    },
                    [&](OpBuilder &eb, Location el) {
                      scf::YieldOp::create(eb, el, iter);
                    });
                scf::YieldOp::create(ib, il, ifOp.getResults());
              });
          scf::YieldOp::create(ob, ol, inner.getResults());
        });
    Value tokens = outer.getResult(1);

    auto cast = [&](Value v, Type type) {
      return v.getType() == type
                 ? v
                 : tensor::CastOp::create(rewriter, loc, type, v).getResult();
    };
    rewriter.replaceOp(op, {cast(offsets, op.getOffsets().getType()),
                            cast(tokens, op.getTokens().getType())});
    return success();
  }
};

/// The slice of one token's row: `[1, 1, rest...]` at (`i`, `j`) of a
/// `[_, _, rest...]` tensor, rank-reduced to `rest` (a scalar's row is [1]).
struct RowSlice {
  SmallVector<OpFoldResult> offsets, sizes, strides;
  RankedTensorType type;
};

RowSlice rowSlice(OpBuilder &b, Location loc, Value tensor, Value i, Value j) {
  auto type = cast<RankedTensorType>(tensor.getType());
  RowSlice slice;
  slice.offsets = {i, j};
  slice.sizes = {b.getIndexAttr(1), b.getIndexAttr(1)};
  SmallVector<int64_t> shape;
  for (int64_t d = 2; d < type.getRank(); ++d) {
    slice.offsets.push_back(b.getIndexAttr(0));
    slice.sizes.push_back(tensor::getMixedSize(b, loc, tensor, d));
    shape.push_back(type.getDimSize(d));
  }
  if (shape.empty())
    shape.push_back(1), slice.sizes.back() = b.getIndexAttr(1);
  slice.strides.assign(type.getRank(), b.getIndexAttr(1));
  slice.type = RankedTensorType::get(shape, type.getElementType());
  return slice;
}

/// scf.forall over the tokens t, copying the row of `source` at the
/// position `from(t)` into the row of `into` at `to(t)`; the result cast to
/// `type`.
Value copyRows(OpBuilder &b, Location loc, Value source, Value into,
               Value tokens, bool toPacked, RankedTensorType type) {
  Value count = getValueOrCreateConstantIndexOp(
      b, loc, tensor::getMixedSize(b, loc, tokens, 0));
  Value padded = toPacked ? source : into;
  Value seq = getValueOrCreateConstantIndexOp(
      b, loc, tensor::getMixedSize(b, loc, padded, 1));
  auto forall = scf::ForallOp::create(
      b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{count}, ArrayRef<OpFoldResult>{b.getIndexAttr(1)},
      ValueRange{into}, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(forall.getBody());
  Value t = forall.getInductionVar(0);
  Value flat = toIndex(b, loc, tensor::ExtractOp::create(b, loc, tokens, t));
  Value row = arith::DivUIOp::create(b, loc, flat, seq);
  Value col = arith::RemUIOp::create(b, loc, flat, seq);
  Value zeroIdx = idx(b, loc, 0);
  RowSlice from = toPacked ? rowSlice(b, loc, source, row, col)
                           : rowSlice(b, loc, source, zeroIdx, t);
  Value out = forall.getRegionIterArgs()[0];
  RowSlice to = toPacked ? rowSlice(b, loc, out, zeroIdx, t)
                         : rowSlice(b, loc, out, row, col);
  Value value = tensor::ExtractSliceOp::create(
      b, loc, from.type, source, from.offsets, from.sizes, from.strides);
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(b, loc, value, out, to.offsets,
                                        to.sizes, to.strides);
  b.setInsertionPointAfter(forall);
  Value result = forall.getResult(0);
  if (result.getType() != type)
    result = tensor::CastOp::create(b, loc, type, result);
  return result;
}

/// The dims of `like` with the two token dims replaced by `first`, `second`.
SmallVector<OpFoldResult> withTokenDims(OpBuilder &b, Location loc,
                                        Value like, OpFoldResult first,
                                        OpFoldResult second) {
  SmallVector<OpFoldResult> dims = getDims(b, loc, like);
  dims[0] = first;
  dims[1] = second;
  return dims;
}

struct PackTokensToLinalg : OpRewritePattern<PackTokensOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(PackTokensOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = op.getResult().getType();
    SmallVector<OpFoldResult> dims = withTokenDims(
        rewriter, loc, op.getInput(), rewriter.getIndexAttr(1),
        tensor::getMixedSize(rewriter, loc, op.getTokens(), 0));
    Value init = createEmpty(rewriter, loc, dims, type.getElementType());
    rewriter.replaceOp(op, copyRows(rewriter, loc, op.getInput(), init,
                                    op.getTokens(), /*toPacked=*/true, type));
    return success();
  }
};

struct UnpackTokensToLinalg : OpRewritePattern<UnpackTokensOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(UnpackTokensOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = op.getResult().getType();
    Type elem = type.getElementType();
    SmallVector<OpFoldResult> dims = withTokenDims(
        rewriter, loc, op.getInput(),
        tensor::getMixedSize(rewriter, loc, op.getMask(), 0),
        tensor::getMixedSize(rewriter, loc, op.getMask(), 1));
    Value zero = arith::ConstantOp::create(rewriter, loc,
                                           rewriter.getZeroAttr(elem));
    Value zeros = createFilled(rewriter, loc, dims, elem, zero);
    rewriter.replaceOp(op, copyRows(rewriter, loc, op.getInput(), zeros,
                                    op.getTokens(), /*toPacked=*/false, type));
    return success();
  }
};

} // namespace

void populatePackingToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<PaddingPlanToLinalg, PackTokensToLinalg, UnpackTokensToLinalg>(
      patterns.getContext());
}

} // namespace mixer

//===- ReduceHeads.cpp - --mixer-reduce-query-heads, mha-to-gqa -----------===//
//
// Rewrites that change how many heads an attention op computes:
//
//   - Sparse Query Attention (--mixer-reduce-query-heads=heads=N, lossy):
//     groups of query heads (and of K/V heads, when there are more than N)
//     are replaced by their mean; the attention computes N output heads,
//     each fed to the output projection in place of the heads it replaces.
//   - dead-head removal (--mixer-reduce-query-heads=exact=true): heads whose
//     output-projection rows are all zero are not computed.
//   - MHA -> GQA (--mixer-share-kv-heads=mha-to-gqa=N, lossy): groups of K/V
//     heads are replaced by their mean.
//
// The means are taken of the projected heads right before the attention:
// by linearity that equals merging the projection weights (and rotary
// embeddings, being the same linear map for every head, commute with it),
// and it does not depend on how an exporter wrote the projections.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"

#include "mixer/Dialect/Mixer/Transforms/Passes.h"
#include "mixer/Dialect/Mixer/Transforms/Transforms.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

namespace mixer {

#define GEN_PASS_DEF_REDUCEQUERYHEADS
#include "mixer/Dialect/Mixer/Transforms/Passes.h.inc"

namespace {

/// The mean of every `size` consecutive heads of `heads` ([B, H, S, D]),
/// as [B, H / size, S, D].
Value meanOfHeadGroups(OpBuilder &b, Location loc, Value heads,
                       int64_t size) {
  auto type = cast<RankedTensorType>(heads.getType());
  int64_t groups = type.getDimSize(1) / size;
  SmallVector<OpFoldResult> dims = tensor::getMixedSizes(b, loc, heads);
  SmallVector<OpFoldResult> expandedDims = {dims[0], b.getIndexAttr(groups),
                                            b.getIndexAttr(size), dims[2],
                                            dims[3]};
  SmallVector<int64_t> expandedShape = {type.getDimSize(0), groups, size,
                                        type.getDimSize(2), type.getDimSize(3)};
  Value expanded = tensor::ExpandShapeOp::create(
      b, loc, type.clone(expandedShape), heads,
      ArrayRef<ReassociationIndices>{{0}, {1, 2}, {3}, {4}}, expandedDims);

  SmallVector<OpFoldResult> resultDims = {dims[0], b.getIndexAttr(groups),
                                          dims[2], dims[3]};
  Type element = type.getElementType();
  Value init = tensor::EmptyOp::create(b, loc, resultDims, element);
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(element));
  init = linalg::FillOp::create(b, loc, zero, init).getResult(0);
  Value weight = arith::ConstantOp::create(
      b, loc, b.getFloatAttr(element, 1.0 / static_cast<double>(size)));

  MLIRContext *ctx = b.getContext();
  AffineExpr batch, group, seq, dim, member;
  bindDims(ctx, batch, group, seq, dim, member);
  SmallVector<AffineMap> maps = {
      AffineMap::get(5, 0, {batch, group, member, seq, dim}, ctx),
      AffineMap::get(5, 0, {batch, group, seq, dim}, ctx)};
  SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{expanded}, ValueRange{init},
             maps, iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value scaled = arith::MulFOp::create(nb, nl, args[0], weight);
               Value sum = arith::AddFOp::create(nb, nl, args[1], scaled);
               linalg::YieldOp::create(nb, nl, sum);
             })
      .getResult(0);
}

/// [B, H, S, D] -> [B, H * times, S, D]: head h of the result is head
/// h / times of `heads`.
Value repeatHeads(OpBuilder &b, Location loc, Value heads, int64_t times,
                  RankedTensorType resultType) {
  auto type = cast<RankedTensorType>(heads.getType());
  SmallVector<OpFoldResult> dims = tensor::getMixedSizes(b, loc, heads);
  SmallVector<OpFoldResult> broadcastDims = {dims[0], dims[1],
                                             b.getIndexAttr(times), dims[2],
                                             dims[3]};
  Value init =
      tensor::EmptyOp::create(b, loc, broadcastDims, type.getElementType());
  Value broadcast =
      linalg::BroadcastOp::create(b, loc, heads, init, ArrayRef<int64_t>{2})
          .getResult()[0];
  Value merged = tensor::CollapseShapeOp::create(
      b, loc, broadcast, ArrayRef<ReassociationIndices>{{0}, {1, 2}, {3}, {4}});
  if (merged.getType() != resultType)
    merged = tensor::CastOp::create(b, loc, resultType, merged);
  return merged;
}

/// Heads [first, first + count) of every entry of `runs`, concatenated along
/// dim 1 of `heads` ([B, H, S, D]).
Value selectHeads(OpBuilder &b, Location loc, Value heads,
                  ArrayRef<std::pair<int64_t, int64_t>> runs) {
  SmallVector<OpFoldResult> dims = tensor::getMixedSizes(b, loc, heads);
  SmallVector<Value> slices;
  for (auto [first, count] : runs) {
    SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0)), sizes(dims),
        strides(4, b.getIndexAttr(1));
    offsets[1] = b.getIndexAttr(first);
    sizes[1] = b.getIndexAttr(count);
    slices.push_back(
        tensor::ExtractSliceOp::create(b, loc, heads, offsets, sizes, strides));
  }
  if (slices.size() == 1)
    return slices.front();
  return tensor::ConcatOp::create(b, loc, /*dim=*/1, slices);
}

/// The inverse of selectHeads: a [B, total, S, D] tensor of zeros with the
/// heads of `selected` at the positions of `runs`.
Value scatterHeads(OpBuilder &b, Location loc, Value selected,
                   ArrayRef<std::pair<int64_t, int64_t>> runs,
                   RankedTensorType resultType) {
  SmallVector<OpFoldResult> dims = tensor::getMixedSizes(b, loc, selected);
  SmallVector<OpFoldResult> resultDims(dims);
  resultDims[1] = b.getIndexAttr(resultType.getDimSize(1));
  Type element = resultType.getElementType();
  Value result = tensor::EmptyOp::create(b, loc, resultDims, element);
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(element));
  result = linalg::FillOp::create(b, loc, zero, result).getResult(0);
  int64_t position = 0;
  for (auto [first, count] : runs) {
    SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0)), sizes(dims),
        strides(4, b.getIndexAttr(1));
    offsets[1] = b.getIndexAttr(position);
    sizes[1] = b.getIndexAttr(count);
    Value run =
        tensor::ExtractSliceOp::create(b, loc, selected, offsets, sizes, strides);
    offsets[1] = b.getIndexAttr(first);
    result =
        tensor::InsertSliceOp::create(b, loc, run, result, offsets, sizes,
                                      strides);
    position += count;
  }
  if (result.getType() != resultType)
    result = tensor::CastOp::create(b, loc, resultType, result);
  return result;
}

/// Whether the mask (if any) is the same for every head: it has no heads dim
/// or that dim is 1.
bool maskIsHeadInvariant(AttentionOp op) {
  Value mask = op.getMask();
  if (!mask)
    return true;
  auto type = cast<RankedTensorType>(mask.getType());
  // Right-aligned against [batch, heads, seq_q, seq_kv]: the heads dim is
  // rank - 3 when the mask has one.
  int64_t headDim = type.getRank() - 3;
  return headDim < 0 || type.getDimSize(headDim) == 1;
}

/// The new attention op: same operands but for query/key/value, with
/// `outputHeads` result heads.
AttentionOp cloneWithHeads(OpBuilder &b, AttentionOp op, Value query,
                           Value key, Value value, Value mask,
                           int64_t outputHeads) {
  RankedTensorType type = op.getType();
  SmallVector<int64_t> shape(type.getShape());
  shape[1] = outputHeads;
  return AttentionOp::create(b, op.getLoc(), type.clone(shape), query, key,
                             value, mask, op.getSeqLens(), op.getOffsets(),
                             op.getScaleAttr(),
                             op.getCausal());
}

//===----------------------------------------------------------------------===//
// Dead heads
//===----------------------------------------------------------------------===//

/// Per output head of `op`, whether every weight row that reads it is zero:
/// the result goes through transpose [0, 2, 1, 3] and a reshape to
/// [B, S, H * Dv] into contractions over that last dim by constant weights.
/// Fails (with `whyNot`) when the output is used in any other way.
FailureOr<SmallVector<bool>> findDeadHeads(AttentionOp op,
                                           std::string &whyNot) {
  whyNot = "its output does not go only through a head transpose and "
           "reshape into linear layers with constant weights";
  Value result = op.getResult();
  int64_t heads = op.getType().getDimSize(1);
  if (!result.hasOneUse())
    return failure();
  auto transpose = dyn_cast<linalg::TransposeOp>(*result.user_begin());
  if (!transpose ||
      transpose.getPermutation() != ArrayRef<int64_t>{0, 2, 1, 3} ||
      !transpose->getResult(0).hasOneUse())
    return failure();
  Operation *reshape = *transpose->getResult(0).user_begin();
  if (!isa<tensor::ReshapeOp, tensor::CollapseShapeOp>(reshape))
    return failure();
  auto merged = cast<RankedTensorType>(reshape->getResult(0).getType());
  if (merged.getRank() != 3 || merged.isDynamicDim(2) ||
      merged.getDimSize(2) % heads != 0)
    return failure();
  int64_t width = merged.getDimSize(2), headDim = width / heads;
  if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(reshape))
    if (collapse.getReassociationIndices() !=
        SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}})
      return failure();

  SmallVector<bool> dead(heads, true);
  if (reshape->getResult(0).use_empty())
    return failure();
  for (OpOperand &use : reshape->getResult(0).getUses()) {
    auto linear = dyn_cast<linalg::GenericOp>(use.getOwner());
    if (!linear || !linalg::isaContractionOpInterface(linear) ||
        linear.getNumDpsInputs() != 2 || use.getOperandNumber() != 0)
      return failure();
    // x [.., k] (last result k) times W [k, n] (first result k).
    AffineMap xMap = linear.getMatchingIndexingMap(&use);
    OpOperand *weightOperand = linear.getDpsInputOperand(1);
    AffineMap wMap = linear.getMatchingIndexingMap(weightOperand);
    if (wMap.getNumResults() != 2 ||
        wMap.getResult(0) != xMap.getResult(xMap.getNumResults() - 1))
      return failure();
    Attribute attr;
    if (!matchPattern(weightOperand->get(), m_Constant(&attr)))
      return failure();
    std::optional<SmallVector<float>> weight = readF32Constant(attr);
    auto wType = cast<RankedTensorType>(weightOperand->get().getType());
    if (!weight || wType.getDimSize(0) != width)
      return failure();
    int64_t columns = wType.getDimSize(1);
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t row = h * headDim; dead[h] && row < (h + 1) * headDim;
           ++row)
        for (int64_t c = 0; c < columns; ++c)
          if ((*weight)[row * columns + c] != 0.0f) {
            dead[h] = false;
            break;
          }
  }
  return dead;
}

/// Units that go together: with U = min(Hq, Hkv), unit u owns Hq / U query
/// heads, Hkv / U K/V heads and Hout / U output heads, all consecutive.
/// Returns the kept units' runs of heads per operand, or fails when nothing
/// or everything is dead.
struct HeadSelection {
  SmallVector<std::pair<int64_t, int64_t>> query, kv, output;
  int64_t keptUnits = 0, units = 0;
};

HeadSelection selectLiveUnits(AttentionOp op, ArrayRef<bool> dead) {
  int64_t hq = op.getNumQueryHeads(), hkv = op.getNumKVHeads();
  int64_t hout = std::max(hq, hkv), units = std::min(hq, hkv);
  int64_t qPer = hq / units, kvPer = hkv / units, outPer = hout / units;
  HeadSelection selection;
  selection.units = units;
  auto append = [](SmallVector<std::pair<int64_t, int64_t>> &runs,
                   int64_t first, int64_t count) {
    if (!runs.empty() && runs.back().first + runs.back().second == first)
      runs.back().second += count;
    else
      runs.push_back({first, count});
  };
  for (int64_t u = 0; u < units; ++u) {
    bool allDead = llvm::all_of(dead.slice(u * outPer, outPer),
                                [](bool d) { return d; });
    if (allDead)
      continue;
    ++selection.keptUnits;
    append(selection.query, u * qPer, qPer);
    append(selection.kv, u * kvPer, kvPer);
    append(selection.output, u * outPer, outPer);
  }
  return selection;
}

struct ReduceQueryHeadsPass
    : impl::ReduceQueryHeadsBase<ReduceQueryHeadsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (heads < 0) {
      emitError(getOperation()->getLoc())
          << "mixer-reduce-query-heads: heads=" << static_cast<int64_t>(heads)
          << " must be positive (or 0 for off)";
      return signalPassFailure();
    }
    if (heads > 0 && exact) {
      emitError(getOperation()->getLoc())
          << "mixer-reduce-query-heads: heads=<N> (lossy) and exact=true "
             "are exclusive";
      return signalPassFailure();
    }
    if (heads == 0 && !exact)
      return;
    SmallVector<AttentionOp> ops;
    getOperation()->walk([&](AttentionOp op) { ops.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (AttentionOp op : ops) {
      std::string whyNot;
      if (failed(exact ? removeDeadHeads(rewriter, op, whyNot)
                       : mergeQueryHeads(rewriter, op, whyNot)) &&
          remarks)
        op.emitRemark() << "query heads not reduced: " << whyNot;
    }
  }

  LogicalResult mergeQueryHeads(RewriterBase &rewriter, AttentionOp op,
                                std::string &whyNot) {
    int64_t hq = op.getNumQueryHeads(), hkv = op.getNumKVHeads();
    int64_t target = heads;
    if (ShapedType::isDynamic(hq) || ShapedType::isDynamic(hkv))
      return whyNot = "its head counts are dynamic", failure();
    if (hq < hkv)
      return whyNot = "it already has fewer query than K/V heads", failure();
    if (target >= hq)
      return whyNot = "it has " + std::to_string(hq) + " query heads, not "
                      "more than " + std::to_string(target),
             failure();
    if (hq % target != 0 || (target % hkv != 0 && hkv % target != 0))
      return whyNot = std::to_string(target) + " does not divide its " +
                      std::to_string(hq) + " query heads, or neither "
                      "divides nor is a multiple of its " +
                      std::to_string(hkv) + " K/V heads",
             failure();
    if (!maskIsHeadInvariant(op))
      return whyNot = "its mask differs between heads", failure();

    rewriter.setInsertionPoint(op);
    Location loc = op.getLoc();
    Value query = meanOfHeadGroups(rewriter, loc, op.getQuery(), hq / target);
    // With fewer query than K/V heads the attention would still compute one
    // score matrix per K/V head: the K/V heads are pooled to as many
    // (symmetric SQA), so that exactly `target` are computed.
    Value key = op.getKey(), value = op.getValue();
    int64_t kvHeads = std::min(hkv, target);
    if (kvHeads < hkv) {
      key = meanOfHeadGroups(rewriter, loc, key, hkv / kvHeads);
      value = meanOfHeadGroups(rewriter, loc, value, hkv / kvHeads);
    }
    AttentionOp reduced =
        cloneWithHeads(rewriter, op, query, key, value, op.getMask(), target);
    Value result =
        repeatHeads(rewriter, loc, reduced.getResult(), hq / target,
                    op.getType());
    rewriter.replaceOp(op, result);
    ++numReduced;
    numHeadsRemoved += hq - target;
    if (remarks)
      reduced.emitRemark() << "query heads " << hq << " -> " << target
                           << ", K/V heads " << hkv << " -> " << kvHeads
                           << " (lossy): " << target
                           << " score matrices instead of " << hq;
    return success();
  }

  LogicalResult removeDeadHeads(RewriterBase &rewriter, AttentionOp op,
                                std::string &whyNot) {
    int64_t hq = op.getNumQueryHeads(), hkv = op.getNumKVHeads();
    if (ShapedType::isDynamic(hq) || ShapedType::isDynamic(hkv))
      return whyNot = "its head counts are dynamic", failure();
    FailureOr<SmallVector<bool>> dead = findDeadHeads(op, whyNot);
    if (failed(dead))
      return failure();
    HeadSelection live = selectLiveUnits(op, *dead);
    if (live.keptUnits == live.units)
      return whyNot = "no head is dead (or no K/V head has all its query "
                      "heads dead)",
             failure();
    if (live.keptUnits == 0)
      return whyNot = "every head is dead", failure();
    Value mask = op.getMask();
    if (!maskIsHeadInvariant(op)) {
      auto maskType = cast<RankedTensorType>(mask.getType());
      if (maskType.getRank() != 4)
        return whyNot = "its per-head mask is not [B, H, Sq, Skv]", failure();
    }

    rewriter.setInsertionPoint(op);
    Location loc = op.getLoc();
    if (!maskIsHeadInvariant(op))
      mask = selectHeads(rewriter, loc, mask, live.output);
    Value query = selectHeads(rewriter, loc, op.getQuery(), live.query);
    Value key = selectHeads(rewriter, loc, op.getKey(), live.kv);
    Value value = selectHeads(rewriter, loc, op.getValue(), live.kv);
    int64_t hout = std::max(hq, hkv);
    int64_t keptOutput = hout / live.units * live.keptUnits;
    AttentionOp reduced =
        cloneWithHeads(rewriter, op, query, key, value, mask, keptOutput);
    Value result = scatterHeads(rewriter, loc, reduced.getResult(),
                                live.output, op.getType());
    rewriter.replaceOp(op, result);
    ++numReduced;
    numHeadsRemoved += hout - keptOutput;
    if (remarks)
      reduced.emitRemark() << "removed " << hout - keptOutput << " of "
                           << hout << " heads whose output projection rows "
                              "are all zero (exact)";
    return success();
  }
};

} // namespace

FailureOr<AttentionOp> convertToGroupedQueryAttention(RewriterBase &rewriter,
                                                      AttentionOp op,
                                                      int64_t kvHeads,
                                                      std::string &whyNot) {
  int64_t hq = op.getNumQueryHeads(), hkv = op.getNumKVHeads();
  if (ShapedType::isDynamic(hq) || ShapedType::isDynamic(hkv))
    return whyNot = "its head counts are dynamic", failure();
  if (hkv <= kvHeads)
    return whyNot = "it has " + std::to_string(hkv) + " K/V heads, not more "
                    "than " + std::to_string(kvHeads),
           failure();
  if (hq < hkv || hkv % kvHeads != 0 || hq % kvHeads != 0)
    return whyNot = std::to_string(kvHeads) + " K/V heads do not divide its " +
                    std::to_string(hq) + " query and " + std::to_string(hkv) +
                    " K/V heads (with at least as many query heads)",
           failure();
  rewriter.setInsertionPoint(op);
  Location loc = op.getLoc();
  Value key = meanOfHeadGroups(rewriter, loc, op.getKey(), hkv / kvHeads);
  Value value = meanOfHeadGroups(rewriter, loc, op.getValue(), hkv / kvHeads);
  AttentionOp grouped = cloneWithHeads(rewriter, op, op.getQuery(), key, value,
                                       op.getMask(), hq);
  rewriter.replaceOp(op, grouped.getResult());
  return grouped;
}

} // namespace mixer

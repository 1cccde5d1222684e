//===- ShareKVHeads.cpp - --mixer-share-kv-heads --------------------------===//
//
// Folds repeat_kv into grouped attention. Exporters of GQA/MQA models
// (PyTorch's and Hugging Face's repeat_kv) materialize every K/V head once
// per query head of its group:
//
//   x = reshape(kv [B, Hkv, S, D]) -> [B, Hkv, 1, S, D]
//   y = broadcast(x)               -> [B, Hkv, G, S, D]
//   k = reshape(y)                 -> [B, Hkv * G, S, D]
//
// so that head h of k is head h / G of kv, which is exactly how
// mixer.attention groups heads. The attention then reads kv directly.
//
//===----------------------------------------------------------------------===//

#include "mixer/Dialect/Mixer/Transforms/Passes.h"
#include "mixer/Dialect/Mixer/Transforms/Transforms.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"

using namespace mlir;

namespace mixer {

#define GEN_PASS_DEF_SHAREKVHEADS
#include "mixer/Dialect/Mixer/Transforms/Passes.h.inc"

namespace {

constexpr const char *kNotARepeat = "not a reshape of repeated heads";

/// Where a dynamic extent comes from: dim `dim` of `value`, or the index
/// `value` itself (`dim` = -1), after following what provably carries it
/// (destination-style results, tensor.empty sizes, reshapes to a
/// tensor.from_elements shape, tensor.dim).
using DimSource = std::pair<Value, int64_t>;

DimSource resolveIndex(Value index);

DimSource resolveDim(Value tensor, int64_t dim) {
  int64_t size = cast<ShapedType>(tensor.getType()).getDimSize(dim);
  if (!ShapedType::isDynamic(size))
    return {Value(), size};
  Operation *def = tensor.getDefiningOp();
  if (auto dps = dyn_cast_or_null<DestinationStyleOpInterface>(def))
    if (dps.hasPureTensorSemantics())
      return resolveDim(
          dps.getTiedOpOperand(cast<OpResult>(tensor))->get(), dim);
  if (auto empty = dyn_cast_or_null<tensor::EmptyOp>(def))
    return resolveIndex(empty.getDynamicSize(dim));
  if (auto cast = dyn_cast_or_null<tensor::CastOp>(def))
    return resolveDim(cast.getSource(), dim);
  // Ops whose result has their input's shape (K/V after RoPE or a norm).
  if (auto rope = dyn_cast_or_null<RopeOp>(def))
    return resolveDim(rope.getInput(), dim);
  if (auto norm = dyn_cast_or_null<RMSNormOp>(def))
    return resolveDim(norm.getInput(), dim);
  if (auto norm = dyn_cast_or_null<LayerNormOp>(def))
    return resolveDim(norm.getInput(), dim);
  if (auto reshape = dyn_cast_or_null<tensor::ReshapeOp>(def))
    if (auto shape =
            reshape.getShape().getDefiningOp<tensor::FromElementsOp>())
      return resolveIndex(shape.getElements()[dim]);
  return {tensor, dim};
}

DimSource resolveIndex(Value index) {
  if (auto dim = index.getDefiningOp<tensor::DimOp>())
    if (std::optional<int64_t> d = dim.getConstantIndex())
      return resolveDim(dim.getSource(), *d);
  return {index, -1};
}

/// Whether dims `a` of `x` and `b` of `y` are provably equal: both static
/// and equal, or both dynamic from the same source.
bool sameDim(Value x, int64_t a, Value y, int64_t b) {
  int64_t sx = cast<ShapedType>(x.getType()).getDimSize(a);
  int64_t sy = cast<ShapedType>(y.getType()).getDimSize(b);
  if (!ShapedType::isDynamic(sx) || !ShapedType::isDynamic(sy))
    return sx == sy;
  return resolveDim(x, a) == resolveDim(y, b);
}

/// The source of the broadcast `y` when it repeats dim 2 of a
/// [B, Hkv, 1, S, D] tensor: a linalg.broadcast, or a generic that yields
/// its input read with index 0 along dim 2.
Value getRepeatedSource(Value y) {
  if (auto broadcast = y.getDefiningOp<linalg::BroadcastOp>()) {
    // linalg.broadcast adds dims; a [B, Hkv, S, D] -> [.., G, ..] one
    // broadcasts dim 2 directly.
    if (broadcast.getDimensions() == ArrayRef<int64_t>{2})
      return broadcast.getInput();
    return nullptr;
  }
  auto generic = y.getDefiningOp<linalg::GenericOp>();
  if (!generic || generic.getNumDpsInputs() != 1 ||
      generic.getNumDpsInits() != 1 ||
      generic.getNumParallelLoops() != generic.getNumLoops() ||
      generic.getNumLoops() != 5)
    return nullptr;
  MLIRContext *ctx = y.getContext();
  AffineExpr b, h, g, s, d;
  bindDims(ctx, b, h, g, s, d);
  AffineMap repeat =
      AffineMap::get(5, 0, {b, h, getAffineConstantExpr(0, ctx), s, d}, ctx);
  OpOperand *input = generic.getDpsInputOperand(0);
  if (generic.getMatchingIndexingMap(input) != repeat ||
      !generic.getMatchingIndexingMap(generic.getDpsInitOperand(0))
           .isIdentity())
    return nullptr;
  Operation *yield = generic.getBody()->getTerminator();
  if (yield->getOperand(0) != generic.getMatchingBlockArgument(input))
    return nullptr;
  return input->get();
}

} // namespace

FailureOr<std::pair<Value, int64_t>> matchRepeatKV(Value repeated,
                                                   std::string &whyNot) {
  auto outer = repeated.getDefiningOp<tensor::ReshapeOp>();
  auto type = cast<RankedTensorType>(repeated.getType());
  if (!outer) {
    whyNot = kNotARepeat;
    return failure();
  }
  Value y = outer.getSource();
  auto yType = cast<RankedTensorType>(y.getType());
  if (yType.getRank() != 5 || yType.isDynamicDim(1) || yType.isDynamicDim(2)) {
    whyNot = "the heads are not merged from a [B, Hkv, G, S, D] tensor with "
             "static Hkv and G";
    return failure();
  }
  int64_t hkv = yType.getDimSize(1), groups = yType.getDimSize(2);
  if (type.getDimSize(1) != hkv * groups) {
    whyNot = "the merged head count is not Hkv * G";
    return failure();
  }
  Value x = getRepeatedSource(y);
  if (!x) {
    whyNot = "the [B, Hkv, G, S, D] tensor is not a broadcast along G";
    return failure();
  }
  // x is [B, Hkv, 1, S, D] (a reshape of the K/V heads) or directly the
  // [B, Hkv, S, D] heads (linalg.broadcast).
  Value source = x;
  if (cast<RankedTensorType>(x.getType()).getRank() == 5) {
    auto inner = x.getDefiningOp<tensor::ReshapeOp>();
    if (!inner ||
        cast<RankedTensorType>(inner.getSource().getType()).getRank() != 4) {
      whyNot = "the broadcast source is not a reshape of [B, Hkv, S, D] heads";
      return failure();
    }
    source = inner.getSource();
  }
  // Row-major, the two reshapes are the identity on the elements iff the
  // batch, sequence and head extents carry through unchanged.
  if (!sameDim(source, 0, repeated, 0) || !sameDim(source, 1, y, 1) ||
      !sameDim(source, 2, repeated, 2) || !sameDim(source, 3, repeated, 3)) {
    whyNot = "the reshapes are not provably the repeat_kv ones (batch, "
             "sequence or head size could change)";
    return failure();
  }
  return std::make_pair(source, groups);
}

namespace {

struct ShareKVHeadsPass : impl::ShareKVHeadsBase<ShareKVHeadsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (mhaToGQA < 0) {
      emitError(getOperation()->getLoc())
          << "mixer-share-kv-heads: mha-to-gqa=" << static_cast<int64_t>(mhaToGQA)
          << " must be positive (or 0 for off)";
      return signalPassFailure();
    }
    SmallVector<AttentionOp> ops;
    getOperation()->walk([&](AttentionOp op) { ops.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (AttentionOp &op : ops)
      shareRepeatedHeads(rewriter, op);
    if (mhaToGQA == 0)
      return;
    for (AttentionOp op : ops) {
      int64_t before = op.getNumKVHeads();
      std::string whyNot;
      FailureOr<AttentionOp> grouped =
          convertToGroupedQueryAttention(rewriter, op, mhaToGQA, whyNot);
      if (failed(grouped)) {
        if (remarks)
          op.emitRemark() << "not converted to GQA: " << whyNot;
        continue;
      }
      ++numConverted;
      if (remarks)
        grouped->emitRemark() << "K/V heads " << before << " -> " << static_cast<int64_t>(mhaToGQA)
                              << " (lossy mha-to-gqa: each the mean of "
                              << before / static_cast<int64_t>(mhaToGQA) << " heads)";
    }
  }

  /// Folds repeat_kv into `op`, which is updated to the grouped op.
  void shareRepeatedHeads(IRRewriter &rewriter, AttentionOp &op) {
    if (op.getNumQueryHeads() != op.getNumKVHeads())
      return; // already grouped
    std::string whyK, whyV;
    FailureOr<std::pair<Value, int64_t>> key =
        matchRepeatKV(op.getKey(), whyK);
    FailureOr<std::pair<Value, int64_t>> value =
        matchRepeatKV(op.getValue(), whyV);
    if (failed(key) && failed(value) && whyK == kNotARepeat &&
        whyV == kNotARepeat)
      return; // no repeat_kv here: nothing to report
    if (failed(key) || failed(value) || key->second != value->second) {
      ++numMissed;
      if (remarks)
        op.emitRemark() << "K/V heads not shared: "
                        << (failed(key)     ? "key: " + whyK
                            : failed(value) ? "value: " + whyV
                                            : std::string("K and V repeat "
                                                          "by different "
                                                          "factors"));
      return;
    }
    rewriter.setInsertionPoint(op);
    auto grouped = AttentionOp::create(
        rewriter, op.getLoc(), op.getType(), op.getQuery(), key->first,
        value->first, op.getMask(), op.getSeqLens(), op.getOffsets(), op.getScaleAttr(),
        op.getCausal());
    rewriter.replaceOp(op, grouped.getResult());
    op = grouped;
    ++numShared;
  }
};

} // namespace
} // namespace mixer

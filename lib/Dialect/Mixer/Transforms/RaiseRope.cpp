//===- RaiseRope.cpp - --mixer-raise-rope ---------------------------------===//
//
// Rotate-half rotary embeddings as exporters write LLaMA's (Hugging Face's
// apply_rotary_pos_emb), op by op, back into mixer.rope:
//
//   x1 = x[..., :D/2],  x2 = x[..., D/2:]
//   y  = x * cos + concat(-x2, x1) * sin        (either operand order)
//
// on [batch, heads, seq, D] with cos and sin per position, broadcast over
// batch and heads: slices [0, seq) of constant [max_positions, D] tables
// whose two halves are equal (cat(freqs, freqs), as the models build them),
// reshaped to [1, 1, seq, D]. The op takes the half tables [max_positions,
// D/2], made at compile time. Exact: the same products and sum per element.
// Every intermediate value must have no other reader.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"

#include "mixer/Dialect/Mixer/IR/MixerOps.h"
#include "mixer/Dialect/Mixer/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

namespace mixer {

#define GEN_PASS_DEF_RAISEROPE
#include "mixer/Dialect/Mixer/Transforms/Passes.h.inc"

namespace {

/// `v` as a slice of `x` along its last dim: [offset, offset + size), whole
/// in the other dims, unit strides.
bool isLastDimSlice(Value v, Value x, int64_t offset, int64_t size) {
  auto slice = v.getDefiningOp<tensor::ExtractSliceOp>();
  if (!slice || slice.getSource() != x || !hasOneReader(v))
    return false;
  int64_t rank = slice.getSourceType().getRank();
  if (slice.getResultType().getRank() != rank)
    return false;
  for (int64_t d = 0; d < rank; ++d) {
    std::optional<int64_t> off = getConstantIntValue(slice.getMixedOffsets()[d]);
    std::optional<int64_t> stride =
        getConstantIntValue(slice.getMixedStrides()[d]);
    if (!stride || *stride != 1 || !off)
      return false;
    if (d + 1 == rank) {
      std::optional<int64_t> len = getConstantIntValue(slice.getMixedSizes()[d]);
      if (*off != offset || !len || *len != size)
        return false;
    } else if (*off != 0 || slice.getResultType().getDimSize(d) !=
                                slice.getSourceType().getDimSize(d)) {
      return false;
    }
  }
  return true;
}

/// rot = concat(-x[..., D/2:], x[..., :D/2]) along the last dim: x.
Value matchRotateHalf(Value rot, int64_t d) {
  auto concat = rot.getDefiningOp<tensor::ConcatOp>();
  if (!concat || concat.getInputs().size() != 2 || !hasOneReader(rot) ||
      concat.getDim() != static_cast<uint64_t>(concat.getRank() - 1))
    return {};
  auto [negOp, neg] = elementwise<arith::NegFOp>(concat.getInputs()[0]);
  if (!negOp || !hasOneReader(concat.getInputs()[0]))
    return {};
  OpOperand *in = inputOf(negOp, neg.getOperand());
  if (!in || !negOp.getMatchingIndexingMap(in).isIdentity())
    return {};
  auto upper = in->get().getDefiningOp<tensor::ExtractSliceOp>();
  if (!upper)
    return {};
  Value x = upper.getSource();
  if (!isLastDimSlice(in->get(), x, d / 2, d / 2) ||
      !isLastDimSlice(concat.getInputs()[1], x, 0, d / 2))
    return {};
  return x;
}

/// A per-position table that a generic over [b, h, s, d] reads broadcast
/// over b and h: the constant [P, D] whose rows [0, seq) it reads (through a
/// reshape to [1, 1, seq, D]). Returns the constant.
arith::ConstantOp matchTable(linalg::GenericOp op, OpOperand *operand,
                             int64_t d) {
  AffineMap map = op.getMatchingIndexingMap(operand);
  MLIRContext *ctx = op.getContext();
  AffineExpr zero = getAffineConstantExpr(0, ctx);
  if (map.getNumResults() != 4 || map.getResult(0) != zero ||
      map.getResult(1) != zero || map.getResult(2) != getAffineDimExpr(2, ctx) ||
      map.getResult(3) != getAffineDimExpr(3, ctx))
    return {};
  Value table = operand->get();
  if (auto reshape = table.getDefiningOp<tensor::ReshapeOp>())
    table = reshape.getSource();
  else if (auto expand = table.getDefiningOp<tensor::ExpandShapeOp>())
    table = expand.getSrc();
  auto slice = table.getDefiningOp<tensor::ExtractSliceOp>();
  if (!slice || slice.getResultType().getRank() != 2 ||
      !slice.hasUnitStride() ||
      llvm::any_of(slice.getMixedOffsets(),
                   [](OpFoldResult o) { return !isConstantIntValue(o, 0); }))
    return {};
  auto constant = slice.getSource().getDefiningOp<arith::ConstantOp>();
  if (!constant || !isF32Constant(constant) ||
      cast<RankedTensorType>(constant.getType()).getRank() != 2 ||
      cast<RankedTensorType>(constant.getType()).getDimSize(1) != d)
    return {};
  return constant;
}

/// y = x * t (either order) with x [b, h, s, d] identity-mapped: (x, the
/// operand that reads t).
std::pair<Value, OpOperand *> matchProduct(Value y) {
  auto [op, mul] = elementwise<arith::MulFOp>(y);
  if (!op || !hasOneReader(y))
    return {};
  for (auto [xBody, tBody] : {std::pair{mul.getLhs(), mul.getRhs()},
                              std::pair{mul.getRhs(), mul.getLhs()}}) {
    OpOperand *x = inputOf(op, xBody), *t = inputOf(op, tBody);
    if (x && t && x->get().getType() == y.getType() &&
        op.getMatchingIndexingMap(x).isIdentity())
      return {x->get(), t};
  }
  return {};
}

struct RaiseRopePass : impl::RaiseRopeBase<RaiseRopePass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::GenericOp> sums;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (elementwise<arith::AddFOp>(op->getNumResults() == 1
                                         ? op->getResult(0)
                                         : Value())
              .first)
        sums.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp sum : sums)
      (void)raise(rewriter, sum);
  }

  /// Half tables made so far, by full table.
  llvm::DenseMap<Operation *, Value> halves;

  /// The [P, D/2] first half of a [P, D] table whose halves are equal, or
  /// null (with a remark at `at` saying why).
  Value halfTable(IRRewriter &rewriter, arith::ConstantOp table, Operation *at,
                  StringRef which) {
    if (Value half = halves.lookup(table))
      return half;
    auto type = cast<RankedTensorType>(table.getType());
    int64_t rows = type.getDimSize(0), d = type.getDimSize(1);
    std::optional<SmallVector<float>> values = readF32Constant(table.getValue());
    if (!values)
      return {};
    SmallVector<float> half;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t k = 0; k < d / 2; ++k) {
        float a = (*values)[r * d + k], b = (*values)[r * d + k + d / 2];
        if (a != b) {
          if (remarks)
            at->emitRemark() << "rotary embedding not raised: the " << which
                             << " table's two halves differ (row " << r
                             << ", column " << k << ")";
          return {};
        }
        half.push_back(a);
      }
    rewriter.setInsertionPointAfter(table);
    Value result = createF32Constant(
        rewriter, table.getLoc(),
        RankedTensorType::get({rows, d / 2}, rewriter.getF32Type()), half,
        table.getValue(), ("rope_" + which + "_half").str());
    halves[table] = result;
    return result;
  }

  LogicalResult raise(IRRewriter &rewriter, linalg::GenericOp sum) {
    Value y = sum->getResult(0);
    auto type = dyn_cast<RankedTensorType>(y.getType());
    if (!type || type.getRank() != 4 || !type.getElementType().isF32())
      return failure();
    int64_t d = type.getDimSize(3);
    if (ShapedType::isDynamic(d) || d % 2 != 0)
      return failure();
    auto add = cast<arith::AddFOp>(sum.getBody()->front());
    for (auto [pBody, qBody] : {std::pair{add.getLhs(), add.getRhs()},
                                std::pair{add.getRhs(), add.getLhs()}}) {
      OpOperand *p = inputOf(sum, pBody), *q = inputOf(sum, qBody);
      if (!p || !q || !sum.getMatchingIndexingMap(p).isIdentity() ||
          !sum.getMatchingIndexingMap(q).isIdentity())
        continue;
      auto [x, cosOperand] = matchProduct(p->get());
      auto [rot, sinOperand] = matchProduct(q->get());
      if (!x || !rot || matchRotateHalf(rot, d) != x)
        continue;
      auto cosOp = cast<linalg::GenericOp>(cosOperand->getOwner());
      auto sinOp = cast<linalg::GenericOp>(sinOperand->getOwner());
      arith::ConstantOp cosTable = matchTable(cosOp, cosOperand, d);
      arith::ConstantOp sinTable = matchTable(sinOp, sinOperand, d);
      if (!cosTable || !sinTable) {
        if (remarks)
          sum->emitRemark() << "rotary embedding not raised: cos and sin are "
                               "not rows [0, seq) of constant [positions, "
                            << d << "] tables broadcast over batch and heads";
        return failure();
      }
      Value cosHalf = halfTable(rewriter, cosTable, sum, "cos");
      Value sinHalf = cosHalf ? halfTable(rewriter, sinTable, sum, "sin") : Value();
      if (!sinHalf)
        return failure();
      rewriter.setInsertionPoint(sum);
      auto rope = RopeOp::create(rewriter, sum.getLoc(), type, x, cosHalf,
                                 sinHalf, Value(), RopeStyle::rotate_half,
                                 IntegerAttr());
      if (remarks)
        rope->emitRemark() << "raised a decomposed rotate-half rotary "
                              "embedding (head dim "
                           << d << ")";
      rewriter.replaceOp(sum, rope->getResults());
      // The result has x's shape: sizes read from it are x's (so that later
      // matches, e.g. repeat_kv's reshapes, still see the K/V dims).
      for (Operation *user : llvm::make_early_inc_range(rope->getUsers()))
        if (auto dim = dyn_cast<tensor::DimOp>(user)) {
          rewriter.setInsertionPoint(dim);
          rewriter.replaceOpWithNewOp<tensor::DimOp>(dim, x, dim.getIndex());
        }
      ++numRaised;
      return success();
    }
    return failure();
  }
};

} // namespace
} // namespace mixer

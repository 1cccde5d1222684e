//===- RaiseNorms.cpp - --mixer-raise-norms -------------------------------===//
//
// Decomposed RMSNorm (as exporters write LLaMA's and T5's, op by op) back
// into mixer.rms_norm:
//
//   q = x^2            (Pow(x, 2) or Mul(x, x))
//   m = sum(q) / D     (ReduceMean over the last dim; any keepdims reshape)
//   r = 1 / sqrt(m + eps)  or  rsqrt(m + eps)
//   y = x * r          (r broadcast along the last dim)
//   [y = y * weight]   (a constant over the last dim)
//
// The match starts at the product y = x * r and walks r back to x; every
// intermediate value must have no other reader.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"

#include "mixer/Dialect/Mixer/IR/MixerOps.h"
#include "mixer/Dialect/Mixer/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

#include <cmath>

using namespace mlir;

namespace mixer {

#define GEN_PASS_DEF_RAISENORMS
#include "mixer/Dialect/Mixer/Transforms/Passes.h.inc"

namespace {

/// The value a single-reader elementwise step of `op` reads through its
/// operand `body` (the non-constant one), or null.
Value stepInput(linalg::GenericOp op, Value body) {
  OpOperand *input = inputOf(op, body);
  if (!input || !op.getMatchingIndexingMap(input).isIdentity() ||
      !hasOneReader(input->get()))
    return {};
  return input->get();
}

/// m = mean over the last dim (size `d`) of q: a sum from zero divided by d
/// or times 1/d, through keepdims reshapes. Returns q.
Value matchRowMean(Value m, int64_t d) {
  Value sum;
  if (auto [op, div] = elementwise<arith::DivFOp>(m); op) {
    std::optional<double> count = getBodyConstant(op, div.getRhs());
    if (!count || *count != static_cast<double>(d))
      return {};
    sum = stepInput(op, div.getLhs());
  } else if (auto [op, mul] = elementwise<arith::MulFOp>(m); op) {
    std::optional<double> scale = getBodyConstant(op, mul.getRhs());
    Value other = mul.getLhs();
    if (!scale) {
      scale = getBodyConstant(op, mul.getLhs());
      other = mul.getRhs();
    }
    if (!scale || std::abs(*scale * d - 1.0) > 1e-6)
      return {};
    sum = stepInput(op, other);
  }
  if (!sum)
    return {};
  while (true) {
    Value source;
    if (auto reshape = sum.getDefiningOp<tensor::ReshapeOp>())
      source = reshape.getSource();
    else if (auto expand = sum.getDefiningOp<tensor::ExpandShapeOp>())
      source = expand.getSrc();
    else
      break;
    if (!hasOneReader(source))
      return {};
    sum = source;
  }
  auto reduce = sum.getDefiningOp<linalg::GenericOp>();
  if (!reduce || reduce.getNumDpsInputs() != 1 ||
      reduce.getNumReductionLoops() != 1 || reduce->getNumResults() != 1)
    return {};
  unsigned loops = reduce.getNumLoops();
  if (reduce.getIteratorTypesArray().back() != utils::IteratorType::reduction ||
      !reduce.getMatchingIndexingMap(reduce.getDpsInputOperand(0))
           .isIdentity() ||
      reduce.getMatchingIndexingMap(reduce.getDpsInitOperand(0)) !=
          AffineMap::getMultiDimIdentityMap(loops, reduce.getContext())
              .dropResult(loops - 1))
    return {};
  Block *body = reduce.getBody();
  auto acc = dyn_cast_or_null<arith::AddFOp>(
      body->getTerminator()->getOperand(0).getDefiningOp());
  if (!acc || !llvm::hasSingleElement(body->without_terminator()) ||
      !llvm::is_contained({acc.getLhs(), acc.getRhs()}, body->getArgument(0)) ||
      !llvm::is_contained({acc.getLhs(), acc.getRhs()}, body->getArgument(1)))
    return {};
  auto fill = reduce.getDpsInitOperand(0)->get().getDefiningOp<linalg::FillOp>();
  std::optional<double> zero =
      fill ? getScalarConstant(fill.getInputs().front()) : std::nullopt;
  if (!zero || *zero != 0.0)
    return {};
  return reduce.getDpsInputOperand(0)->get();
}

/// q = x^2 (Pow(x, 2) or x * x), q read once. Returns x.
Value matchSquare(Value q) {
  if (!q || !hasOneReader(q))
    return {};
  OpOperand *x = nullptr;
  linalg::GenericOp op;
  if (auto [powOp, pow] = elementwise<math::PowFOp>(q); powOp) {
    std::optional<double> two = getBodyConstant(powOp, pow.getRhs());
    if (two && *two == 2.0)
      x = inputOf(op = powOp, pow.getLhs());
  } else if (auto [mulOp, mul] = elementwise<arith::MulFOp>(q);
             mulOp && mul.getLhs() == mul.getRhs()) {
    x = inputOf(op = mulOp, mul.getLhs());
  }
  if (!x || !op.getMatchingIndexingMap(x).isIdentity())
    return {};
  return x->get();
}

/// A per-row value m + eps (eps a positive constant): (m, eps).
std::optional<std::pair<Value, double>> matchPlusEpsilon(Value t) {
  auto [op, add] = elementwise<arith::AddFOp>(t);
  if (!op)
    return std::nullopt;
  std::optional<double> epsilon = getBodyConstant(op, add.getRhs());
  Value m = add.getLhs();
  if (!epsilon) {
    epsilon = getBodyConstant(op, add.getLhs());
    m = add.getRhs();
  }
  if (!epsilon || *epsilon <= 0 || !(m = stepInput(op, m)))
    return std::nullopt;
  return std::pair{m, *epsilon};
}

/// s = sqrt(m + eps): (m, eps).
std::optional<std::pair<Value, double>> matchRootPlusEpsilon(Value s) {
  auto [op, sqrt] = elementwise<math::SqrtOp>(s);
  Value t = op ? stepInput(op, sqrt.getOperand()) : Value();
  return t ? matchPlusEpsilon(t) : std::nullopt;
}

/// r = 1 / sqrt(m + eps) or rsqrt(m + eps): (m, eps).
std::optional<std::pair<Value, double>> matchInverseRoot(Value r) {
  if (auto [op, div] = elementwise<arith::DivFOp>(r); op) {
    std::optional<double> one = getBodyConstant(op, div.getLhs());
    Value s = one && *one == 1.0 ? stepInput(op, div.getRhs()) : Value();
    return s ? matchRootPlusEpsilon(s) : std::nullopt;
  }
  if (auto [op, rsqrt] = elementwise<math::RsqrtOp>(r); op) {
    Value t = stepInput(op, rsqrt.getOperand());
    return t ? matchPlusEpsilon(t) : std::nullopt;
  }
  return std::nullopt;
}

/// Whether `map` (over the loops of an op whose output has rank `rank`) reads
/// a per-row value: the leading rank - 1 loops in order, then nothing or a
/// constant 0 (keepdims).
bool isRowBroadcast(AffineMap map, int64_t rank) {
  if (map.getNumDims() != rank)
    return false;
  ArrayRef<AffineExpr> results = map.getResults();
  if (results.size() == static_cast<size_t>(rank)) {
    auto c = dyn_cast<AffineConstantExpr>(results.back());
    if (!c || c.getValue() != 0)
      return false;
    results = results.drop_back();
  }
  if (results.size() != static_cast<size_t>(rank - 1))
    return false;
  for (auto [i, expr] : llvm::enumerate(results)) {
    auto dim = dyn_cast<AffineDimExpr>(expr);
    if (!dim || dim.getPosition() != i)
      return false;
  }
  return true;
}

/// A constant over the last dim that `op`'s operand `body` reads (a norm
/// weight or bias), or null.
Value lastDimConstant(linalg::GenericOp op, Value body, int64_t d) {
  OpOperand *input = inputOf(op, body);
  if (!input || !matchPattern(input->get(), m_Constant()))
    return {};
  auto type = dyn_cast<RankedTensorType>(input->get().getType());
  AffineMap map = op.getMatchingIndexingMap(input);
  if (!type || type.getRank() != 1 || type.getDimSize(0) != d ||
      map.getNumResults() != 1 ||
      map.getResult(0) != getAffineDimExpr(map.getNumDims() - 1,
                                           op.getContext()))
    return {};
  return input->get();
}

/// c = x - mean(x) over the last dim, with c read only by `readers` ops:
/// returns x.
Value matchCentered(Value c, int64_t d, unsigned readers) {
  auto [op, sub] = elementwise<arith::SubFOp>(c);
  if (!op || llvm::count_if(c.getUsers(), [](Operation *u) {
               return !isa<tensor::DimOp>(u);
             }) != readers)
    return {};
  OpOperand *x = inputOf(op, sub.getLhs()), *mean = inputOf(op, sub.getRhs());
  int64_t rank = cast<RankedTensorType>(c.getType()).getRank();
  if (!x || !mean || !op.getMatchingIndexingMap(x).isIdentity() ||
      !isRowBroadcast(op.getMatchingIndexingMap(mean), rank) ||
      !hasOneReader(mean->get()) || matchRowMean(mean->get(), d) != x->get())
    return {};
  return x->get();
}

/// What a matched normalization reads.
struct NormMatch {
  Value input;
  double epsilon;
  bool centered; // LayerNorm rather than RMSNorm
};

struct RaiseNormsPass : impl::RaiseNormsBase<RaiseNormsPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::GenericOp> steps;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (op->getNumResults() == 1 &&
          (elementwise<arith::MulFOp>(op->getResult(0)).first ||
           elementwise<arith::DivFOp>(op->getResult(0)).first))
        steps.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp step : steps)
      if (!erased.contains(step))
        (void)raise(rewriter, step);
  }

  /// The affine steps replaced so far (also in `steps`).
  llvm::DenseSet<Operation *> erased;

  /// `step` as the normalization y = v * r or y = v / s, r or s per row.
  LogicalResult raise(IRRewriter &rewriter, linalg::GenericOp step) {
    Value y = step->getResult(0);
    auto type = dyn_cast<RankedTensorType>(y.getType());
    if (!type || type.getRank() < 1 || !isa<FloatType>(type.getElementType()))
      return failure();
    int64_t rank = type.getRank(), d = type.getDimSize(rank - 1);
    if (ShapedType::isDynamic(d))
      return failure();
    SmallVector<std::pair<Value, Value>> candidates; // (v, per-row factor)
    bool divides = false;
    if (auto [op, mul] = elementwise<arith::MulFOp>(y); op) {
      candidates = {{mul.getLhs(), mul.getRhs()}, {mul.getRhs(), mul.getLhs()}};
    } else if (auto [op, div] = elementwise<arith::DivFOp>(y); op) {
      candidates = {{div.getLhs(), div.getRhs()}};
      divides = true;
    }
    for (auto [vBody, rBody] : candidates) {
      OpOperand *v = inputOf(step, vBody), *r = inputOf(step, rBody);
      if (!v || !r || v->get().getType() != type ||
          !step.getMatchingIndexingMap(v).isIdentity() ||
          !isRowBroadcast(step.getMatchingIndexingMap(r), rank) ||
          !hasOneReader(r->get()))
        continue;
      std::optional<std::pair<Value, double>> root =
          divides ? matchRootPlusEpsilon(r->get())
                  : matchInverseRoot(r->get());
      if (!root || matchSquare(matchRowMean(root->first, d)) != v->get())
        continue;
      // v centered and read only by the square and this step: LayerNorm.
      NormMatch match{v->get(), root->second, false};
      if (Value x = matchCentered(v->get(), d, 2)) {
        match.input = x;
        match.centered = true;
      }
      replace(rewriter, step, match, d);
      return success();
    }
    return failure();
  }

  /// The single reader of `value` if it is an elementwise `OpTy` of `value`
  /// (identity map) and a constant over the last dim (size `d`):
  /// (reader, constant).
  template <typename OpTy>
  std::pair<Operation *, Value> affineStep(Value value, int64_t d) {
    if (!hasOneReader(value))
      return {};
    Operation *reader = *llvm::find_if(
        value.getUsers(), [](Operation *u) { return !isa<tensor::DimOp>(u); });
    if (reader->getNumResults() != 1 ||
        reader->getResult(0).getType() != value.getType())
      return {};
    auto [op, inner] = elementwise<OpTy>(reader->getResult(0));
    if (!op)
      return {};
    for (auto [cBody, vBody] :
         {std::pair{inner.getLhs(), inner.getRhs()},
          std::pair{inner.getRhs(), inner.getLhs()}}) {
      OpOperand *in = inputOf(op, vBody);
      Value constant = lastDimConstant(op, cBody, d);
      if (in && in->get() == value &&
          op.getMatchingIndexingMap(in).isIdentity() && constant)
        return {op, constant};
    }
    return {};
  }

  void replace(IRRewriter &rewriter, linalg::GenericOp step,
               const NormMatch &match, int64_t d) {
    // The weight and bias that follow join the norm.
    Operation *last = step;
    auto [scaleOp, weight] = affineStep<arith::MulFOp>(step->getResult(0), d);
    if (scaleOp)
      last = scaleOp;
    auto [shiftOp, bias] = affineStep<arith::AddFOp>(last->getResult(0), d);
    if (shiftOp)
      last = shiftOp;
    rewriter.setInsertionPoint(last);
    Type type = last->getResult(0).getType();
    IntegerAttr axis = rewriter.getI64IntegerAttr(-1);
    FloatAttr epsilon = rewriter.getF32FloatAttr(match.epsilon);
    Operation *norm =
        match.centered
            ? LayerNormOp::create(rewriter, step.getLoc(), type, match.input,
                                  weight, bias, axis, epsilon)
                  .getOperation()
            : RMSNormOp::create(rewriter, step.getLoc(), type, match.input,
                                weight, bias, axis, epsilon)
                  .getOperation();
    if (remarks)
      norm->emitRemark() << "raised a decomposed "
                         << (match.centered ? "LayerNorm" : "RMSNorm")
                         << (weight && bias ? " with its weight and bias"
                             : weight      ? " with its weight"
                             : bias        ? " with its bias"
                                           : "");
    for (Operation *op : {scaleOp, shiftOp})
      if (op)
        erased.insert(op);
    rewriter.replaceOp(last, norm->getResults());
    ++numRaised;
  }
};

} // namespace
} // namespace mixer

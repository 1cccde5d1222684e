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

/// An all-parallel generic with one result (identity-mapped) whose body is a
/// single op of type `OpTy` yielded; null otherwise.
template <typename OpTy>
std::pair<linalg::GenericOp, OpTy> elementwise(Value value) {
  auto op = value.getDefiningOp<linalg::GenericOp>();
  if (!op || op->getNumResults() != 1 || op.getNumDpsInits() != 1 ||
      op.getNumParallelLoops() != op.getNumLoops() ||
      !op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity() ||
      !llvm::hasSingleElement(op.getBody()->without_terminator()))
    return {};
  auto inner = dyn_cast<OpTy>(&op.getBody()->front());
  if (!inner ||
      op.getBody()->getTerminator()->getOperand(0) != inner->getResult(0))
    return {};
  return {op, inner};
}

/// The input operand of `op` whose block argument is `value`, if any.
OpOperand *inputOf(linalg::GenericOp op, Value value) {
  auto arg = dyn_cast<BlockArgument>(value);
  if (!arg || arg.getOwner() != op.getBody() ||
      arg.getArgNumber() >= op.getNumDpsInputs())
    return nullptr;
  return op.getDpsInputOperand(arg.getArgNumber());
}

/// Whether `value` has exactly one reader other than shape queries.
bool hasOneReader(Value value) {
  return llvm::count_if(value.getUsers(), [](Operation *user) {
           return !isa<tensor::DimOp>(user);
         }) == 1;
}

/// The value a single-reader elementwise step of `op` reads through its
/// operand `body` (the non-constant one), or null.
Value stepInput(linalg::GenericOp op, Value body) {
  OpOperand *input = inputOf(op, body);
  if (!input || !op.getMatchingIndexingMap(input).isIdentity() ||
      !hasOneReader(input->get()))
    return {};
  return input->get();
}

/// What a matched RMSNorm reads.
struct RMSNormMatch {
  Value input;
  double epsilon;
};

/// Walks the per-row factor `r` back to `x`: r = 1/sqrt(m + eps) or
/// rsqrt(m + eps), m = sum(x^2) / D over x's last dim (size `d`).
std::optional<RMSNormMatch> matchInverseRMS(Value r, int64_t d) {
  // r = 1 / s, s = sqrt(t); or r = rsqrt(t).
  Value t;
  if (auto [op, div] = elementwise<arith::DivFOp>(r); op) {
    std::optional<double> one = getBodyConstant(op, div.getLhs());
    Value s = one && *one == 1.0 ? stepInput(op, div.getRhs()) : Value();
    if (!s)
      return std::nullopt;
    auto [sqrtOp, sqrt] = elementwise<math::SqrtOp>(s);
    if (!sqrtOp || !(t = stepInput(sqrtOp, sqrt.getOperand())))
      return std::nullopt;
  } else if (auto [op, rsqrt] = elementwise<math::RsqrtOp>(r); op) {
    if (!(t = stepInput(op, rsqrt.getOperand())))
      return std::nullopt;
  } else {
    return std::nullopt;
  }
  // t = m + eps.
  auto [addOp, add] = elementwise<arith::AddFOp>(t);
  if (!addOp)
    return std::nullopt;
  std::optional<double> epsilon = getBodyConstant(addOp, add.getRhs());
  Value m = add.getLhs();
  if (!epsilon) {
    epsilon = getBodyConstant(addOp, add.getLhs());
    m = add.getRhs();
  }
  if (!epsilon || *epsilon <= 0 || !(m = stepInput(addOp, m)))
    return std::nullopt;
  // m = sum / D, or sum * (1 / D).
  Value sum;
  if (auto [op, div] = elementwise<arith::DivFOp>(m); op) {
    std::optional<double> count = getBodyConstant(op, div.getRhs());
    if (!count || *count != static_cast<double>(d))
      return std::nullopt;
    sum = stepInput(op, div.getLhs());
  } else if (auto [op, mul] = elementwise<arith::MulFOp>(m); op) {
    std::optional<double> scale = getBodyConstant(op, mul.getRhs());
    Value other = mul.getLhs();
    if (!scale) {
      scale = getBodyConstant(op, mul.getLhs());
      other = mul.getRhs();
    }
    if (!scale || std::abs(*scale * d - 1.0) > 1e-6)
      return std::nullopt;
    sum = stepInput(op, other);
  }
  if (!sum)
    return std::nullopt;
  // Through the keepdims reshape.
  while (auto reshape = sum.getDefiningOp<tensor::ReshapeOp>()) {
    if (!hasOneReader(reshape.getSource()))
      return std::nullopt;
    sum = reshape.getSource();
  }
  while (auto expand = sum.getDefiningOp<tensor::ExpandShapeOp>()) {
    if (!hasOneReader(expand.getSrc()))
      return std::nullopt;
    sum = expand.getSrc();
  }
  // sum[rows] = sum over the last dim of q, accumulated from zero.
  auto reduce = sum.getDefiningOp<linalg::GenericOp>();
  if (!reduce || reduce.getNumDpsInputs() != 1 ||
      reduce.getNumReductionLoops() != 1 || reduce->getNumResults() != 1)
    return std::nullopt;
  unsigned loops = reduce.getNumLoops();
  if (reduce.getIteratorTypesArray().back() != utils::IteratorType::reduction ||
      !reduce.getMatchingIndexingMap(reduce.getDpsInputOperand(0))
           .isIdentity() ||
      reduce.getMatchingIndexingMap(reduce.getDpsInitOperand(0)) !=
          AffineMap::getMultiDimIdentityMap(loops, reduce.getContext())
              .dropResult(loops - 1))
    return std::nullopt;
  Block *body = reduce.getBody();
  auto acc = dyn_cast<arith::AddFOp>(body->getTerminator()->getOperand(0)
                                         .getDefiningOp());
  if (!acc || !llvm::hasSingleElement(body->without_terminator()) ||
      !llvm::is_contained({acc.getLhs(), acc.getRhs()}, body->getArgument(0)) ||
      !llvm::is_contained({acc.getLhs(), acc.getRhs()}, body->getArgument(1)))
    return std::nullopt;
  auto fill = reduce.getDpsInitOperand(0)->get().getDefiningOp<linalg::FillOp>();
  std::optional<double> zero =
      fill ? getScalarConstant(fill.getInputs().front()) : std::nullopt;
  Value q = reduce.getDpsInputOperand(0)->get();
  if (!zero || *zero != 0.0 || !hasOneReader(q))
    return std::nullopt;
  // q = x^2 (powf by 2 or x * x).
  if (auto [op, pow] = elementwise<math::PowFOp>(q); op) {
    std::optional<double> two = getBodyConstant(op, pow.getRhs());
    OpOperand *x = inputOf(op, pow.getLhs());
    if (two && *two == 2.0 && x && op.getMatchingIndexingMap(x).isIdentity())
      return RMSNormMatch{x->get(), *epsilon};
  } else if (auto [op, mul] = elementwise<arith::MulFOp>(q);
             op && mul.getLhs() == mul.getRhs()) {
    OpOperand *x = inputOf(op, mul.getLhs());
    if (x && op.getMatchingIndexingMap(x).isIdentity())
      return RMSNormMatch{x->get(), *epsilon};
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

struct RaiseNormsPass : impl::RaiseNormsBase<RaiseNormsPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::GenericOp> products;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (elementwise<arith::MulFOp>(op->getResult(0)).first)
        products.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp product : products)
      if (!erased.contains(product))
        (void)raise(rewriter, product);
  }

  /// The weight multiplies replaced so far (also in `products`).
  llvm::DenseSet<Operation *> erased;

  LogicalResult raise(IRRewriter &rewriter, linalg::GenericOp product) {
    auto [op, mul] = elementwise<arith::MulFOp>(product->getResult(0));
    auto type = cast<RankedTensorType>(product->getResult(0).getType());
    int64_t rank = type.getRank(), d = type.getDimSize(rank - 1);
    if (rank < 1 || ShapedType::isDynamic(d) ||
        !isa<FloatType>(type.getElementType()))
      return failure();
    // y = x * r, either order.
    for (auto [xBody, rBody] : {std::pair{mul.getLhs(), mul.getRhs()},
                                std::pair{mul.getRhs(), mul.getLhs()}}) {
      OpOperand *x = inputOf(op, xBody), *r = inputOf(op, rBody);
      if (!x || !r || x->get().getType() != type ||
          !op.getMatchingIndexingMap(x).isIdentity() ||
          !isRowBroadcast(op.getMatchingIndexingMap(r), rank) ||
          !hasOneReader(r->get()))
        continue;
      std::optional<RMSNormMatch> match = matchInverseRMS(r->get(), d);
      if (!match || match->input != x->get())
        continue;
      replace(rewriter, product, *match, d);
      return success();
    }
    return failure();
  }

  void replace(IRRewriter &rewriter, linalg::GenericOp product,
               const RMSNormMatch &match, int64_t d) {
    // A following multiply by a weight over the last dim joins the norm.
    Operation *last = product;
    Value weight;
    Value y = product->getResult(0);
    Operation *reader = *llvm::find_if(
        y.getUsers(), [](Operation *u) { return !isa<tensor::DimOp>(u); });
    if (hasOneReader(y) && reader->getNumResults() == 1) {
      Value user = reader->getResult(0);
      if (auto [op, mul] = elementwise<arith::MulFOp>(user);
          op && user.getType() == y.getType()) {
        for (auto [wBody, yBody] : {std::pair{mul.getLhs(), mul.getRhs()},
                                    std::pair{mul.getRhs(), mul.getLhs()}}) {
          OpOperand *yIn = inputOf(op, yBody);
          Value w = lastDimConstant(op, wBody, d);
          if (yIn && yIn->get() == y &&
              op.getMatchingIndexingMap(yIn).isIdentity() && w) {
            weight = w;
            last = op;
            break;
          }
        }
      }
    }
    rewriter.setInsertionPoint(last);
    auto norm = RMSNormOp::create(
        rewriter, product.getLoc(), last->getResult(0).getType(), match.input,
        weight, Value(), rewriter.getI64IntegerAttr(-1),
        rewriter.getF32FloatAttr(match.epsilon));
    if (remarks)
      norm.emitRemark() << "raised a decomposed RMSNorm"
                        << (weight ? " with its weight" : "");
    erased.insert(last);
    rewriter.replaceOp(last, norm.getResult());
    ++numRaised;
  }
};

} // namespace
} // namespace mixer

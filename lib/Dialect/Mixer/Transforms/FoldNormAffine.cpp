//===- FoldNormAffine.cpp - --mixer-fold-norm-affine ----------------------===//
//
// A norm's affine part, y = n(x) * gamma + beta, read only by linear layers
// z = y W (over the model dim k) folds into them:
//
//   z = n(x) (diag(gamma) W) + beta W
//
// Each linear layer reading the norm gets its own weight with row k scaled
// by gamma[k]; the constant beta W (over the layer's output features) is
// added to the layer's bias when the layer's result goes only into a
// constant bias addition, and added after the layer otherwise (the
// elementwise fusion then merges it with whatever follows). The norm keeps
// only its normalization. Exact up to rounding.
//
// The contractions must read the model dim (the norm's last, its only
// normalized dim) as a reduction loop, their other operand must be a
// constant f32 weight reading that loop in one dim, and every other dim of
// the weight must be an output feature.
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

#define GEN_PASS_DEF_FOLDNORMAFFINE
#include "mixer/Dialect/Mixer/Transforms/Passes.h.inc"

namespace {

/// One linear layer reading the norm.
struct LinearUse {
  linalg::GenericOp op;
  OpOperand *weight;
  /// The weight dim read by the model-dim loop.
  int64_t weightDim;
  /// For each other weight dim, in order, the output dim it writes.
  SmallVector<int64_t> outputDims;
  /// The weight's values (read once, when matching).
  SmallVector<float> values;
};

std::optional<SmallVector<float>> constantValues(Value value) {
  Attribute attr;
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || !type.hasStaticShape() || !matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  return readF32Constant(attr);
}

/// Checks that `use` (of a norm's result over `rank` dims) is a linear
/// layer the affine part folds into; fails with `why` set otherwise.
FailureOr<LinearUse> matchLinear(OpOperand &use, int64_t rank,
                                 std::string &why) {
  auto op = dyn_cast<linalg::GenericOp>(use.getOwner());
  if (!op || !linalg::isaContractionOpInterface(op) ||
      op.getNumDpsInputs() != 2) {
    why = "the norm is read by something else than a linear layer ('" +
          use.getOwner()->getName().getStringRef().str() + "')";
    return failure();
  }
  auto dimExpr = dyn_cast<AffineDimExpr>(
      op.getMatchingIndexingMap(&use).getResult(rank - 1));
  if (!dimExpr ||
      op.getIteratorTypesArray()[dimExpr.getPosition()] !=
          utils::IteratorType::reduction) {
    why = "a linear layer that does not sum over the normalized dim";
    return failure();
  }
  unsigned loop = dimExpr.getPosition();
  OpOperand *weight =
      op.getDpsInputOperand(use.getOperandNumber() == 0 ? 1 : 0);
  std::optional<SmallVector<float>> values =
      weight->get() == use.get() ? std::nullopt : constantValues(weight->get());
  if (!values) {
    why = "a linear layer whose weight is not an f32 constant";
    return failure();
  }
  LinearUse linear{op, weight, -1, {}, std::move(*values)};
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  for (auto [i, expr] :
       llvm::enumerate(op.getMatchingIndexingMap(weight).getResults())) {
    auto d = cast<AffineDimExpr>(expr).getPosition(); // a projected perm.
    if (d == loop) {
      linear.weightDim = i;
      continue;
    }
    std::optional<unsigned> out =
        outMap.getResultPosition(getAffineDimExpr(d, op.getContext()));
    if (!out) {
      why = "a linear layer whose weight has another summed dim";
      return failure();
    }
    linear.outputDims.push_back(*out);
  }
  return linear;
}

/// `values` (row-major `shape`) with every slice along `dim` scaled by the
/// matching entry of `scale`, and the sums over `dim` weighted by `shift`
/// (the product `shift · W` over that dim), as (scaled, shifted).
std::pair<SmallVector<float>, SmallVector<float>>
scaleAndContract(ArrayRef<float> values, ArrayRef<int64_t> shape, int64_t dim,
                 ArrayRef<float> scale, ArrayRef<float> shift) {
  auto [outer, size, inner] = splitAround(shape, dim);
  SmallVector<float> scaled(values);
  SmallVector<float> shifted(shift.empty() ? 0 : outer * inner);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      double sum = 0;
      for (int64_t k = 0; k < size; ++k) {
        float w = values[(o * size + k) * inner + i];
        if (!scale.empty())
          scaled[(o * size + k) * inner + i] = w * scale[k];
        if (!shift.empty())
          sum += static_cast<double>(shift[k]) * w;
      }
      if (!shift.empty())
        shifted[o * inner + i] = static_cast<float>(sum);
    }
  return {std::move(scaled), std::move(shifted)};
}

/// Adds `shift` (a constant over the output dims `outputDims` of `linear`)
/// to the result of `linear`: into the bias of the addition that is its only
/// user when that bias has the same layout, else with a new addition.
void addShift(RewriterBase &rewriter, LinearUse linear,
              ArrayRef<float> shift, RankedTensorType shiftType,
              Attribute like) {
  Value result = linear.op->getResult(0);
  auto resultType = cast<RankedTensorType>(result.getType());
  MLIRContext *ctx = rewriter.getContext();
  SmallVector<AffineExpr> exprs;
  for (int64_t d : linear.outputDims)
    exprs.push_back(getAffineDimExpr(d, ctx));
  AffineMap shiftMap = AffineMap::get(resultType.getRank(), 0, exprs, ctx);
  AffineMap identity = AffineMap::getMultiDimIdentityMap(
      resultType.getRank(), ctx);

  if (result.hasOneUse()) {
    auto add = dyn_cast<linalg::GenericOp>(*result.getUsers().begin());
    if (isAddition(add) && add.getNumLoops() == resultType.getRank()) {
      OpOperand *self = &*result.getUses().begin();
      OpOperand *bias =
          add.getDpsInputOperand(self->getOperandNumber() == 0 ? 1 : 0);
      std::optional<SmallVector<float>> biasValues =
          constantValues(bias->get());
      if (add.getMatchingIndexingMap(self) == identity && biasValues &&
          bias->get().getType() == shiftType &&
          add.getMatchingIndexingMap(bias) == shiftMap) {
        for (auto [b, s] : llvm::zip_equal(*biasValues, shift))
          b += s;
        rewriter.setInsertionPoint(add);
        Value newBias = createF32Constant(rewriter, bias->get().getLoc(),
                                          shiftType, *biasValues, like,
                                          "folded_norm_bias");
        rewriter.modifyOpInPlace(add, [&] { bias->set(newBias); });
        return;
      }
    }
  }

  Location loc = linear.op.getLoc();
  rewriter.setInsertionPointAfter(linear.op);
  Value shiftValue =
      createF32Constant(rewriter, loc, shiftType, shift, like,
                        "folded_norm_bias");
  SmallVector<OpFoldResult> sizes =
      tensor::getMixedSizes(rewriter, loc, result);
  Value init = tensor::EmptyOp::create(rewriter, loc, sizes,
                                       resultType.getElementType());
  auto add = linalg::GenericOp::create(
      rewriter, loc, resultType, ValueRange{result, shiftValue}, init,
      ArrayRef<AffineMap>{identity, shiftMap, identity},
      SmallVector<utils::IteratorType>(resultType.getRank(),
                                       utils::IteratorType::parallel),
      [](OpBuilder &b, Location l, ValueRange args) {
        linalg::YieldOp::create(
            b, l, ValueRange{arith::AddFOp::create(b, l, args[0], args[1])});
      });
  rewriter.replaceUsesWithIf(result, add->getResult(0), [&](OpOperand &u) {
    return u.getOwner() != add && !isa<tensor::DimOp>(u.getOwner());
  });
}

struct FoldNormAffinePass : impl::FoldNormAffineBase<FoldNormAffinePass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<Operation *> norms;
    getOperation()->walk([&](Operation *op) {
      if (isa<LayerNormOp, RMSNormOp, CompressedRMSNormOp>(op))
        norms.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (Operation *norm : norms) {
      if (auto ln = dyn_cast<LayerNormOp>(norm))
        foldNorm(rewriter, ln);
      else if (auto rms = dyn_cast<RMSNormOp>(norm))
        foldNorm(rewriter, rms);
      else
        foldNorm(rewriter, cast<CompressedRMSNormOp>(norm));
    }
  }

  template <typename NormOp>
  void foldNorm(IRRewriter &rewriter, NormOp norm) {
    Value weight = norm.getWeight(), bias = norm.getBias();
    if (!weight && !bias)
      return;
    std::string why;
    FailureOr<SmallVector<LinearUse>> uses = matchUses(norm, why);
    if (failed(uses)) {
      ++numRefused;
      if (remarks)
        norm.emitRemark() << "norm weight and bias not folded into the next "
                             "linear layers: " << why;
      return;
    }
    SmallVector<float> scale, shift;
    if (weight)
      scale = *constantValues(weight);
    if (bias)
      shift = *constantValues(bias);
    bool shifts = llvm::any_of(shift, [](float b) { return b != 0; });
    if (!shifts)
      shift.clear();
    for (LinearUse &linear : *uses) {
      Value w = linear.weight->get();
      auto type = cast<RankedTensorType>(w.getType());
      Attribute like;
      (void)matchPattern(w, m_Constant(&like));
      auto [scaled, shifted] =
          scaleAndContract(linear.values, type.getShape(),
                           linear.weightDim, scale, shift);
      if (!scale.empty()) {
        rewriter.setInsertionPoint(linear.op);
        Value newWeight = createF32Constant(rewriter, w.getLoc(), type, scaled,
                                            like, "folded_norm_weight");
        rewriter.modifyOpInPlace(linear.op,
                                 [&] { linear.weight->set(newWeight); });
      }
      if (!shifted.empty()) {
        SmallVector<int64_t> shiftShape(type.getShape());
        shiftShape.erase(shiftShape.begin() + linear.weightDim);
        addShift(rewriter, linear, shifted,
                 RankedTensorType::get(shiftShape, type.getElementType()),
                 like);
      }
    }
    if (remarks)
      norm.emitRemark() << "folded the norm's weight and bias into "
                        << uses->size()
                        << (uses->size() == 1 ? " linear layer"
                                              : " linear layers");
    rewriter.modifyOpInPlace(norm, [&] {
      norm.getWeightMutable().clear();
      norm.getBiasMutable().clear();
    });
    ++numFolded;
  }

  template <typename NormOp>
  FailureOr<SmallVector<LinearUse>> matchUses(NormOp norm, std::string &why) {
    RankedTensorType type = norm.getType();
    int64_t rank = type.getRank();
    if (!type.getElementType().isF32() || norm.getNormalizedAxis() != rank - 1) {
      why = "only f32 norms over the last dim are folded";
      return failure();
    }
    for (Value affine : {norm.getWeight(), norm.getBias()})
      if (affine && !constantValues(affine)) {
        why = "the norm's weight or bias is not an f32 constant";
        return failure();
      }
    SmallVector<LinearUse> uses;
    for (OpOperand &use : norm->getUses()) {
      if (isa<tensor::DimOp>(use.getOwner()))
        continue;
      FailureOr<LinearUse> linear = matchLinear(use, rank, why);
      if (failed(linear))
        return failure();
      uses.push_back(*linear);
    }
    if (uses.empty()) {
      why = "the norm is not read by a linear layer";
      return failure();
    }
    return uses;
  }
};

} // namespace
} // namespace mixer

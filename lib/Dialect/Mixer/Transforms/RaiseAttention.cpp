//===- RaiseAttention.cpp - --mixer-raise-attention -----------------------===//
//
// Decomposed attention (as the ONNX importer writes what exporters emit)
// back into mixer.attention; see Passes.td for the forms matched.
//
// The match starts at a softmax over the last dim of a rank-4 tensor and
// walks backwards through single-use elementwise steps (scale, additive
// mask, where-mask) to the Q·Kᵀ contraction, and forwards to the P·V
// contraction that is the softmax's only user.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"

#include "mixer/Dialect/Mixer/Transforms/Passes.h"
#include "mixer/Dialect/Mixer/Transforms/Transforms.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/Verifier.h"

#include <cmath>

using namespace mlir;

namespace mixer {

#define GEN_PASS_DEF_RAISEATTENTION
#include "mixer/Dialect/Mixer/Transforms/Passes.h.inc"

namespace {

//===----------------------------------------------------------------------===//
// Pieces of the pattern
//===----------------------------------------------------------------------===//

/// Whether `op` is `C[b,h,i,j] = sum_k A[b,h,i,k] * B[b,h,k,j]` (the
/// importer's batched MatMul) on zero-filled C.
bool isBatchedMatmul(linalg::LinalgOp op) {
  if (!op || op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !linalg::isaContractionOpInterface(op) || op.getNumLoops() != 5)
    return false;
  MLIRContext *ctx = op.getContext();
  AffineExpr b, h, i, j, k;
  bindDims(ctx, b, h, i, j, k);
  SmallVector<AffineMap> expected{AffineMap::get(5, 0, {b, h, i, k}, ctx),
                                  AffineMap::get(5, 0, {b, h, k, j}, ctx),
                                  AffineMap::get(5, 0, {b, h, i, j}, ctx)};
  if (op.getIndexingMapsArray() != expected)
    return false;
  auto fill = op.getDpsInitOperand(0)->get().getDefiningOp<linalg::FillOp>();
  std::optional<double> zero =
      fill ? getScalarConstant(fill.getInputs().front()) : std::nullopt;
  return zero && *zero == 0.0;
}

/// Whether `map` reads a rank-r operand the way mixer.attention broadcasts a
/// mask: its results are the last r loops in order, or 0 on a static size-1
/// dim.
bool isRightAlignedBroadcast(AffineMap map, RankedTensorType type) {
  int64_t rank = type.getRank(), loops = map.getNumDims();
  if (map.getNumResults() != rank || rank < 2 || rank > loops)
    return false;
  for (int64_t d = 0; d < rank; ++d) {
    AffineExpr expr = map.getResult(d);
    if (auto c = dyn_cast<AffineConstantExpr>(expr)) {
      if (c.getValue() != 0 || type.getDimSize(d) != 1)
        return false;
      continue;
    }
    auto dim = dyn_cast<AffineDimExpr>(expr);
    if (!dim || dim.getPosition() != loops - rank + d)
      return false;
  }
  return true;
}

/// One elementwise step between Q·Kᵀ and the softmax.
struct ScoreStep {
  enum Kind { Scale, AddMask, KeepMask, DropMask } kind;
  double factor = 1.0; // Scale
  Value mask;          // the masks
};

/// Matches `op` as a step applied to its input `chain` (read with the
/// identity map, as is the result).
FailureOr<ScoreStep> matchScoreStep(linalg::GenericOp op, OpOperand *chain,
                                    std::string &why) {
  Block *body = op.getBody();
  if (!llvm::hasSingleElement(body->without_terminator())) {
    why = "a score op with more than one arith op in its body";
    return failure();
  }
  Operation *inner = &body->front();
  if (body->getTerminator()->getOperand(0) != inner->getResult(0)) {
    why = "a score op that does not yield its result";
    return failure();
  }
  Value x = op.getMatchingBlockArgument(chain);
  auto otherInput = [&](Value v) -> OpOperand * {
    auto arg = dyn_cast<BlockArgument>(v);
    if (!arg || arg.getOwner() != body || arg == x ||
        arg.getArgNumber() >= op.getNumDpsInputs())
      return nullptr;
    return op.getDpsInputOperand(arg.getArgNumber());
  };
  auto maskOf = [&](OpOperand *operand) -> Value {
    if (!operand ||
        !isRightAlignedBroadcast(
            op.getMatchingIndexingMap(operand),
            cast<RankedTensorType>(operand->get().getType())))
      return nullptr;
    return operand->get();
  };

  if (auto div = dyn_cast<arith::DivFOp>(inner)) {
    std::optional<double> c = getBodyConstant(op, div.getRhs());
    if (div.getLhs() == x && c && *c != 0.0)
      return ScoreStep{ScoreStep::Scale, 1.0 / *c, {}};
  }
  if (auto mul = dyn_cast<arith::MulFOp>(inner)) {
    Value other = mul.getLhs() == x ? mul.getRhs() : mul.getLhs();
    std::optional<double> c = getBodyConstant(op, other);
    if ((mul.getLhs() == x || mul.getRhs() == x) && c)
      return ScoreStep{ScoreStep::Scale, *c, {}};
  }
  if (auto add = dyn_cast<arith::AddFOp>(inner)) {
    Value other = add.getLhs() == x ? add.getRhs() : add.getLhs();
    if ((add.getLhs() == x || add.getRhs() == x))
      if (Value mask = maskOf(otherInput(other)))
        return ScoreStep{ScoreStep::AddMask, 1.0, mask};
    why = "an addition whose other operand is not a mask broadcast to the "
          "scores (right-aligned)";
    return failure();
  }
  if (auto select = dyn_cast<arith::SelectOp>(inner)) {
    Value mask = maskOf(otherInput(select.getCondition()));
    bool keep = select.getTrueValue() == x;
    std::optional<double> fill = getBodyConstant(
        op, keep ? select.getFalseValue() : select.getTrueValue());
    if (!mask || !(keep || select.getFalseValue() == x)) {
      why = "a where whose condition is not a mask broadcast to the scores";
      return failure();
    }
    // Exact only if masked scores vanish from the softmax like -inf ones.
    if (!fill || !(std::isinf(*fill) ? *fill < 0 : *fill <= -1e30)) {
      why = "a where whose fill value is not -inf or below -1e30";
      return failure();
    }
    return ScoreStep{keep ? ScoreStep::KeepMask : ScoreStep::DropMask, 1.0,
                     mask};
  }
  why = "a score op '" + inner->getName().getStringRef().str() +
        "' that is not a scale, a mask or a where";
  return failure();
}

/// Whether `op` is an all-parallel single-output generic on the scores.
bool isElementwiseOnScores(linalg::GenericOp op) {
  return op && op.getNumDpsInits() == 1 &&
         op.getNumParallelLoops() == op.getNumLoops() &&
         op.getNumLoops() == 4 &&
         op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity();
}

/// Peels `x = y * c` / `x = y / c` (single use) off a Q or K operand.
Value peelScale(Value value, double &scale) {
  while (auto op = value.getDefiningOp<linalg::GenericOp>()) {
    if (!isElementwiseOnScores(op) || !op->getResult(0).hasOneUse())
      break;
    std::string ignored;
    OpOperand *chain = nullptr;
    for (OpOperand *input : op.getDpsInputOperands())
      if (op.getMatchingIndexingMap(input).isIdentity()) {
        chain = input;
        break;
      }
    if (!chain)
      break;
    FailureOr<ScoreStep> step = matchScoreStep(op, chain, ignored);
    if (failed(step) || step->kind != ScoreStep::Scale)
      break;
    scale *= step->factor;
    value = chain->get();
  }
  return value;
}

/// The chain from the softmax input back to Q·Kᵀ: steps in forward order.
struct ScoreChain {
  linalg::LinalgOp qk;
  SmallVector<ScoreStep> steps;
  SmallVector<Value> scores; // every [b,h,i,j] tensor from Q·Kᵀ on
};

LogicalResult matchChain(Value scores, ScoreChain &chain, std::string &why) {
  Operation *def = scores.getDefiningOp();
  auto linalgOp = dyn_cast_or_null<linalg::LinalgOp>(def);
  if (isBatchedMatmul(linalgOp)) {
    if (!hasOneReader(scores)) {
      why = "the raw scores have another user";
      return failure();
    }
    chain.qk = linalgOp;
    chain.scores.push_back(scores);
    return success();
  }
  auto generic = dyn_cast_or_null<linalg::GenericOp>(def);
  if (!isElementwiseOnScores(generic)) {
    why = def ? "the scores come from '" + def->getName().getStringRef().str() +
                    "', not from a batched Q·Kᵀ"
              : "the scores are a function argument";
    return failure();
  }
  if (!hasOneReader(generic->getResult(0))) {
    why = "an intermediate score tensor has another user";
    return failure();
  }
  // Any identity-mapped input may carry the scores (a full-size mask is
  // identity-mapped too): try each.
  for (OpOperand *input : generic.getDpsInputOperands()) {
    if (!generic.getMatchingIndexingMap(input).isIdentity())
      continue;
    FailureOr<ScoreStep> step = matchScoreStep(generic, input, why);
    if (failed(step))
      continue;
    ScoreChain inner;
    if (failed(matchChain(input->get(), inner, why)))
      continue;
    chain = inner;
    chain.steps.push_back(*step);
    chain.scores.push_back(scores);
    return success();
  }
  return failure();
}

} // namespace

//===----------------------------------------------------------------------===//
// The rewrite
//===----------------------------------------------------------------------===//

namespace {

/// Whether mask `step` on scores [B, H, Sq, Skv] is exactly the causal mask
/// (key j visible to query i iff j <= i + Skv - Sq), evaluated element by
/// element at compile time (masks up to 2^20 entries); remembered per mask
/// tensor in `cache`, since every layer reads the same one.
bool isCausalMask(const ScoreStep &step, RankedTensorType scores,
                  DenseMap<Value, bool> &cache) {
  auto type = cast<RankedTensorType>(step.mask.getType());
  int64_t sq = scores.getDimSize(2), skv = scores.getDimSize(3);
  int64_t rank = type.getRank();
  if (!type.hasStaticShape() || ShapedType::isDynamic(sq) ||
      ShapedType::isDynamic(skv) || rank < 2 ||
      type.getDimSize(rank - 2) != sq || type.getDimSize(rank - 1) != skv ||
      llvm::any_of(type.getShape().drop_back(2),
                   [](int64_t d) { return d != 1; }) ||
      sq * skv > (int64_t{1} << 20))
    return false;
  auto cached = cache.find(step.mask);
  if (cached != cache.end())
    return cached->second;
  ElementEvaluator evaluator;
  SmallVector<int64_t> index(rank, 0);
  auto matches = [&]() {
    for (int64_t i = 0; i < sq; ++i)
      for (int64_t j = 0; j < skv; ++j) {
        index[rank - 2] = i;
        index[rank - 1] = j;
        Attribute element = evaluator.at(step.mask, index);
        bool visible = j <= i + skv - sq;
        if (step.kind == ScoreStep::AddMask) {
          auto f = dyn_cast_or_null<FloatAttr>(element);
          if (!f)
            return false;
          double v = f.getValueAsDouble();
          if (visible ? v != 0.0 : !(v <= -1e30))
            return false;
          continue;
        }
        auto b = dyn_cast_or_null<IntegerAttr>(element);
        if (!b || !b.getType().isInteger(1))
          return false;
        bool keep = b.getValue().isOne() == (step.kind == ScoreStep::KeepMask);
        if (keep != visible)
          return false;
      }
    return true;
  };
  bool causal = matches();
  cache[step.mask] = causal;
  return causal;
}

} // namespace

FailureOr<AttentionOp> raiseAttention(RewriterBase &rewriter,
                                      linalg::SoftmaxOp softmax,
                                      std::string &whyNot) {
  DenseMap<Value, bool> causalMasks;
  return raiseAttention(rewriter, softmax, whyNot, causalMasks);
}

FailureOr<AttentionOp> raiseAttention(RewriterBase &rewriter,
                                      linalg::SoftmaxOp softmax,
                                      std::string &whyNot,
                                      DenseMap<Value, bool> &causalMasks) {
  auto type = cast<RankedTensorType>(softmax.getOutput().getType());
  if (type.getRank() != 4 || softmax.getDimension() != 3 ||
      !type.getElementType().isF32()) {
    whyNot = "a softmax that is not over the last dim of a rank-4 f32 tensor";
    return failure();
  }
  // The P·V contraction must be the probabilities' only user but for shape
  // queries, which are answered from the attention's operands instead.
  Value probs = softmax->getResult(0);
  if (!hasOneReader(probs)) {
    whyNot = "the probabilities have more than one user";
    return failure();
  }
  linalg::LinalgOp pv;
  for (Operation *user : probs.getUsers())
    if (!isa<tensor::DimOp>(user))
      pv = dyn_cast<linalg::LinalgOp>(user);
  if (!isBatchedMatmul(pv) || pv.getDpsInputOperand(0)->get() != probs) {
    whyNot = "the probabilities do not feed a batched P·V contraction";
    return failure();
  }
  ScoreChain chain;
  if (failed(matchChain(softmax.getInput(), chain, whyNot)))
    return failure();
  if (!hasOneReader(softmax.getInput())) {
    whyNot = "the scores have another user";
    return failure();
  }
  chain.scores.push_back(probs);
  SmallVector<tensor::DimOp> dims;
  for (Value scores : chain.scores)
    for (Operation *user : scores.getUsers())
      if (auto dim = dyn_cast<tensor::DimOp>(user)) {
        if (!dim.getConstantIndex()) {
          whyNot = "a shape query of the scores with a dynamic index";
          return failure();
        }
        dims.push_back(dim);
      }

  // Forward order: scales, then the masks: at most one, besides a causal
  // mask (which becomes `causal`, so that the kernels skip the tiles it
  // hides instead of reading a mask).
  double scale = 1.0;
  SmallVector<const ScoreStep *> masks;
  for (const ScoreStep &step : chain.steps) {
    if (step.kind == ScoreStep::Scale) {
      if (!masks.empty()) {
        whyNot = "a scale applied after the mask";
        return failure();
      }
      scale *= step.factor;
      continue;
    }
    masks.push_back(&step);
  }
  bool causal = false;
  for (auto it = masks.begin(); it != masks.end(); ++it)
    if (isCausalMask(**it, type, causalMasks)) {
      causal = true;
      masks.erase(it);
      break;
    }
  if (masks.size() > 1) {
    whyNot = "two masks on the scores (neither of them a causal mask known "
             "at compile time)";
    return failure();
  }
  const ScoreStep *mask = masks.empty() ? nullptr : masks.front();

  Location loc = pv.getLoc();
  Value query = peelScale(chain.qk.getDpsInputOperand(0)->get(), scale);
  Value keyT = peelScale(chain.qk.getDpsInputOperand(1)->get(), scale);
  Value value = pv.getDpsInputOperand(1)->get();

  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(pv);
  // Ops made on the way, erased again if the attention op does not verify.
  SmallVector<Operation *> created;
  // K from Kᵀ: the transpose's input when Kᵀ is one, else a new transpose
  // (canonicalization composes it with whatever produced Kᵀ).
  Value key;
  auto transpose = keyT.getDefiningOp<linalg::TransposeOp>();
  if (transpose && transpose.getPermutation() == ArrayRef<int64_t>{0, 1, 3, 2}) {
    key = transpose.getInput();
  } else {
    auto ktType = cast<RankedTensorType>(keyT.getType());
    SmallVector<OpFoldResult> dims = tensor::getMixedSizes(rewriter, loc, keyT);
    Value empty = tensor::EmptyOp::create(
        rewriter, loc, SmallVector<OpFoldResult>{dims[0], dims[1], dims[3], dims[2]},
        ktType.getElementType());
    auto keyOp = linalg::TransposeOp::create(rewriter, loc, keyT, empty,
                                             ArrayRef<int64_t>{0, 1, 3, 2});
    created.append({empty.getDefiningOp(), keyOp});
    key = keyOp->getResult(0);
  }

  Value maskValue;
  if (mask) {
    maskValue = mask->mask;
    if (mask->kind == ScoreStep::DropMask) {
      // where(cond, fill, s) keeps the scores where cond is false.
      auto maskType = cast<RankedTensorType>(maskValue.getType());
      SmallVector<OpFoldResult> dims =
          tensor::getMixedSizes(rewriter, loc, maskValue);
      Value empty = tensor::EmptyOp::create(rewriter, loc, dims,
                                            maskType.getElementType());
      Value one = arith::ConstantOp::create(rewriter, loc,
                                            rewriter.getBoolAttr(true));
      AffineMap id =
          AffineMap::getMultiDimIdentityMap(maskType.getRank(), rewriter.getContext());
      auto negate = linalg::GenericOp::create(
          rewriter, loc, TypeRange{maskType}, ValueRange{maskValue},
          ValueRange{empty}, ArrayRef<AffineMap>{id, id},
          SmallVector<utils::IteratorType>(maskType.getRank(),
                                           utils::IteratorType::parallel),
          [&](OpBuilder &b, Location l, ValueRange args) {
            linalg::YieldOp::create(
                b, l, arith::XOrIOp::create(b, l, args[0], one).getResult());
          });
      created.append({one.getDefiningOp(), empty.getDefiningOp(), negate});
      maskValue = negate->getResult(0);
    }
  }

  auto result = cast<RankedTensorType>(pv->getResult(0).getType());
  auto attention = AttentionOp::create(
      rewriter, loc, result, query, key, value, maskValue, /*seq_lens=*/Value(),
      /*offsets=*/Value(), rewriter.getF32FloatAttr(scale), causal);
  LogicalResult verified = success();
  {
    ScopedDiagnosticHandler silence(rewriter.getContext(),
                                    [](Diagnostic &) { return success(); });
    verified = verify(attention);
  }
  if (failed(verified)) {
    rewriter.eraseOp(attention);
    for (Operation *op : llvm::reverse(created))
      rewriter.eraseOp(op);
    whyNot = "the operands do not form a valid mixer.attention";
    return failure();
  }
  // Scores [b, h, i, j] = Q[b, h, i, :] · Kᵀ[b, h, :, j]: their shape
  // queries read Q and Kᵀ, which come before every use.
  Value qkLhs = chain.qk.getDpsInputOperand(0)->get();
  Value qkRhs = chain.qk.getDpsInputOperand(1)->get();
  for (tensor::DimOp dim : dims) {
    rewriter.setInsertionPoint(dim);
    int64_t d = *dim.getConstantIndex();
    rewriter.replaceOp(dim, tensor::DimOp::create(rewriter, dim.getLoc(),
                                                  d == 3 ? qkRhs : qkLhs, d));
  }
  rewriter.replaceOp(pv, attention.getResult());
  return attention;
}

namespace {

struct RaiseAttentionPass : impl::RaiseAttentionBase<RaiseAttentionPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::SoftmaxOp> softmaxes;
    getOperation()->walk(
        [&](linalg::SoftmaxOp op) { softmaxes.push_back(op); });
    IRRewriter rewriter(&getContext());
    DenseMap<Value, bool> causalMasks;
    for (linalg::SoftmaxOp softmax : softmaxes) {
      std::string whyNot;
      if (succeeded(raiseAttention(rewriter, softmax, whyNot, causalMasks))) {
        ++numRaised;
        continue;
      }
      ++numMissed;
      if (remarks)
        softmax.emitRemark() << "attention not raised: " << whyNot;
    }
  }
};

} // namespace
} // namespace mixer

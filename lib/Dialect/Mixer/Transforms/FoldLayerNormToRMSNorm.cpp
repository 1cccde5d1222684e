//===- FoldLayerNormToRMSNorm.cpp - --mixer-fold-layernorm-to-rmsnorm -----===//
//
// Pre-RMSNorm (Jiang et al.): in a Pre-LN transformer the residual stream is
// read only through LayerNorms, which ignore its mean. Rewriting the
// constants that write into the stream so that every write is zero-mean over
// the model dim makes the stream zero-mean, and then every LayerNorm on it
// equals an RMSNorm with the same weight and bias.
//
// The stream is found as a sum tree: starting from the input of a LayerNorm,
// elementwise additions are followed up (their operands) and down (their
// users). Every tree node may be read only by LayerNorms over the last dim
// or by other additions of the tree. Every leaf must be made zero-mean along
// the model dim `D` by editing constants:
//   - a constant (bias, position embedding, CLS token): minus its mean;
//   - a contraction by a constant weight (linear layers, the patch
//     embedding's convolution) whose D loop reads the weight alone: the
//     weight minus its mean along that dim;
//   - a lookup (tensor.extract) in a constant table indexed by the D loop
//     (token, position, type embeddings): every row minus its mean;
// seen through copies/broadcasts, transposes, reshapes that keep D, and
// concatenations along other dims. Anything else leaves the model alone,
// with a remark naming what stopped the fold.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"

#include "mixer/Dialect/Mixer/Transforms/Passes.h"
#include "mixer/Dialect/Mixer/Transforms/Transforms.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/SetVector.h"


using namespace mlir;

namespace mixer {

#define GEN_PASS_DEF_FOLDLAYERNORMTORMSNORM
#include "mixer/Dialect/Mixer/Transforms/Passes.h.inc"

namespace {

/// A constant to replace, for one use, by itself minus its mean along `dim`.
struct ConstantEdit {
  OpOperand *use;
  int64_t dim;
};

/// What a fold of one stream would do.
struct StreamPlan {
  llvm::SetVector<LayerNormOp> norms;
  SmallVector<ConstantEdit> edits;
};

bool isF32Constant(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.getElementType().isF32() && type.hasStaticShape() &&
         matchPattern(value, m_Constant());
}

/// The dim of `operand` that loop `loop` of `op` reads, if it reads one.
std::optional<int64_t> operandDimOfLoop(linalg::LinalgOp op,
                                        OpOperand *operand, unsigned loop) {
  for (auto [i, expr] :
       llvm::enumerate(op.getMatchingIndexingMap(operand).getResults())) {
    if (auto dim = dyn_cast<AffineDimExpr>(expr))
      if (dim.getPosition() == loop)
        return i;
    if (expr.isFunctionOfDim(loop))
      return std::nullopt;
  }
  return std::nullopt;
}

class StreamAnalysis {
public:
  explicit StreamAnalysis(StreamPlan &plan) : plan(plan) {}

  /// Adds the stream through `node` (a value read by a LayerNorm) to the
  /// plan; fails with `why` set when it cannot be folded.
  LogicalResult addStream(Value node) { return visitNode(node); }

  std::string why;

private:
  LogicalResult fail(const Twine &reason, Operation *at = nullptr) {
    why = reason.str();
    if (at)
      why += " ('" + at->getName().getStringRef().str() + "')";
    return failure();
  }

  /// A tree node: a value the stream sums into. All its readers must be
  /// LayerNorms over the last dim or additions of the tree.
  LogicalResult visitNode(Value node) {
    if (!nodes.insert(node))
      return success();
    auto type = dyn_cast<RankedTensorType>(node.getType());
    if (!type || type.getRank() < 2 || type.isDynamicDim(type.getRank() - 1))
      return fail("the stream does not have a static model dim");
    for (Operation *user : node.getUsers()) {
      if (isa<tensor::DimOp>(user))
        continue;
      if (auto norm = dyn_cast<LayerNormOp>(user)) {
        int64_t axis = norm.getSignedAxis();
        if (axis < 0)
          axis += type.getRank();
        if (axis != type.getRank() - 1)
          return fail("a LayerNorm over more than the last dim reads the "
                      "stream", norm);
        plan.norms.insert(norm);
        continue;
      }
      auto add = dyn_cast<linalg::GenericOp>(user);
      if (isAddition(add) && add->getResult(0).getType() == node.getType()) {
        if (failed(visitNode(add->getResult(0))))
          return failure();
        continue;
      }
      return fail("the stream is read by something else than a LayerNorm",
                  user);
    }
    if (auto add = node.getDefiningOp<linalg::GenericOp>();
        isAddition(add) && add->getResult(0) == node) {
      for (OpOperand *input : add.getDpsInputOperands())
        if (failed(visitTerm(add, input)))
          return failure();
      return success();
    }
    return visitLeaf(node, type.getRank() - 1);
  }

  /// An operand of a tree addition: another node (same shape) or a leaf
  /// broadcast into it.
  LogicalResult visitTerm(linalg::GenericOp add, OpOperand *input) {
    Value value = input->get();
    if (value.getType() == add->getResult(0).getType() &&
        add.getMatchingIndexingMap(input).isIdentity()) {
      auto def = value.getDefiningOp<linalg::GenericOp>();
      if (isAddition(def) || llvm::any_of(value.getUsers(), [](Operation *u) {
            return isa<LayerNormOp>(u);
          }))
        return visitNode(value);
    }
    std::optional<int64_t> dim =
        operandDimOfLoop(add, input, add.getNumLoops() - 1);
    if (!dim)
      return fail("a term is broadcast along the model dim", add);
    return visitOperand(add, input, *dim);
  }

  /// A value whose `dim` must become zero-mean by editing constants.
  LogicalResult visitLeaf(Value value, int64_t dim) {
    Operation *def = value.getDefiningOp();
    if (!def)
      return fail("the stream is written by a function argument");
    if (isa<LayerNormOp, RMSNormOp>(def))
      return fail("the stream is written by a normalization: a Post-LN "
                  "block, whose stream is not read through LayerNorms only",
                  def);
    if (auto transpose = dyn_cast<linalg::TransposeOp>(def))
      return visitOperand(transpose, &transpose.getInputMutable(),
                          transpose.getPermutation()[dim]);
    if (auto reshape = dyn_cast<tensor::ReshapeOp>(def)) {
      std::optional<int64_t> source = reshapeSourceDim(reshape, dim);
      if (!source)
        return fail("a reshape that does not keep the model dim", reshape);
      return visitOperand(reshape, &reshape.getSourceMutable(), *source);
    }
    if (auto concat = dyn_cast<tensor::ConcatOp>(def)) {
      if (static_cast<int64_t>(concat.getDim()) == dim)
        return fail("a concatenation along the model dim", concat);
      for (OpOperand &input : concat->getOpOperands())
        if (failed(visitOperand(concat, &input, dim)))
          return failure();
      return success();
    }
    auto generic = dyn_cast<linalg::GenericOp>(def);
    if (!generic || generic.getNumDpsInits() != 1)
      return fail("the stream is written by an op this pass cannot make "
                  "zero-mean", def);
    AffineMap outMap =
        generic.getMatchingIndexingMap(generic.getDpsInitOperand(0));
    auto loopExpr = dyn_cast<AffineDimExpr>(outMap.getResult(dim));
    if (!loopExpr)
      return fail("an op writes the model dim through a non-trivial map",
                  generic);
    unsigned loop = loopExpr.getPosition();
    if (isAddition(generic)) {
      for (OpOperand *input : generic.getDpsInputOperands()) {
        std::optional<int64_t> d = operandDimOfLoop(generic, input, loop);
        if (!d)
          return fail("a term is broadcast along the model dim", generic);
        if (failed(visitOperand(generic, input, *d)))
          return failure();
      }
      return success();
    }
    if (isCopy(generic)) {
      OpOperand *input = generic.getDpsInputOperand(0);
      std::optional<int64_t> d = operandDimOfLoop(generic, input, loop);
      if (!d)
        return fail("a broadcast along the model dim", generic);
      return visitOperand(generic, input, *d);
    }
    if (linalg::isaContractionOpInterface(generic) ||
        isConvolutionLike(generic))
      return visitProduct(generic, loop);
    if (succeeded(visitLookup(generic, loop)))
      return success();
    return fail("the stream is written by an op this pass cannot make "
                "zero-mean", generic);
  }

  /// Continues the leaf analysis into `operand` of `user` (its only user).
  LogicalResult visitOperand(Operation *user, OpOperand *operand, int64_t dim) {
    Value value = operand->get();
    if (isF32Constant(value)) {
      plan.edits.push_back({operand, dim});
      return success();
    }
    if (isa_and_nonnull<LayerNormOp, RMSNormOp>(value.getDefiningOp()))
      return visitLeaf(value, dim);
    if (!value.hasOneUse() &&
        !llvm::all_of(value.getUsers(), [&](Operation *u) {
          return u == user || isa<tensor::DimOp>(u);
        }))
      return fail("a value written into the stream is used elsewhere too",
                  value.getDefiningOp());
    return visitLeaf(value, dim);
  }

  /// A generic that yields its only input (a copy or a broadcast).
  static bool isCopy(linalg::GenericOp op) {
    return op.getNumDpsInputs() == 1 &&
           op.getNumParallelLoops() == op.getNumLoops() &&
           op.getBody()->getTerminator()->getOperand(0) ==
               op.getMatchingBlockArgument(op.getDpsInputOperand(0));
  }

  /// `acc + a * b` with non-projected maps (a convolution's input window).
  static bool isConvolutionLike(linalg::GenericOp op) {
    if (op.getNumDpsInputs() != 2 || op.getNumReductionLoops() == 0)
      return false;
    Block *body = op.getBody();
    auto add = dyn_cast<arith::AddFOp>(body->getTerminator()->getOperand(0)
                                           .getDefiningOp());
    if (!add)
      return false;
    Value acc = body->getArgument(2);
    Value prod = add.getLhs() == acc ? add.getRhs() : add.getLhs();
    auto mul = prod.getDefiningOp<arith::MulFOp>();
    return mul && (add.getLhs() == acc || add.getRhs() == acc) &&
           llvm::is_contained({mul.getLhs(), mul.getRhs()},
                              body->getArgument(0)) &&
           llvm::is_contained({mul.getLhs(), mul.getRhs()},
                              body->getArgument(1));
  }

  /// A product by a constant weight: the D loop reads the weight alone, so
  /// the weight minus its mean along that dim makes every output row
  /// zero-mean. The init must be zero (a fill).
  LogicalResult visitProduct(linalg::GenericOp op, unsigned loop) {
    OpOperand *weight = nullptr;
    int64_t weightDim = -1;
    for (OpOperand *input : op.getDpsInputOperands()) {
      AffineMap map = op.getMatchingIndexingMap(input);
      if (!map.isFunctionOfDim(loop))
        continue;
      std::optional<int64_t> d = operandDimOfLoop(op, input, loop);
      if (weight || !d || !isF32Constant(input->get()))
        return fail("a product whose model dim is not read from one constant "
                    "weight", op);
      weight = input;
      weightDim = *d;
    }
    if (!weight)
      return fail("a product that does not read the model dim", op);
    auto fill = op.getDpsInitOperand(0)->get().getDefiningOp<linalg::FillOp>();
    Attribute zero;
    if (!fill || !matchPattern(fill.getInputs().front(), m_Constant(&zero)) ||
        !isa<FloatAttr>(zero) || !cast<FloatAttr>(zero).getValue().isZero())
      return fail("a product that accumulates into something else than zero",
                  op);
    plan.edits.push_back({weight, weightDim});
    return success();
  }

  /// An embedding lookup: the body yields tensor.extract of a constant table
  /// whose index `p` is linalg.index of the D loop, and whose other indices
  /// do not depend on it. The table's rows (along p) become zero-mean.
  LogicalResult visitLookup(linalg::GenericOp op, unsigned loop) {
    Value yielded = op.getBody()->getTerminator()->getOperand(0);
    auto extract = yielded.getDefiningOp<tensor::ExtractOp>();
    if (!extract || !isF32Constant(extract.getTensor()))
      return failure();
    std::optional<int64_t> dim;
    for (auto [i, index] : llvm::enumerate(extract.getIndices())) {
      auto linalgIndex = index.getDefiningOp<linalg::IndexOp>();
      if (linalgIndex && linalgIndex.getDim() == loop) {
        dim = i;
        continue;
      }
      // Other indices must not use the D loop (they come from the ids).
      SetVector<Operation *> slice;
      BackwardSliceOptions options;
      options.inclusive = true;
      options.filter = [&](Operation *o) { return op->isAncestor(o); };
      (void)getBackwardSlice(index, &slice, options);
      if (llvm::any_of(slice, [&](Operation *o) {
            auto i = dyn_cast<linalg::IndexOp>(o);
            return i && i.getDim() == loop;
          }))
        return failure();
    }
    if (!dim)
      return failure();
    plan.edits.push_back({&extract.getTensorMutable(), *dim});
    return success();
  }

  /// The source dim a reshape's result dim `dim` comes from, when the reshape
  /// provably keeps it: same size, and the dims before it hold as many
  /// elements in both (statically, or the same dynamic dims one for one).
  static std::optional<int64_t> reshapeSourceDim(tensor::ReshapeOp reshape,
                                                 int64_t dim) {
    auto source = cast<RankedTensorType>(reshape.getSource().getType());
    auto result = cast<RankedTensorType>(reshape.getResult().getType());
    if (result.isDynamicDim(dim))
      return std::nullopt;
    auto prefix = [](RankedTensorType type, int64_t end) {
      int64_t product = 1, dynamic = 0;
      for (int64_t d = 0; d < end; ++d)
        type.isDynamicDim(d) ? ++dynamic : product *= type.getDimSize(d);
      return std::make_pair(product, dynamic);
    };
    auto want = prefix(result, dim);
    for (int64_t s = 0; s < source.getRank(); ++s) {
      if (source.getDimSize(s) != result.getDimSize(dim) ||
          prefix(source, s) != want)
        continue;
      // At most one leading dynamic dim, in front on both sides (a batch):
      // the element counts then force it to be the same.
      if (want.second > 1 ||
          (want.second == 1 && (!source.isDynamicDim(0) || !result.isDynamicDim(0))))
        continue;
      return s;
    }
    return std::nullopt;
  }

  StreamPlan &plan;
  llvm::SetVector<Value> nodes;
};

/// `values` (f32, row-major `shape`) minus their mean along `dim`.
SmallVector<float> subtractMean(ArrayRef<float> values,
                                ArrayRef<int64_t> shape, int64_t dim) {
  int64_t inner = 1, size = shape[dim], outer = 1;
  for (int64_t d = dim + 1; d < static_cast<int64_t>(shape.size()); ++d)
    inner *= shape[d];
  for (int64_t d = 0; d < dim; ++d)
    outer *= shape[d];
  SmallVector<float> result(values);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      double sum = 0;
      for (int64_t k = 0; k < size; ++k)
        sum += values[(o * size + k) * inner + i];
      double mean = sum / size;
      for (int64_t k = 0; k < size; ++k)
        result[(o * size + k) * inner + i] =
            static_cast<float>(values[(o * size + k) * inner + i] - mean);
    }
  return result;
}

LogicalResult applyEdit(RewriterBase &rewriter, const ConstantEdit &edit) {
  Attribute attr;
  if (!matchPattern(edit.use->get(), m_Constant(&attr)))
    return failure();
  auto type = cast<RankedTensorType>(edit.use->get().getType());
  std::optional<SmallVector<float>> values = readF32Constant(attr);
  if (!values)
    return failure();
  SmallVector<float> zeroMean =
      subtractMean(*values, type.getShape(), edit.dim);
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(edit.use->getOwner());
  Value replacement = createF32Constant(rewriter, edit.use->get().getLoc(),
                                        type, zeroMean, attr, "zero_mean");
  rewriter.modifyOpInPlace(edit.use->getOwner(),
                           [&] { edit.use->set(replacement); });
  return success();
}

struct FoldLayerNormToRMSNormPass
    : impl::FoldLayerNormToRMSNormBase<FoldLayerNormToRMSNormPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<LayerNormOp> norms;
    getOperation()->walk([&](LayerNormOp op) { norms.push_back(op); });
    llvm::DenseSet<Operation *> handled;
    IRRewriter rewriter(&getContext());
    for (LayerNormOp norm : norms) {
      if (handled.contains(norm))
        continue;
      StreamPlan plan;
      StreamAnalysis analysis(plan);
      if (failed(analysis.addStream(norm.getInput()))) {
        for (LayerNormOp n : plan.norms)
          handled.insert(n);
        handled.insert(norm);
        ++numRefused;
        if (remarks)
          norm.emitRemark() << "not folded into RMSNorm: " << analysis.why;
        continue;
      }
      for (LayerNormOp n : plan.norms)
        handled.insert(n);
      for (const ConstantEdit &edit : plan.edits)
        if (failed(applyEdit(rewriter, edit))) {
          // Analysis checked every edit's constant: unreachable in practice.
          norm.emitError("internal error: a stream constant could not be "
                         "rewritten");
          return signalPassFailure();
        }
      if (remarks)
        norm.emitRemark() << "folded " << plan.norms.size()
                          << " LayerNorms of this residual stream into "
                             "RMSNorm (" << plan.edits.size()
                          << " constants made zero-mean)";
      for (LayerNormOp n : plan.norms) {
        rewriter.setInsertionPoint(n);
        rewriter.replaceOpWithNewOp<RMSNormOp>(
            n, n.getType(), n.getInput(), n.getWeight(), n.getBias(),
            n.getAxisAttr(), n.getEpsilonAttr());
        ++numFolded;
      }
    }
  }
};

} // namespace
} // namespace mixer

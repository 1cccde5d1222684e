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
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
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
  /// The values the stream sums into: tree additions, and a leaf when a
  /// LayerNorm reads a single write directly.
  llvm::SetVector<Value> nodes;
};

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
    if (!plan.nodes.insert(node))
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
    if (isa<LayerNormOp, RMSNormOp, CompressedRMSNormOp>(def))
      return fail("the stream is written by a normalization: a Post-LN "
                  "block, whose stream is not read through LayerNorms only",
                  def);
    if (auto transpose = dyn_cast<linalg::TransposeOp>(def))
      return visitOperand(transpose, &transpose.getInputMutable(),
                          transpose.getPermutation()[dim]);
    if (isa<tensor::ReshapeOp, tensor::ExpandShapeOp, tensor::CollapseShapeOp>(
            def)) {
      std::optional<int64_t> source = reshapeSourceDim(def, dim);
      if (!source)
        return fail("a reshape that does not keep the model dim", def);
      return visitOperand(def, &def->getOpOperand(0), *source);
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
    if (isa_and_nonnull<LayerNormOp, RMSNormOp, CompressedRMSNormOp>(
            value.getDefiningOp()))
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
      std::optional<std::pair<OpOperand *, int64_t>> constant;
      if (!weight && d)
        constant = traceConstant(input, *d);
      if (!constant)
        return fail("a product whose model dim is not read from one constant "
                    "weight", op);
      std::tie(weight, weightDim) = *constant;
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

  /// The constant `operand` reads at dim `dim`, through transposes and
  /// reshapes that only it reads (an imported patch embedding reads its
  /// weight transposed): the operand of that constant and its dim.
  static std::optional<std::pair<OpOperand *, int64_t>>
  traceConstant(OpOperand *operand, int64_t dim) {
    while (!isF32Constant(operand->get())) {
      Operation *def = operand->get().getDefiningOp();
      if (!def || !operand->get().hasOneUse())
        return std::nullopt;
      if (auto transpose = dyn_cast<linalg::TransposeOp>(def)) {
        dim = transpose.getPermutation()[dim];
        operand = &transpose.getInputMutable();
        continue;
      }
      if (!isa<tensor::ReshapeOp, tensor::ExpandShapeOp,
               tensor::CollapseShapeOp>(def))
        return std::nullopt;
      std::optional<int64_t> source = reshapeSourceDim(def, dim);
      if (!source)
        return std::nullopt;
      dim = *source;
      operand = &def->getOpOperand(0);
    }
    return std::make_pair(operand, dim);
  }

  /// The source dim a reshape's result dim `dim` comes from, when the reshape
  /// (tensor.reshape, expand_shape or collapse_shape) provably keeps it:
  /// same size, and the dims before it hold as many elements in both
  /// (statically, or the same dynamic dims one for one).
  static std::optional<int64_t> reshapeSourceDim(Operation *reshape,
                                                 int64_t dim) {
    auto source = cast<RankedTensorType>(reshape->getOperand(0).getType());
    auto result = cast<RankedTensorType>(reshape->getResult(0).getType());
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
};

/// `values` (f32, row-major `shape`) minus their mean along `dim`.
SmallVector<float> subtractMean(ArrayRef<float> values,
                                ArrayRef<int64_t> shape, int64_t dim) {
  auto [outer, size, inner] = splitAround(shape, dim);
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

/// Whether `node` is a tree addition (else a leaf read by LayerNorms).
bool isTreeAddition(Value node) {
  auto add = node.getDefiningOp<linalg::GenericOp>();
  return isAddition(add) && add->getResult(0) == node;
}

/// Why the stream of `plan` cannot be kept in D - 1 dims, or "".
std::string whyNotCompressible(const StreamPlan &plan) {
  Block *block = nullptr;
  for (Value node : plan.nodes) {
    auto type = cast<RankedTensorType>(node.getType());
    int64_t last = type.getRank() - 1;
    if (type.getDimSize(last) < 2)
      return "the model dim has fewer than 2 entries";
    Operation *def = node.getDefiningOp();
    if (block && def->getBlock() != block)
      return "the stream spans several blocks";
    block = def->getBlock();
    for (OpOperand &use : node.getUses()) {
      if (auto dim = dyn_cast<tensor::DimOp>(use.getOwner())) {
        std::optional<int64_t> index = dim.getConstantIndex();
        if (!index || *index == last)
          return "the stream's model dim is queried";
        continue;
      }
      if (auto add = dyn_cast<linalg::GenericOp>(use.getOwner());
          add && !add.getMatchingIndexingMap(&use).isIdentity())
        return "the stream is read through a non-identity map";
    }
  }
  return "";
}

/// The ops compressStream creates (the slices, to move up into their
/// producers) and those it leaves dead (to erase before that).
struct Narrowing {
  SmallVector<Operation *> slices, replaced;
};

/// `value` without the last entry of dim `dim`, as an extract_slice, or a
/// concatenation of such slices when `value` is a concatenation along
/// another dim used only here. The sizes are read from
/// the destination `value` was written into, when there is one, so that the
/// slice stays the only use of `value` and can move into its producer.
Value dropLastEntry(OpBuilder &b, Location loc, Value value, int64_t dim,
                    Narrowing &narrowing) {
  auto type = cast<RankedTensorType>(value.getType());
  // The concatenation's other users may only ask for its other dims, which
  // the narrow one answers as well.
  auto otherDim = [&](Operation *user) {
    auto dimOp = dyn_cast<tensor::DimOp>(user);
    std::optional<int64_t> index = dimOp ? dimOp.getConstantIndex() : 0;
    return dimOp && index && *index != dim;
  };
  if (auto concat = value.getDefiningOp<tensor::ConcatOp>();
      concat && concat.getDim() != static_cast<uint64_t>(dim) &&
      llvm::count_if(value.getUsers(),
                     [&](Operation *u) { return !otherDim(u); }) == 1) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointAfter(concat); // before the users of its dims
    SmallVector<Value> inputs;
    for (Value input : concat.getInputs())
      inputs.push_back(dropLastEntry(b, loc, input, dim, narrowing));
    Value narrow = tensor::ConcatOp::create(b, loc, concat.getDim(), inputs);
    for (Operation *user : llvm::make_early_inc_range(value.getUsers()))
      if (otherDim(user))
        cast<tensor::DimOp>(user).getSourceMutable().set(narrow);
    narrowing.replaced.push_back(concat);
    return narrow;
  }
  Value sizesOf = value;
  while (auto dps = sizesOf.getDefiningOp<DestinationStyleOpInterface>()) {
    if (!dps.hasPureTensorSemantics())
      break;
    sizesOf = dps.getTiedOpOperand(cast<OpResult>(sizesOf))->get();
  }
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, sizesOf);
  sizes[dim] = b.getIndexAttr(type.getDimSize(dim) - 1);
  SmallVector<OpFoldResult> zeros(type.getRank(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> ones(type.getRank(), b.getIndexAttr(1));
  Value slice =
      tensor::ExtractSliceOp::create(b, loc, value, zeros, sizes, ones);
  narrowing.slices.push_back(slice.getDefiningOp());
  return slice;
}

/// extract_slice of an f32 constant (dense or dense_resource) with static
/// offsets, sizes and strides: the constant of the slice.
struct FoldSliceOfConstant : OpRewritePattern<tensor::ExtractSliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::ExtractSliceOp op,
                                PatternRewriter &rewriter) const override {
    Attribute attr;
    if (!matchPattern(op.getSource(), m_Constant(&attr)))
      return failure();
    ArrayRef<int64_t> offsets = op.getStaticOffsets(),
                      sizes = op.getStaticSizes(),
                      strides = op.getStaticStrides();
    auto sourceType = op.getSourceType();
    if (ShapedType::isDynamicShape(offsets) ||
        ShapedType::isDynamicShape(sizes) ||
        ShapedType::isDynamicShape(strides) || !sourceType.hasStaticShape())
      return failure();
    std::optional<SmallVector<float>> values = readF32Constant(attr);
    if (!values)
      return failure();
    int64_t rank = sourceType.getRank();
    SmallVector<int64_t> sourceStrides(rank, 1);
    for (int64_t d = rank - 2; d >= 0; --d)
      sourceStrides[d] = sourceStrides[d + 1] * sourceType.getDimSize(d + 1);
    int64_t count = 1;
    for (int64_t size : sizes)
      count *= size;
    SmallVector<float> sliced;
    sliced.reserve(count);
    SmallVector<int64_t> index(rank, 0);
    for (int64_t n = 0; n < count; ++n) {
      int64_t flat = 0;
      for (int64_t d = 0; d < rank; ++d)
        flat += (offsets[d] + index[d] * strides[d]) * sourceStrides[d];
      sliced.push_back((*values)[flat]);
      for (int64_t d = rank - 1; d >= 0 && ++index[d] == sizes[d]; --d)
        index[d] = 0;
    }
    Value constant = createF32Constant(
        rewriter, op.getLoc(),
        RankedTensorType::get(sizes, sourceType.getElementType()), sliced,
        attr, "compressed");
    rewriter.replaceOpWithNewOp<tensor::CastOp>(op, op.getType(), constant);
    return success();
  }
};

/// extract_slice(fill(v, init)) -> fill(v, extract_slice(init)), whatever
/// else uses the fill (upstream's version wants it to have one use; here the
/// other use is typically the full-width op the slice moved out of, which
/// is dead).
struct SwapSliceOfFill : OpRewritePattern<tensor::ExtractSliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::ExtractSliceOp op,
                                PatternRewriter &rewriter) const override {
    auto fill = op.getSource().getDefiningOp<linalg::FillOp>();
    if (!fill)
      return failure();
    Value init = tensor::ExtractSliceOp::create(
        rewriter, op.getLoc(), op.getType(), fill.getOutputs()[0],
        op.getMixedOffsets(), op.getMixedSizes(), op.getMixedStrides());
    rewriter.replaceOpWithNewOp<linalg::FillOp>(op, fill.getInputs(),
                                                ValueRange{init});
    return success();
  }
};

/// Keeps the (zero-mean) stream of `plan` in its first D - 1 entries: each
/// tree addition computes D - 1 entries, from its terms without their last
/// entry, and each LayerNorm becomes a compressed RMSNorm. The slices of the
/// terms then move up into the ops that write them (linear layers compute
/// D - 1 output features, constants are sliced at compile time) as far as
/// they go.
void compressStream(RewriterBase &rewriter, StreamPlan &plan) {
  SmallVector<Value> nodes(plan.nodes.begin(), plan.nodes.end());
  llvm::sort(nodes, [](Value a, Value b) {
    return a.getDefiningOp()->isBeforeInBlock(b.getDefiningOp());
  });
  Narrowing narrowing;
  llvm::DenseMap<Value, Value> compressed;
  for (Value node : nodes) {
    auto type = cast<RankedTensorType>(node.getType());
    int64_t last = type.getRank() - 1;
    SmallVector<int64_t> shape(type.getShape());
    shape[last] -= 1;
    auto newType = RankedTensorType::get(shape, type.getElementType());
    if (!isTreeAddition(node)) {
      rewriter.setInsertionPointAfterValue(node);
      compressed[node] =
          dropLastEntry(rewriter, node.getLoc(), node, last, narrowing);
      continue;
    }
    auto add = node.getDefiningOp<linalg::GenericOp>();
    rewriter.setInsertionPoint(add);
    Location loc = add.getLoc();
    for (OpOperand *input : add.getDpsInputOperands()) {
      Value narrow = compressed.lookup(input->get());
      if (!narrow) {
        int64_t dim = *operandDimOfLoop(add, input, add.getNumLoops() - 1);
        narrow = dropLastEntry(rewriter, loc, input->get(), dim, narrowing);
      }
      rewriter.modifyOpInPlace(add, [&] { input->set(narrow); });
    }
    OpOperand *init = add.getDpsInitOperand(0);
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(rewriter, loc, init->get());
    sizes[last] = rewriter.getIndexAttr(shape[last]);
    Value empty =
        tensor::EmptyOp::create(rewriter, loc, sizes, type.getElementType());
    rewriter.modifyOpInPlace(add, [&] {
      init->set(empty);
      node.setType(newType);
    });
    compressed[node] = node;
  }
  for (LayerNormOp norm : plan.norms) {
    rewriter.setInsertionPoint(norm);
    rewriter.replaceOpWithNewOp<CompressedRMSNormOp>(
        norm, norm.getType(), compressed.lookup(norm.getInput()),
        norm.getWeight(), norm.getBias(), norm.getEpsilonAttr());
  }

  MLIRContext *context = rewriter.getContext();
  RewritePatternSet patterns(context);
  linalg::populateBubbleUpExtractSliceOpPatterns(patterns);
  tensor::populateFoldTensorEmptyPatterns(patterns);
  tensor::ExtractSliceOp::getCanonicalizationPatterns(patterns, context);
  patterns.add<FoldSliceOfConstant, SwapSliceOfFill>(context);
  GreedyRewriteConfig config;
  config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
  for (Operation *op : narrowing.replaced)
    if (op->use_empty())
      rewriter.eraseOp(op);
  (void)applyOpPatternsGreedily(narrowing.slices, std::move(patterns), config);
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
      std::string notCompressed =
          compressed ? whyNotCompressible(plan) : "";
      if (remarks) {
        auto remark = norm.emitRemark();
        remark << "folded " << plan.norms.size()
               << " LayerNorms of this residual stream into "
               << (compressed && notCompressed.empty() ? "compressed " : "")
               << "RMSNorm (" << plan.edits.size()
               << " constants made zero-mean)";
        if (compressed && !notCompressed.empty())
          remark << "; the stream is not compressed: " << notCompressed;
      }
      if (compressed && notCompressed.empty()) {
        numFolded += plan.norms.size();
        compressStream(rewriter, plan);
        continue;
      }
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

//===- PruneTokens.cpp - --mixer-prune-tokens (Zero-TPrune, ToMe) ---------===//
//
// Encoders spend most of their work on tokens the later layers barely use.
// After a chosen attention op A (on [batch, heads, S, head_dim]):
//
//   %s    = mixer.token_importance %q, %k mask(%m)      Zero-TPrune's PageRank
//   %keep = mixer.top_tokens %s {count = K, protect}    [batch, K], in order
//   %o    = mixer.attention (gather %q), %k, %v ...     the K kept queries
//   ... every later op on K tokens ...
//
// 1. The region: the ops after A, in A's block, connected to A's result
//    through tensors with a token dim (of size S), in either direction (the
//    mask a mean pooling multiplies with is made after A, from the input
//    mask). How an op sees tokens is derived from one of its tensors whose
//    token dim is known: a generic through its indexing maps (the token
//    loop may be a reduction: a pooling), norms over later dims, transposes,
//    reshapes that keep the token dim whole, slices of all tokens or within
//    the protected prefix (a CLS pooling), and attention (queries, keys,
//    values and a per-key mask).
// 2. Boundaries: a region operand made at or before A (the residual stream,
//    the attention mask, an input) is gathered with %keep along its token
//    dim, once; a fresh init (tensor.empty, a fill of one) is rebuilt with K
//    tokens. Any other reader of a region tensor (the function's return,
//    an op that mixes tokens otherwise) makes the pass fail with an error
//    at that op: the model would see fewer tokens than it was written for.
// 3. Each region op is rebuilt with K at its token dims, in order.
//
// Token-wise ops commute with the gather, so every kept token's values are
// the unpruned model's up to A; after A, attention sees only kept keys and
// reductions over tokens sum only kept ones: that is the approximation.
//
// method=merge (ToMe) has the same region and boundaries, with:
//
//   %o            = mixer.attention %q, %k, %v ...   (all S rows)
//   %dst, %kept   = mixer.merge_plan %k {merge = S - K, protect}
//   %sizes'       = mixer.merge_tokens %sizes, %dst   (sizes add up)
//   boundary f32  = mixer.merge_tokens %x, %dst weights(%sizes) {normalize}
//   boundary ints = mixer.gather_tokens %x, %kept     (the kept token's value)
//
// later attention gets log(size) added to each key's scores (proportional
// attention) and sums over the tokens weight each token by its size. The
// sizes of the last merge live in the pass; a later merge replaces them
// (and rebuilds the ops that read them) rather than averaging them.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"

#include "mixer/Dialect/Mixer/IR/MixerDialect.h"
#include "mixer/Dialect/Mixer/IR/MixerOps.h"
#include "mixer/Dialect/Mixer/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace mlir;

namespace mixer {

#define GEN_PASS_DEF_PRUNETOKENS
#include "mixer/Dialect/Mixer/Transforms/Passes.h.inc"

namespace {

/// How an op of the region sees tokens.
struct OpTokens {
  /// Operand number -> token dim. Operands not listed have no token dim.
  llvm::SmallDenseMap<unsigned, int64_t> operands;
  /// Per result, its token dim, or none (a reduction over the tokens, a
  /// slice of the protected prefix).
  SmallVector<std::optional<int64_t>> results;
};

/// What one pruning needs to know about tensors.
struct Pruning {
  int64_t seq;     ///< tokens before
  int64_t count;   ///< tokens kept
  int64_t protect; ///< leading tokens always kept
};

std::string quotedName(Operation *op) {
  return "'" + op->getName().getStringRef().str() + "'";
}

bool hasTokenDim(Type type, int64_t dim, int64_t seq) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  return ranked && dim >= 1 && dim < ranked.getRank() &&
         ranked.getDimSize(dim) == seq;
}

/// A generic: the token loop is the one that indexes `known` at dim `p`.
FailureOr<OpTokens> genericTokens(linalg::GenericOp op, Value known, int64_t p,
                                  const Pruning &pruning, std::string &why) {
  std::optional<unsigned> loop;
  for (OpOperand &operand : op->getOpOperands())
    if (operand.get() == known) {
      auto expr = dyn_cast<AffineDimExpr>(
          op.getMatchingIndexingMap(&operand).getResult(p));
      if (expr)
        loop = expr.getPosition();
      break;
    }
  for (OpResult result : op->getResults())
    if (result == known) {
      auto expr = dyn_cast<AffineDimExpr>(
          op.getIndexingMapMatchingResult(result).getResult(p));
      if (expr)
        loop = expr.getPosition();
    }
  if (!loop) {
    why = "reads the tokens through an index expression";
    return failure();
  }
  OpTokens tokens;
  AffineExpr tokenExpr = getAffineDimExpr(*loop, op.getContext());
  for (OpOperand &operand : op->getOpOperands()) {
    std::optional<int64_t> at;
    for (auto [i, expr] :
         llvm::enumerate(op.getMatchingIndexingMap(&operand).getResults())) {
      if (expr == tokenExpr && !at) {
        at = i;
      } else if (expr.isFunctionOfDim(*loop)) {
        why = "reads the tokens through an index expression";
        return failure();
      }
    }
    if (!at)
      continue;
    if (!hasTokenDim(operand.get().getType(), *at, pruning.seq)) {
      why = "combines the tokens with a dim of another size";
      return failure();
    }
    tokens.operands[operand.getOperandNumber()] = *at;
  }
  for (OpOperand &init : op.getDpsInitsMutable()) {
    auto it = tokens.operands.find(init.getOperandNumber());
    tokens.results.push_back(it == tokens.operands.end()
                                 ? std::nullopt
                                 : std::optional<int64_t>(it->second));
  }
  bool readsIndex = false;
  op.getBody()->walk(
      [&](linalg::IndexOp index) { readsIndex |= index.getDim() == *loop; });
  if (readsIndex) {
    why = "depends on token positions (linalg.index)";
    return failure();
  }
  return tokens;
}

/// Where the token dim `p` of a reshape's source is in its result, or the
/// reverse (`forward` false): the dim with the same number of elements
/// before it and the same size. Dim 0 (the batch) may be dynamic in both.
std::optional<int64_t> reshapedDim(RankedTensorType from, RankedTensorType to,
                                   int64_t p) {
  if (from.getRank() == 0 || to.getRank() == 0 ||
      !llvm::all_of(from.getShape().drop_front(), ShapedType::isStatic) ||
      !llvm::all_of(to.getShape().drop_front(), ShapedType::isStatic) ||
      ShapedType::isDynamic(from.getDimSize(0)) !=
          ShapedType::isDynamic(to.getDimSize(0)))
    return std::nullopt;
  auto before = [](RankedTensorType t, int64_t d) {
    int64_t n = 1;
    for (int64_t i = 1; i < d; ++i)
      n *= t.getDimSize(i);
    return n;
  };
  bool staticBatch = ShapedType::isStatic(from.getDimSize(0));
  for (int64_t q = 1; q < to.getRank(); ++q)
    if (to.getDimSize(q) == from.getDimSize(p) &&
        before(to, q) * (staticBatch ? to.getDimSize(0) : 1) ==
            before(from, p) * (staticBatch ? from.getDimSize(0) : 1) &&
        (staticBatch || to.getDimSize(0) == from.getDimSize(0)))
      return q;
  return std::nullopt;
}

/// How `op` sees tokens, given that `known` (an operand or result of `op`)
/// has its token dim at `p`.
FailureOr<OpTokens> tokensOf(Operation *op, Value known, int64_t p,
                             const Pruning &pruning, std::string &why) {
  auto isResult = [&](Value v) {
    return llvm::is_contained(op->getResults(), v);
  };
  if (auto generic = dyn_cast<linalg::GenericOp>(op))
    return genericTokens(generic, known, p, pruning, why);
  if (std::optional<int64_t> axis = getNormalizedAxis(op)) {
    if ((known != op->getOperand(0) && !isResult(known)) || p >= *axis) {
      why = "normalizes over the tokens";
      return failure();
    }
    OpTokens tokens;
    tokens.operands[0] = p;
    tokens.results = {p};
    return tokens;
  }
  if (auto transpose = dyn_cast<linalg::TransposeOp>(op)) {
    ArrayRef<int64_t> perm = transpose.getPermutation();
    int64_t in = p, out = p;
    if (known == transpose.getInput())
      out = llvm::find(perm, p) - perm.begin();
    else
      in = perm[p];
    OpTokens tokens;
    tokens.operands[0] = in;
    tokens.operands[1] = out;
    tokens.results = {out};
    return tokens;
  }
  if (isa<tensor::ReshapeOp, tensor::ExpandShapeOp, tensor::CollapseShapeOp>(
          op)) {
    auto src = cast<RankedTensorType>(op->getOperand(0).getType());
    auto dst = cast<RankedTensorType>(op->getResult(0).getType());
    bool fromSource = known == op->getOperand(0);
    std::optional<int64_t> other =
        fromSource ? reshapedDim(src, dst, p) : reshapedDim(dst, src, p);
    if (!other) {
      why = "reshapes the token dim together with others";
      return failure();
    }
    OpTokens tokens;
    tokens.operands[0] = fromSource ? p : *other;
    tokens.results = {fromSource ? *other : p};
    return tokens;
  }
  if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op)) {
    if (known != slice.getSource() || !slice.hasUnitStride()) {
      why = "slices the tokens";
      return failure();
    }
    std::optional<int64_t> offset =
        getConstantIntValue(slice.getMixedOffsets()[p]);
    std::optional<int64_t> size = getConstantIntValue(slice.getMixedSizes()[p]);
    OpTokens tokens;
    tokens.operands[0] = p;
    if (offset == 0 && size == pruning.seq) {
      llvm::SmallBitVector dropped = slice.getDroppedDims();
      int64_t at = p;
      for (int64_t d = 0; d < p; ++d)
        at -= dropped.test(d);
      tokens.results = {at};
      return tokens;
    }
    if (offset && size && *offset + *size <= pruning.protect) {
      tokens.results = {std::nullopt}; // the protected tokens stay in place
      return tokens;
    }
    why = "slices tokens beyond the protected prefix (protect=" +
          std::to_string(pruning.protect) + ")";
    return failure();
  }
  if (auto attention = dyn_cast<AttentionOp>(op)) {
    if (attention.getSeqLens() || attention.getOffsets() ||
        attention.getCausal()) {
      why = "is causal or variable-length attention";
      return failure();
    }
    OpTokens tokens;
    for (unsigned i = 0; i < 3; ++i)
      tokens.operands[i] = 2;
    tokens.results = {2};
    if (Value mask = attention.getMask()) {
      auto maskTy = cast<RankedTensorType>(mask.getType());
      int64_t rank = maskTy.getRank();
      if (maskTy.getDimSize(rank - 2) != 1) {
        why = "has a mask per query";
        return failure();
      }
      if (maskTy.getDimSize(rank - 1) == pruning.seq)
        tokens.operands[3] = rank - 1;
    }
    for (auto [number, dim] : tokens.operands)
      if (!hasTokenDim(op->getOperand(number).getType(), dim, pruning.seq)) {
        why = "is not self-attention over the tokens";
        return failure();
      }
    return tokens;
  }
  why = "is not known to treat tokens independently";
  return failure();
}

RankedTensorType withDim(Type type, int64_t dim, int64_t size) {
  auto ranked = cast<RankedTensorType>(type);
  SmallVector<int64_t> shape(ranked.getShape());
  shape[dim] = size;
  return ranked.clone(shape);
}

/// The region of one pruning at `attention`.
struct Region {
  llvm::SetVector<Operation *> ops;
  DenseMap<Operation *, OpTokens> tokens;
  DenseMap<Value, int64_t> dims; ///< token dim of each tensor seen
};

/// Grows the region from the attention's result; on failure, `blocker` and
/// `why` say where and why.
LogicalResult growRegion(AttentionOp attention, const Pruning &pruning,
                         Region &region, Operation *&blocker,
                         std::string &why) {
  Block *block = attention->getBlock();
  struct Fact {
    Operation *op;
    Value value;
    int64_t dim;
  };
  SmallVector<Fact> worklist;
  auto pushUsers = [&](Value v, int64_t dim) {
    for (Operation *user : v.getUsers())
      worklist.push_back({user, v, dim});
  };
  region.dims[attention.getResult()] = 2;
  pushUsers(attention.getResult(), 2);
  while (!worklist.empty()) {
    Fact fact = worklist.pop_back_val();
    Operation *op = block->findAncestorOpInBlock(*fact.op);
    // Ops up to the attention read a tensor made before it with all of its
    // tokens: not part of the region.
    if (op && !attention->isBeforeInBlock(op))
      continue;
    if (op != fact.op || !op) {
      blocker = op ? op : fact.op;
      why = "reads a tensor with a token dim inside its body";
      return failure();
    }
    if (isa<func::ReturnOp>(op)) {
      blocker = fact.value.getDefiningOp();
      why = "is a model output with a token dim (every token's values): "
            "pruning is for models whose outputs are pooled or read at "
            "protected positions";
      return failure();
    }
    if (region.ops.contains(op)) {
      const OpTokens &tokens = region.tokens[op];
      bool consistent = llvm::all_of(op->getOpOperands(), [&](OpOperand &o) {
        if (o.get() != fact.value)
          return true;
        auto it = tokens.operands.find(o.getOperandNumber());
        return it != tokens.operands.end() && it->second == fact.dim;
      });
      if (!consistent) {
        blocker = op;
        why = "reads the tokens of a tensor in another dim";
        return failure();
      }
      continue;
    }
    FailureOr<OpTokens> tokens =
        tokensOf(op, fact.value, fact.dim, pruning, why);
    if (failed(tokens)) {
      blocker = op;
      return failure();
    }
    region.ops.insert(op);
    region.tokens[op] = *tokens;
    for (auto [number, dim] : tokens->operands) {
      Value v = op->getOperand(number);
      auto [it, inserted] = region.dims.try_emplace(v, dim);
      if (!inserted && it->second != dim) {
        blocker = op;
        why = "reads the tokens of a tensor in another dim";
        return failure();
      }
      if (v == fact.value || isFreshInit(op, number))
        continue;
      // Made after the attention: part of the region too (backward).
      Operation *def = v.getDefiningOp();
      if (def && def->getBlock() == block && attention->isBeforeInBlock(def))
        worklist.push_back({def, v, dim});
      if (inserted)
        pushUsers(v, dim);
    }
    for (auto [result, dim] : llvm::zip(op->getResults(), tokens->results))
      if (dim) {
        region.dims[result] = *dim;
        pushUsers(result, *dim);
      }
  }
  return success();
}

/// Multiply-add FLOPs of the function (contractions, attention, and what
/// pruning and merging add), every dynamic dim counted as 1: what pruning
/// divides.
double countFlops(func::FuncOp func) {
  auto size = [](int64_t d) {
    return ShapedType::isDynamic(d) ? 1.0 : static_cast<double>(d);
  };
  auto elements = [&](Type type) {
    double n = 1;
    for (int64_t d : cast<RankedTensorType>(type).getShape())
      n *= size(d);
    return n;
  };
  double flops = 0;
  func.walk([&](Operation *op) {
    if (auto generic = dyn_cast<linalg::GenericOp>(op)) {
      if (generic.getNumReductionLoops() == 0)
        return;
      double n = 2;
      for (int64_t range : generic.getStaticLoopRanges())
        n *= size(range);
      flops += n;
    } else if (auto attention = dyn_cast<AttentionOp>(op)) {
      RankedTensorType out = attention.getType();
      flops += 2 * size(out.getDimSize(0)) * size(out.getDimSize(1)) *
               size(out.getDimSize(2)) *
               size(attention.getKey().getType().getDimSize(2)) *
               (size(attention.getQuery().getType().getDimSize(3)) +
                size(out.getDimSize(3)));
    } else if (auto importance = dyn_cast<TokenImportanceOp>(op)) {
      RankedTensorType q = importance.getQuery().getType();
      double heads =
          std::max(size(q.getDimSize(1)),
                   size(importance.getKey().getType().getDimSize(1)));
      double pairs = size(q.getDimSize(0)) * size(q.getDimSize(2)) *
                     size(importance.getKey().getType().getDimSize(2));
      flops += pairs * (2 * heads * size(q.getDimSize(3)) +
                        2 * importance.getIterationsAttr().getInt());
    } else if (auto plan = dyn_cast<MergePlanOp>(op)) {
      // The all-pairs similarity of the metric.
      RankedTensorType k = plan.getKey().getType();
      flops += 2 * size(k.getDimSize(0)) * size(k.getDimSize(2)) *
               size(k.getDimSize(2)) * size(k.getDimSize(3));
    } else if (auto merge = dyn_cast<MergeTokensOp>(op)) {
      // A product by the [batch, slots, seq] weight matrix.
      flops += 2 * elements(merge.getResult().getType()) *
               size(merge.getInput().getType().getDimSize(
                   merge.getDimAttr().getInt()));
    }
  });
  return flops;
}

/// The mask of a later attention after a merge: `mask` (absent, or
/// [batch | 1, 1, 1, keys] of i1 or float) with log(size) added per key
/// (ToMe's proportional attention), as [batch, 1, 1, keys] floats.
FailureOr<Value> withLogSizes(OpBuilder &b, Location loc, Value mask,
                              Value sizes, RankedTensorType query) {
  MLIRContext *ctx = b.getContext();
  auto sizesTy = cast<RankedTensorType>(sizes.getType());
  int64_t batch = sizesTy.getDimSize(0), keys = sizesTy.getDimSize(1);
  Type element = query.getElementType();
  auto outTy = RankedTensorType::get({batch, 1, 1, keys}, element);
  AffineExpr d0, d3, zero = getAffineConstantExpr(0, ctx);
  d0 = getAffineDimExpr(0, ctx);
  d3 = getAffineDimExpr(3, ctx);
  SmallVector<Value> ins{sizes};
  SmallVector<AffineMap> maps{AffineMap::get(4, 0, {d0, d3}, ctx)};
  if (mask) {
    auto maskTy = cast<RankedTensorType>(mask.getType());
    if (maskTy.getRank() != 4 || maskTy.getDimSize(1) != 1 ||
        maskTy.getDimSize(2) != 1 || maskTy.getDimSize(3) != keys ||
        (maskTy.getDimSize(0) != 1 && maskTy.getDimSize(0) != batch))
      return failure();
    ins.push_back(mask);
    maps.push_back(AffineMap::get(
        4, 0, {maskTy.getDimSize(0) == 1 ? zero : d0, zero, zero, d3}, ctx));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(4, ctx));
  Value init = tensor::EmptyOp::create(b, loc, outTy.getShape(), element);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{outTy}, ins, ValueRange{init}, maps,
      SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value log = math::LogOp::create(nb, l, args[0]);
        Value out = log;
        if (mask && args[1].getType().isInteger(1)) {
          Value negInf = arith::ConstantOp::create(
              nb, l, nb.getFloatAttr(element, -INFINITY));
          out = arith::SelectOp::create(nb, l, args[1], log, negInf);
        } else if (mask) {
          out = arith::AddFOp::create(nb, l, args[1], log);
        }
        linalg::YieldOp::create(nb, l, out);
      });
  return generic.getResult(0);
}

/// `op`, a reduction over the tokens that sums (its body yields
/// `addf(out, e)`), rebuilt on `operands` with e weighted by the token's
/// size: sum_j size_j * e_j.
FailureOr<Operation *> weightedSum(OpBuilder &b, linalg::GenericOp op,
                                   ArrayRef<Value> operands,
                                   const OpTokens &tokens, Value sizes) {
  Block *body = op.getBody();
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  if (op.getNumDpsInits() != 1 || yield.getNumOperands() != 1)
    return failure();
  auto sum = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  BlockArgument out = body->getArgument(op.getNumDpsInputs());
  if (!sum || (sum.getLhs() != out && sum.getRhs() != out))
    return failure();
  Value term = sum.getLhs() == out ? sum.getRhs() : sum.getLhs();
  if (term.getType() != getElementTypeOrSelf(sizes.getType()))
    return failure();
  // The batch and token loops, from a token operand's map.
  auto [number, dim] = *tokens.operands.begin();
  AffineMap map = op.getMatchingIndexingMap(&op->getOpOperand(number));
  AffineExpr batchLoop = map.getResult(0), tokenLoop = map.getResult(dim);
  SmallVector<Value> ins(operands.begin(),
                         operands.begin() + op.getNumDpsInputs());
  ins.push_back(sizes);
  SmallVector<AffineMap> maps(op.getIndexingMapsArray());
  maps.insert(maps.begin() + op.getNumDpsInputs(),
              AffineMap::get(op.getNumLoops(), 0, {batchLoop, tokenLoop},
                             op.getContext()));
  auto weighted = linalg::GenericOp::create(
      b, op.getLoc(), op->getResultTypes(), ins,
      operands.drop_front(op.getNumDpsInputs()), maps,
      op.getIteratorTypesArray(),
      [&](OpBuilder &nb, Location l, ValueRange args) {
        IRMapping inner;
        unsigned numIns = op.getNumDpsInputs();
        for (unsigned i = 0; i < numIns; ++i)
          inner.map(body->getArgument(i), args[i]);
        inner.map(out, args[numIns + 1]);
        for (Operation &bodyOp : body->without_terminator())
          nb.clone(bodyOp, inner);
        Value scaled = arith::MulFOp::create(
            nb, l, inner.lookupOrDefault(term), args[numIns]);
        linalg::YieldOp::create(
            nb, l,
            arith::AddFOp::create(nb, l, args[numIns + 1], scaled).getResult());
      });
  return weighted.getOperation();
}

struct PruneTokensPass : impl::PruneTokensBase<PruneTokensPass> {
  using Base::Base;

  void runOnOperation() override;
  /// Prunes (or merges) after `attention`; false (an error emitted) when it
  /// cannot.
  bool prune(AttentionOp attention, int64_t layer, double keepRatio,
             std::string &trace);

  /// method=merge: the token sizes after the last merge of the function
  /// (null before the first), and the ops built to use them: attention with
  /// log(size) in its mask, sums over the tokens weighted by size. A later
  /// merge rebuilds them with its own sizes instead of adding more.
  Value sizes;
  DenseSet<Operation *> proportional, weighted;
};

bool PruneTokensPass::prune(AttentionOp attention, int64_t layer,
                            double keepRatio, std::string &trace) {
  auto fail = [&](Operation *at, const Twine &why) {
    at->emitError() << "mixer-prune-tokens: cannot prune after attention #"
                    << layer << ": " << why;
    return false;
  };
  RankedTensorType qTy = attention.getQuery().getType();
  int64_t seq = qTy.getDimSize(2);
  if (attention.getSeqLens() || attention.getOffsets() || attention.getCausal())
    return fail(attention, "it is causal or variable-length attention "
                           "(pruning is for encoders)");
  if (ShapedType::isDynamic(seq) ||
      attention.getKey().getType().getDimSize(2) != seq)
    return fail(attention, "the query and key lengths must be static and "
                           "equal (self-attention; use --input-shape)");
  int64_t count =
      protect + static_cast<int64_t>(std::llround(
                    keepRatio * static_cast<double>(seq - protect)));
  count = std::clamp<int64_t>(count, std::max<int64_t>(protect, 1), seq);
  if (protect > seq)
    return fail(attention, "protect=" + Twine(protect) + " exceeds the " +
                               Twine(seq) + " tokens");
  bool merging = method == "merge";
  if (merging) {
    // ToMe merges up to one token of A (even, unprotected) per token of B.
    int64_t setA = 0, setB = 0;
    for (int64_t i = protect; i < seq; ++i)
      ++(i % 2 ? setB : setA);
    int64_t merge = setB ? std::min(seq - count, setA) : 0;
    count = seq - merge;
  }
  if (count == seq) {
    if (remarks)
      attention.emitRemark() << "mixer-prune-tokens: after attention #"
                             << layer << ", nothing to " << method
                             << " (keep ratio " << keepRatio << ")";
    trace += " -> " + std::to_string(count);
    return true;
  }
  Pruning pruning{seq, count, protect};
  if (Value mask = attention.getMask()) {
    auto maskTy = cast<RankedTensorType>(mask.getType());
    if (maskTy.getDimSize(maskTy.getRank() - 2) != 1)
      return fail(attention, "its mask is per query (only per-key masks, "
                             "such as a padding mask, are pruned with the "
                             "keys)");
  }

  Region region;
  Operation *blocker = nullptr;
  std::string why;
  if (failed(growRegion(attention, pruning, region, blocker, why)))
    return fail(blocker, quotedName(blocker) + " " + why);

  // Pruning: the importance and the kept tokens, right before the
  // attention. Merging: the plan and the sizes, right after it (the
  // attention's output is merged like every tensor made before).
  OpBuilder b(attention);
  Location loc = attention.getLoc();
  int64_t batch = qTy.getDimSize(0);
  Type element = qTy.getElementType();
  auto keptTy = RankedTensorType::get({batch, count}, b.getI64Type());
  Value keep, dst, sizesIn, sizesOut;
  if (!merging) {
    Value scores = TokenImportanceOp::create(
        b, loc, RankedTensorType::get({batch, seq}, element),
        attention.getQuery(), attention.getKey(), attention.getMask(),
        attention.getScaleAttr(), b.getI64IntegerAttr(iterations));
    keep = TopTokensOp::create(b, loc, keptTy, scores,
                               b.getI64IntegerAttr(count),
                               b.getI64IntegerAttr(protect));
  } else {
    b.setInsertionPointAfter(attention);
    auto plan = MergePlanOp::create(
        b, loc, RankedTensorType::get({batch, seq}, b.getI64Type()), keptTy,
        attention.getKey(), b.getI64IntegerAttr(seq - count),
        b.getI64IntegerAttr(protect));
    dst = plan.getDst();
    keep = plan.getKept();
    sizesIn = sizes;
    if (!sizesIn) {
      auto sizesTy = RankedTensorType::get({batch, seq}, element);
      if (ShapedType::isDynamic(batch))
        return fail(attention, "method=merge needs a static batch size "
                               "(use --input-shape)");
      sizesIn = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(sizesTy, b.getFloatAttr(element, 1.0)));
    }
    sizesOut = MergeTokensOp::create(
        b, loc, RankedTensorType::get({batch, count}, element), sizesIn, dst,
        /*weights=*/Value(), b.getI64IntegerAttr(1), /*normalize=*/UnitAttr());
  }

  IRMapping mapped;
  unsigned numGathered = 0;
  // Tensors made before the attention are gathered right after %keep (in
  // the order they are needed), so that a later pruning finds none of these
  // gathers among its ops.
  Operation *lastGather = merging ? sizesOut.getDefiningOp() : keep.getDefiningOp();
  auto gathered = [&](Value v, int64_t dim) -> Value {
    if (Value done = mapped.lookupOrNull(v))
      return done;
    if (merging && v == sizesIn)
      return sizesOut; // the sizes of the previous merge: now these
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointAfter(lastGather);
    Type type = withDim(v.getType(), dim, count);
    // Merging averages floats with the token sizes as weights; integer
    // tensors (an input mask before its cast) keep the kept tokens' values.
    Value result =
        merging && isa<FloatType>(getElementTypeOrSelf(v.getType()))
            ? MergeTokensOp::create(b, v.getLoc(), type, v, dst, sizesIn,
                                    b.getI64IntegerAttr(dim),
                                    /*normalize=*/b.getUnitAttr())
                  .getResult()
            : GatherTokensOp::create(b, v.getLoc(), type, v, keep,
                                     b.getI64IntegerAttr(dim))
                  .getResult();
    lastGather = result.getDefiningOp();
    mapped.map(v, result);
    ++numGathered;
    return result;
  };
  auto rebuiltInit = [&](Value v, int64_t dim) -> Value {
    Operation *def = v.getDefiningOp();
    auto empty = dyn_cast<tensor::EmptyOp>(def);
    auto fill = dyn_cast<linalg::FillOp>(def);
    if (fill)
      empty = fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>();
    SmallVector<OpFoldResult> sizes = empty.getMixedSizes();
    sizes[dim] = b.getIndexAttr(count);
    Value fresh = tensor::EmptyOp::create(b, def->getLoc(), sizes,
                                          empty.getType().getElementType());
    if (fill)
      fresh =
          linalg::FillOp::create(b, def->getLoc(), fill.getInputs()[0], fresh)
              .getResult(0);
    return fresh;
  };

  Operation *pruned = attention;
  if (!merging) {
    Value query = gathered(attention.getQuery(), 2);
    pruned = AttentionOp::create(
        b, loc, withDim(attention.getType(), 2, count), query,
        attention.getKey(), attention.getValue(), attention.getMask(),
        /*seq_lens=*/Value(), /*offsets=*/Value(), attention.getScaleAttr(),
        /*causal=*/false);
    mapped.map(attention.getResult(), pruned->getResult(0));
  } else {
    gathered(attention.getResult(), 2);
  }

  SmallVector<Operation *> ordered(region.ops.begin(), region.ops.end());
  llvm::sort(ordered,
             [](Operation *x, Operation *y) { return x->isBeforeInBlock(y); });
  for (Operation *op : ordered) {
    b.setInsertionPoint(op);
    const OpTokens &tokens = region.tokens[op];
    SmallVector<Value> operands(op->getOperands());
    for (auto [number, dim] : tokens.operands) {
      Value v = op->getOperand(number);
      if (Value done = mapped.lookupOrNull(v))
        operands[number] = done;
      else if (isFreshInit(op, number))
        operands[number] = rebuiltInit(v, dim);
      else
        operands[number] = gathered(v, dim);
    }
    Operation *clone;
    Location opLoc = op->getLoc();
    auto resultType = [&](unsigned i) -> Type {
      Type type = op->getResult(i).getType();
      return tokens.results[i] ? withDim(type, *tokens.results[i], count)
                               : type;
    };
    if (auto reshape = dyn_cast<tensor::ReshapeOp>(op)) {
      auto type = cast<RankedTensorType>(resultType(0));
      if (!type.hasStaticShape()) {
        fail(op, "a reshape to a dynamic shape");
        return false;
      }
      Type shapeElement = getElementTypeOrSelf(reshape.getShape().getType());
      SmallVector<Attribute> dims;
      for (int64_t d : type.getShape())
        dims.push_back(shapeElement.isIndex()
                           ? b.getIndexAttr(d)
                           : b.getIntegerAttr(shapeElement, d));
      auto shapeTy = RankedTensorType::get({type.getRank()}, shapeElement);
      Value shape = arith::ConstantOp::create(
          b, opLoc, DenseElementsAttr::get(shapeTy, dims));
      clone = tensor::ReshapeOp::create(b, opLoc, type, operands[0], shape);
    } else if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op)) {
      SmallVector<OpFoldResult> shape = expand.getMixedOutputShape();
      shape[*tokens.results[0]] = b.getIndexAttr(count);
      clone = tensor::ExpandShapeOp::create(
          b, opLoc, cast<RankedTensorType>(resultType(0)), operands[0],
          expand.getReassociationIndices(), shape);
    } else if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(op)) {
      clone = tensor::CollapseShapeOp::create(
          b, opLoc, cast<RankedTensorType>(resultType(0)), operands[0],
          collapse.getReassociationIndices());
    } else if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op)) {
      SmallVector<OpFoldResult> sizes = slice.getMixedSizes();
      int64_t p = tokens.operands.lookup(0);
      if (tokens.results[0])
        sizes[p] = b.getIndexAttr(count);
      clone = tensor::ExtractSliceOp::create(
          b, opLoc, cast<RankedTensorType>(resultType(0)), operands[0],
          slice.getMixedOffsets(), sizes, slice.getMixedStrides());
    } else if (merging && isa<AttentionOp>(op) && !proportional.contains(op)) {
      // Proportional attention: log(size) added to each key's scores.
      FailureOr<Value> mask =
          withLogSizes(b, opLoc, operands.size() > 3 ? operands[3] : Value(),
                       sizesOut, cast<AttentionOp>(op).getQuery().getType());
      if (failed(mask))
        return fail(op, "its mask is not [batch, 1, 1, keys] (merging adds "
                        "log(size) to each key's scores)");
      auto old = cast<AttentionOp>(op);
      clone = AttentionOp::create(b, opLoc, resultType(0), operands[0],
                                  operands[1], operands[2], *mask, Value(),
                                  Value(), old.getScaleAttr(), false);
      proportional.insert(clone);
    } else if (merging && isa<linalg::GenericOp>(op) && !tokens.results[0] &&
               !weighted.contains(op)) {
      // A sum over the tokens weights each by its size.
      FailureOr<Operation *> sum = weightedSum(
          b, cast<linalg::GenericOp>(op), operands, tokens, sizesOut);
      if (failed(sum))
        return fail(op, "it reduces over the tokens with something other "
                        "than a sum (merged tokens carry sizes)");
      clone = *sum;
      weighted.insert(clone);
    } else {
      // Generics, norms, transposes, attention: the same op, fewer tokens.
      clone = b.clone(*op);
      if (proportional.contains(op))
        proportional.insert(clone);
      if (weighted.contains(op))
        weighted.insert(clone);
      clone->setOperands(operands);
      for (unsigned i = 0; i < op->getNumResults(); ++i)
        clone->getResult(i).setType(resultType(i));
    }
    for (auto [from, to] : llvm::zip(op->getResults(), clone->getResults()))
      mapped.map(from, to);
  }

  // Results without a token dim (poolings) are read outside the region.
  for (Operation *op : ordered)
    for (auto [result, dim] :
         llvm::zip(op->getResults(), region.tokens[op].results))
      if (!dim)
        result.replaceAllUsesWith(mapped.lookup(result));
  for (Operation *op : llvm::reverse(ordered)) {
    proportional.erase(op);
    weighted.erase(op);
    op->erase();
  }
  if (!merging)
    attention->erase();
  else
    sizes = sizesOut;

  ++numPruned;
  trace += " -> " + std::to_string(count);
  if (remarks && !merging)
    pruned->emitRemark() << "mixer-prune-tokens: after attention #" << layer
                         << ", " << seq << " -> " << count << " tokens ("
                         << static_cast<int64_t>(protect)
                         << " protected, keeping "
                         << std::lround(keepRatio * 100) << "% of the others, "
                         << static_cast<int64_t>(iterations)
                         << " PageRank iterations); " << ordered.size()
                         << " later op(s) on the kept "
                         << "tokens, " << numGathered << " tensor(s) gathered";
  else if (remarks)
    pruned->emitRemark() << "mixer-prune-tokens: after attention #" << layer
                         << ", " << seq << " -> " << count << " tokens ("
                         << seq - count << " merged into their most similar "
                         << "token, " << static_cast<int64_t>(protect)
                         << " protected); " << ordered.size()
                         << " later op(s) on the merged tokens, "
                         << numGathered << " tensor(s) merged";
  return true;
}

void PruneTokensPass::runOnOperation() {
  Operation *root = getOperation();
  auto optionError = [&](const Twine &message) {
    root->emitError() << "mixer-prune-tokens: " << message;
    signalPassFailure();
  };
  if (method != "importance" && method != "merge")
    return optionError("unknown method='" + method +
                       "' (expected importance or merge)");
  if (layers.empty())
    return optionError("layers= is required: the attention ops (counted "
                       "from 0) after which tokens are pruned");
  if (keep.empty() || (keep.size() != 1 && keep.size() != layers.size()))
    return optionError("keep= needs one ratio, or one per layer (" +
                       Twine(layers.size()) + ")");
  for (double ratio : keep)
    if (!(ratio > 0 && ratio <= 1))
      return optionError("keep ratios must be in (0, 1], got " +
                         llvm::formatv("{0}", ratio));
  for (size_t i = 0; i < layers.size(); ++i)
    if (layers[i] < 0 || (i && layers[i] <= layers[i - 1]))
      return optionError("layers must be increasing attention indices >= 0");
  if (protect < 0 || iterations < 1)
    return optionError("protect must be >= 0 and iterations >= 1");

  SmallVector<std::string> infos;
  WalkResult walk = root->walk([&](func::FuncOp func) {
    double before = countFlops(func);
    std::string trace;
    sizes = Value();
    proportional.clear();
    weighted.clear();
    for (auto [i, layer] : llvm::enumerate(layers)) {
      // The attention ops are found again after each pruning: the later
      // ones have been rebuilt with fewer tokens.
      SmallVector<AttentionOp> attentions;
      func.walk([&](AttentionOp op) { attentions.push_back(op); });
      if (layer >= static_cast<int64_t>(attentions.size())) {
        func.emitError() << "mixer-prune-tokens: layers=" << layer
                         << " is past the last attention op (the function "
                            "has "
                         << attentions.size() << ")";
        return WalkResult::interrupt();
      }
      AttentionOp attention = attentions[layer];
      if (trace.empty())
        trace = std::to_string(attention.getQuery().getType().getDimSize(2));
      double ratio = keep.size() == 1 ? keep[0] : keep[i];
      if (!prune(attention, layer, ratio, trace))
        return WalkResult::interrupt();
    }
    std::string layerList;
    for (int64_t layer : layers)
      layerList += (layerList.empty() ? "" : ",") + std::to_string(layer);
    infos.push_back(
        "prune_tokens=" + trace + " (after attention " + layerList +
        ")\nprune_flops=" + std::to_string(static_cast<int64_t>(before)) + " " +
        std::to_string(static_cast<int64_t>(countFlops(func))) + "\n");
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return signalPassFailure();
  auto module = dyn_cast<ModuleOp>(root);
  if (!module)
    module = root->getParentOfType<ModuleOp>();
  if (!module || infos.empty())
    return;
  std::string info;
  if (auto previous = module->getAttrOfType<StringAttr>(kReportInfoAttrName))
    info = previous.str();
  for (const std::string &line : infos)
    info += line;
  module->setAttr(kReportInfoAttrName,
                  StringAttr::get(module.getContext(), info));
}

} // namespace
} // namespace mixer

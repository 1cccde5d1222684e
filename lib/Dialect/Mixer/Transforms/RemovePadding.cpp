//===- RemovePadding.cpp - --mixer-remove-padding (ByteTransformer) -------===//
//
// A padded batch [B, S] spends the work of its padding tokens in every
// layer. This pass runs the transformer on the valid tokens only:
//
//   %offsets, %tokens = mixer.padding_plan %mask        (once per model)
//   %x' = mixer.pack_tokens %x, %tokens                 [B, S, ...] -> [1, T, ...]
//   ... every token-wise op on [1, T, ...] ...
//   attention over the packed sequences (offsets)
//   %y = mixer.unpack_tokens %y', %tokens, %mask        (zeros at the padding)
//
// 1. The padding mask. Every mixer.attention whose mask is a padding mask
//    is a candidate: the mask is [B, 1, 1, S] and computed elementwise
//    (through unit-dim reshapes) from one [B, S] value, the mask root, such
//    that a root entry of 1 makes the score unchanged (additive 0, or true)
//    and an entry of 0 removes the key (additive <= -1e4, which underflows
//    exp to exactly 0 next to any score within ~9900 of the row maximum, or
//    -inf, or false). The chain is evaluated at 0 and 1 with the ops' own
//    folders, so any arithmetic the exporter wrote ((1 - m) * -10000,
//    where(m, 0, -inf), casts) is understood. Entries must be 0 or 1.
//
// 2. The token-wise region: the ops connected to those attention ops
//    through tensors whose dim 0 is the batch and some later dim p is the
//    sequence (the "token dims"), where each op treats tokens independently:
//    elementwise and contraction generics whose token dims are parallel
//    loops that index only token operands (weights, biases and scalars do
//    not depend on the token), norms over dims after p, transposes that
//    keep the batch first, reshapes and slices of the dims after the
//    sequence (p = 1), and the attention ops themselves.
//
// 3. Boundaries. A region operand made outside the region is packed (it
//    must be [B, S, ...]); a region result read by the function's return or
//    a slice (a CLS pooling) is unpacked. So is one that is 0 at every
//    padding token of the padded model too (the mask times the hidden
//    states, as a masked mean pooling sums over the tokens): the values at
//    the padding follow from the mask root's 0 by the ops' folders. A region
//    result read by anything else (an unmasked pooling, a shape query)
//    would see zeros where the padded model sees its padding tokens'
//    values, so the pass refuses the model, with a remark at that op.
//
// Each op of the region is cloned with packed types (dim 0 -> 1, dim p ->
// the dynamic token count); the attention gets the offsets instead of its
// mask. At valid positions the result equals the padded model's (the same
// arithmetic on the same values; the excluded keys contributed exactly 0);
// at padded positions it is zero, where the padded model computed values
// for tokens that do not exist.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"

#include "mixer/Dialect/Mixer/IR/MixerDialect.h"
#include "mixer/Dialect/Mixer/IR/MixerOps.h"
#include "mixer/Dialect/Mixer/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/Format.h"

#include <cmath>
#include <functional>

using namespace mlir;

namespace mixer {

#define GEN_PASS_DEF_REMOVEPADDING
#include "mixer/Dialect/Mixer/Transforms/Passes.h.inc"

namespace {

//===----------------------------------------------------------------------===//
// 1. The padding mask
//===----------------------------------------------------------------------===//

/// The constant an operand stands for when it is a splat (any rank).
Attribute splatValue(Value value) {
  Attribute attr;
  if (!matchPattern(value, m_Constant(&attr)))
    return {};
  if (auto splat = dyn_cast<SplatElementsAttr>(attr))
    return splat.getSplatValue<Attribute>();
  if (auto dense = dyn_cast<DenseElementsAttr>(attr))
    if (dense.getNumElements() == 1)
      return *dense.getValues<Attribute>().begin();
  return {};
}

/// One step of the chain from the mask root to the attention's mask: the op
/// and the operand that carries the chain.
struct ChainStep {
  Operation *op;
  unsigned operand;
};

/// Whether `type` is [B, 1..., S]: the batch first, the sequence last, unit
/// dims between.
bool isBatchAndKeys(RankedTensorType type, int64_t batch, int64_t seq) {
  if (type.getRank() < 2 || type.getDimSize(0) != batch ||
      type.getShape().back() != seq)
    return false;
  return llvm::all_of(type.getShape().drop_front().drop_back(),
                      [](int64_t d) { return d == 1; });
}

/// Walks back from `mask` ([B, 1, 1, S]) through elementwise generics (one
/// chain operand, the rest splat constants) and unit-dim reshapes to a
/// [B, S] root. Returns the root and the steps, last step first.
FailureOr<std::pair<Value, SmallVector<ChainStep>>>
traceMask(Value mask, int64_t batch, int64_t seq, std::string &why) {
  SmallVector<ChainStep> steps;
  Value current = mask;
  while (true) {
    auto type = cast<RankedTensorType>(current.getType());
    if (!isBatchAndKeys(type, batch, seq)) {
      why = "the mask is not computed per (batch row, key) from a [batch, "
            "seq] tensor";
      return failure();
    }
    Operation *def = current.getDefiningOp();
    if (type.getRank() == 2 &&
        (!def || !isa<linalg::GenericOp, tensor::ReshapeOp,
                      tensor::ExpandShapeOp>(def)))
      return std::make_pair(current, steps);
    if (!def) {
      why = "the mask is a function argument of rank " +
            std::to_string(type.getRank()) + ", not a [batch, seq] tensor";
      return failure();
    }
    if (isa<tensor::ReshapeOp, tensor::ExpandShapeOp,
            tensor::CollapseShapeOp>(def)) {
      steps.push_back({def, 0});
      current = def->getOperand(0);
      continue;
    }
    auto generic = dyn_cast<linalg::GenericOp>(def);
    if (!generic || generic.getNumDpsInits() != 1 ||
        generic.getNumParallelLoops() != generic.getNumLoops() ||
        !generic.getMatchingIndexingMap(generic.getDpsInitOperand(0))
             .isIdentity()) {
      why = "the mask is computed by '" + def->getName().getStringRef().str() +
            "', not elementwise";
      return failure();
    }
    std::optional<unsigned> chain;
    for (OpOperand *input : generic.getDpsInputOperands()) {
      if (splatValue(input->get()))
        continue;
      if (chain) {
        why = "the mask combines two tensors (e.g. a causal mask built into "
              "it)";
        return failure();
      }
      // The chain operand reads (batch row, key) of the loops.
      auto inTy = cast<RankedTensorType>(input->get().getType());
      AffineMap map = generic.getMatchingIndexingMap(input);
      int64_t rank = type.getRank();
      bool readsRowAndKey =
          isBatchAndKeys(inTy, batch, seq) &&
          map.getResult(0) == getAffineDimExpr(0, def->getContext()) &&
          map.getResults().back() ==
              getAffineDimExpr(rank - 1, def->getContext());
      if (!readsRowAndKey) {
        why = "the mask broadcasts a tensor over more than the heads and "
              "queries";
        return failure();
      }
      chain = input->getOperandNumber();
    }
    if (!chain) {
      why = "the mask is a constant";
      return failure();
    }
    for (Operation &bodyOp : generic.getBody()->without_terminator())
      if (isa<linalg::IndexOp>(bodyOp) || bodyOp.getNumRegions() != 0) {
        why = "the mask depends on positions (linalg.index)";
        return failure();
      }
    steps.push_back({def, *chain});
    current = generic.getDpsInputOperand(*chain)->get();
  }
}

/// Folds the body of `generic` with its chain input equal to `in`; null when
/// some op does not fold.
Attribute evaluateBody(linalg::GenericOp generic, unsigned chain,
                       Attribute in) {
  DenseMap<Value, Attribute> values;
  Block *body = generic.getBody();
  for (OpOperand *input : generic.getDpsInputOperands()) {
    BlockArgument arg = body->getArgument(input->getOperandNumber());
    values[arg] = input->getOperandNumber() == chain ? in
                                                     : splatValue(input->get());
  }
  return foldGenericBody(generic, std::move(values));
}

/// The attention's mask value for a root entry `entry` (0 or 1).
Attribute evaluateChain(ArrayRef<ChainStep> steps, Type rootElement,
                        int64_t entry) {
  Attribute value;
  if (isa<FloatType>(rootElement))
    value = FloatAttr::get(rootElement, static_cast<double>(entry));
  else
    value = IntegerAttr::get(rootElement, entry);
  for (const ChainStep &step : llvm::reverse(steps)) {
    auto generic = dyn_cast<linalg::GenericOp>(step.op);
    if (!generic)
      continue; // a reshape
    value = evaluateBody(generic, step.operand, value);
    if (!value)
      return {};
  }
  return value;
}

/// The [B, S] root of `op`'s padding mask, or a reason why it has none.
FailureOr<Value> findPaddingMaskRoot(AttentionOp op, std::string &why) {
  Value mask = op.getMask();
  if (!mask) {
    why = "the attention has no mask";
    return failure();
  }
  if (op.getSeqLens() || op.getOffsets()) {
    why = "the attention already has sequence lengths";
    return failure();
  }
  RankedTensorType qTy = op.getQuery().getType(), kTy = op.getKey().getType();
  int64_t batch = qTy.getDimSize(0), seq = kTy.getDimSize(2);
  if (ShapedType::isDynamic(batch) || ShapedType::isDynamic(seq) ||
      qTy.getDimSize(2) != seq) {
    why = "the attention's batch and sequence sizes must be static and "
          "equal for queries and keys (self-attention; use --input-shape)";
    return failure();
  }
  auto maskTy = cast<RankedTensorType>(mask.getType());
  if (maskTy.getRank() != 4 || !isBatchAndKeys(maskTy, batch, seq)) {
    why = "the mask is not [batch, 1, 1, seq] (one value per batch row and "
          "key)";
    return failure();
  }
  auto traced = traceMask(mask, batch, seq, why);
  if (failed(traced))
    return failure();
  auto [root, steps] = *traced;
  Type rootElement = cast<RankedTensorType>(root.getType()).getElementType();
  Attribute keep = evaluateChain(steps, rootElement, 1),
            drop = evaluateChain(steps, rootElement, 0);
  if (!keep || !drop) {
    why = "the mask's arithmetic does not fold for root entries 0 and 1";
    return failure();
  }
  auto isTrue = [](Attribute a, bool expected) {
    auto i = dyn_cast<IntegerAttr>(a);
    return i && i.getType().isInteger(1) && i.getValue().isOne() == expected;
  };
  if (maskTy.getElementType().isInteger(1)) {
    if (isTrue(keep, true) && isTrue(drop, false))
      return root;
    why = "the boolean mask does not keep exactly the entries that are 1";
    return failure();
  }
  auto keepF = dyn_cast<FloatAttr>(keep), dropF = dyn_cast<FloatAttr>(drop);
  if (!keepF || !dropF || !keepF.getValue().isZero() ||
      !(dropF.getValueAsDouble() <= -1e4)) {
    std::string dropped;
    llvm::raw_string_ostream os(dropped);
    if (dropF)
      os << llvm::format("%g", dropF.getValueAsDouble());
    else
      os << "?";
    why = "the additive mask must be 0 at tokens (entry 1) and <= -1e4 at "
          "padding (entry 0); it is " +
          dropped + " at padding";
    if (keepF && !keepF.getValue().isZero())
      why += " and nonzero at tokens";
    return failure();
  }
  return root;
}

//===----------------------------------------------------------------------===//
// 2. The token-wise region
//===----------------------------------------------------------------------===//

/// How an op of the region sees tokens: the token dim p (the sequence) of
/// each token operand and result; dim 0 is always the batch.
struct OpTokens {
  /// Operand number -> p. Operands not listed do not depend on the token.
  llvm::SmallDenseMap<unsigned, int64_t> operands;
  /// Result number -> p.
  SmallVector<int64_t> results;
};

struct TokenShape {
  int64_t batch, seq;

  bool matches(Type type, int64_t p) const {
    auto ranked = dyn_cast<RankedTensorType>(type);
    return ranked && p >= 1 && p < ranked.getRank() &&
           ranked.getDimSize(0) == batch && ranked.getDimSize(p) == seq;
  }
};

/// A linalg.generic whose token dims (for outs dim 0 and some dim p) are
/// parallel loops that index only token operands, and those only at their
/// dims 0 and p; the body does not read the token loops' indices.
std::optional<OpTokens> genericTokens(linalg::GenericOp op,
                                      const TokenShape &shape) {
  if (op.getNumDpsInits() != 1)
    return std::nullopt;
  OpOperand *init = op.getDpsInitOperand(0);
  auto initTy = dyn_cast<RankedTensorType>(init->get().getType());
  if (!initTy)
    return std::nullopt;
  AffineMap initMap = op.getMatchingIndexingMap(init);
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (int64_t p = 1; p < initTy.getRank(); ++p) {
    if (!shape.matches(initTy, p))
      continue;
    auto batchLoop = dyn_cast<AffineDimExpr>(initMap.getResult(0));
    auto seqLoop = dyn_cast<AffineDimExpr>(initMap.getResult(p));
    if (!batchLoop || !seqLoop ||
        iterators[batchLoop.getPosition()] != utils::IteratorType::parallel ||
        iterators[seqLoop.getPosition()] != utils::IteratorType::parallel)
      continue;
    unsigned a = batchLoop.getPosition(), b = seqLoop.getPosition();
    if (a == b)
      continue;
    OpTokens tokens;
    bool ok = true;
    for (OpOperand &operand : op->getOpOperands()) {
      AffineMap map = op.getMatchingIndexingMap(&operand);
      std::optional<int64_t> batchAt, seqAt;
      bool other = false;
      for (auto [i, expr] : llvm::enumerate(map.getResults())) {
        bool usesA = expr.isFunctionOfDim(a), usesB = expr.isFunctionOfDim(b);
        if (expr == getAffineDimExpr(a, op.getContext()))
          batchAt = i;
        else if (expr == getAffineDimExpr(b, op.getContext()))
          seqAt = i;
        else if (usesA || usesB)
          other = true;
      }
      if (!batchAt && !seqAt && !other)
        continue; // does not depend on the token
      if (other || batchAt != 0 || !seqAt ||
          !shape.matches(operand.get().getType(), *seqAt)) {
        ok = false;
        break;
      }
      tokens.operands[operand.getOperandNumber()] = *seqAt;
    }
    if (!ok)
      continue;
    bool readsIndex = false;
    op.getBody()->walk([&](linalg::IndexOp index) {
      readsIndex |= index.getDim() == a || index.getDim() == b;
    });
    if (readsIndex)
      continue;
    tokens.results = {p};
    return tokens;
  }
  return std::nullopt;
}

/// Reshapes of the dims after the sequence of a [B, S, ...] tensor.
bool keepsBatchAndSeq(RankedTensorType from, RankedTensorType to,
                      const TokenShape &shape) {
  return shape.matches(from, 1) && shape.matches(to, 1) &&
         from.getRank() >= 3 && to.getRank() >= 3 &&
         ShapedType::getNumElements(from.getShape().drop_front(2)) ==
             ShapedType::getNumElements(to.getShape().drop_front(2)) &&
         from.hasStaticShape() && to.hasStaticShape();
}

/// How `op` sees tokens, if it treats them independently; `paddingRoot` is
/// the mask root every attention of the region must share.
std::optional<OpTokens> tokensOf(Operation *op, const TokenShape &shape,
                                 Value paddingRoot,
                                 const DenseMap<Operation *, Value> &roots) {
  if (auto generic = dyn_cast<linalg::GenericOp>(op))
    return genericTokens(generic, shape);
  if (std::optional<int64_t> axis = getNormalizedAxis(op)) {
    Type type = op->getOperand(0).getType();
    if (!shape.matches(type, 1))
      return std::nullopt;
    if (*axis < 2)
      return std::nullopt;
    OpTokens tokens;
    tokens.operands[0] = 1;
    tokens.results = {1};
    return tokens;
  }
  if (auto transpose = dyn_cast<linalg::TransposeOp>(op)) {
    ArrayRef<int64_t> perm = transpose.getPermutation();
    if (perm.empty() || perm[0] != 0 ||
        !transpose.getInit().getDefiningOp<tensor::EmptyOp>())
      return std::nullopt;
    Type inTy = transpose.getInput().getType();
    for (int64_t p = 1; p < static_cast<int64_t>(perm.size()); ++p) {
      if (!shape.matches(inTy, p))
        continue;
      int64_t out = llvm::find(perm, p) - perm.begin();
      OpTokens tokens;
      tokens.operands[0] = p;
      tokens.operands[1] = out;
      tokens.results = {out};
      return tokens;
    }
    return std::nullopt;
  }
  if (isa<tensor::ReshapeOp, tensor::ExpandShapeOp, tensor::CollapseShapeOp>(
          op)) {
    if (!keepsBatchAndSeq(cast<RankedTensorType>(op->getOperand(0).getType()),
                          cast<RankedTensorType>(op->getResult(0).getType()),
                          shape))
      return std::nullopt;
    OpTokens tokens;
    tokens.operands[0] = 1;
    tokens.results = {1};
    return tokens;
  }
  if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op)) {
    RankedTensorType srcTy = slice.getSourceType(), resTy = slice.getType();
    if (srcTy.getRank() != resTy.getRank() || !slice.hasUnitStride())
      return std::nullopt;
    for (int64_t p = 1; p < srcTy.getRank(); ++p) {
      if (!shape.matches(srcTy, p) || !shape.matches(resTy, p))
        continue;
      auto full = [&](int64_t d) {
        return isConstantIntValue(slice.getMixedOffsets()[d], 0);
      };
      if (!full(0) || !full(p))
        continue;
      OpTokens tokens;
      tokens.operands[0] = p;
      tokens.results = {p};
      return tokens;
    }
    return std::nullopt;
  }
  if (auto attention = dyn_cast<AttentionOp>(op)) {
    if (roots.lookup(op) != paddingRoot)
      return std::nullopt;
    OpTokens tokens;
    for (unsigned i = 0; i < 3; ++i)
      tokens.operands[i] = 2;
    tokens.results = {2};
    return tokens;
  }
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// 3. The rewrite
//===----------------------------------------------------------------------===//

struct RemovePaddingPass : impl::RemovePaddingBase<RemovePaddingPass> {
  using Base::Base;

  void runOnOperation() override {
    getOperation()->walk([&](func::FuncOp func) { runOnFunction(func); });
  }

  void runOnFunction(func::FuncOp func);
};

/// The region and its boundaries, once found.
struct Region {
  Value root;
  TokenShape shape;
  llvm::SetVector<Operation *> ops;
  DenseMap<Operation *, OpTokens> tokens;
  /// The token dim p of each token value the region reads or makes.
  DenseMap<Value, int64_t> seqDim;
};

/// Readers of a region tensor that see it unpacked (zeros at the padding)
/// exactly as they see the padded model's values at every valid position:
/// the return (the model's outputs) and slices (e.g. a CLS pooling at
/// position 0), which read per position without mixing tokens.
bool isUnpackedReader(Operation *user) {
  return isa<func::ReturnOp, tensor::ExtractSliceOp>(user);
}

/// Whether `a` is an integer or float zero.
bool isZero(Attribute a) {
  if (auto f = dyn_cast_if_present<FloatAttr>(a))
    return f.getValue().isZero();
  if (auto i = dyn_cast_if_present<IntegerAttr>(a))
    return i.getValue().isZero();
  return false;
}

/// What a body op gives at the padding beyond its folder: 0 for a product
/// with a factor 0 (the padded model's token values being finite) and the
/// chosen operand of a select whose condition is known.
Attribute foldAtPadding(Operation &op, ArrayRef<Attribute> operands) {
  if (isa<arith::MulFOp, arith::MulIOp, arith::AndIOp>(op) &&
      llvm::any_of(operands, isZero))
    return Builder(op.getContext()).getZeroAttr(op.getResult(0).getType());
  if (isa<arith::SelectOp>(op))
    if (auto cond = dyn_cast_if_present<IntegerAttr>(operands[0]))
      return operands[cond.getValue().isZero() ? 2 : 1];
  return {};
}

/// The value each region tensor has at every padding token of the padded
/// model, where that is known: the mask root is 0 there, and elementwise
/// arithmetic on it (a mask broadcast over the hidden dim, cast to float)
/// and products with it (hidden states * mask, as a masked mean pooling
/// computes) keep a known value. A tensor that is 0 at the padding reads
/// the same unpacked (zeros at the padding) as padded.
DenseMap<Value, Attribute> valuesAtPadding(const Region &region) {
  DenseMap<Value, Attribute> atPadding;
  Type rootElement = getElementTypeOrSelf(region.root.getType());
  atPadding[region.root] = Builder(rootElement.getContext()).getZeroAttr(
      rootElement);
  SmallVector<Operation *> ordered(region.ops.begin(), region.ops.end());
  llvm::sort(ordered, [](Operation *x, Operation *y) {
    return x->isBeforeInBlock(y);
  });
  // A value made outside the region: the root, reshaped keeping its batch
  // and sequence dims (a [B, S] mask unsqueezed to [B, S, 1]).
  std::function<Attribute(Value)> lookup = [&](Value v) -> Attribute {
    if (Attribute a = atPadding.lookup(v))
      return a;
    Operation *def = v.getDefiningOp();
    if (def && !region.ops.contains(def) &&
        isa<tensor::ReshapeOp, tensor::ExpandShapeOp, tensor::CollapseShapeOp,
            tensor::CastOp>(def) &&
        region.shape.matches(v.getType(), 1) &&
        region.shape.matches(def->getOperand(0).getType(), 1))
      return lookup(def->getOperand(0));
    return {};
  };
  for (Operation *op : ordered) {
    const OpTokens &tokens = region.tokens.at(op);
    if (auto generic = dyn_cast<linalg::GenericOp>(op)) {
      DenseMap<Value, Attribute> values;
      for (OpOperand *input : generic.getDpsInputOperands()) {
        Value v = input->get();
        Attribute a = tokens.operands.count(input->getOperandNumber())
                          ? lookup(v)
                          : splatValue(v);
        if (a)
          values[generic.getMatchingBlockArgument(input)] = a;
      }
      if (Attribute a = foldGenericBody(generic, std::move(values), {},
                                        foldAtPadding))
        atPadding[generic->getResult(0)] = a;
    } else if (isa<tensor::ReshapeOp, tensor::ExpandShapeOp,
                   tensor::CollapseShapeOp, tensor::ExtractSliceOp,
                   linalg::TransposeOp>(op)) {
      if (Attribute a = lookup(op->getOperand(0)))
        atPadding[op->getResult(0)] = a;
    }
  }
  return atPadding;
}

/// Grows the region from the attention ops through token values, in both
/// directions. Fails with `blocker` / `why` when a region value is read by
/// an op that is not token-wise (other than the return).
LogicalResult growRegion(Region &region, ArrayRef<AttentionOp> seeds,
                         const DenseMap<Operation *, Value> &roots,
                         Operation *&blocker, std::string &why) {
  SmallVector<Operation *> worklist(seeds.begin(), seeds.end());
  Block *block = seeds.front()->getBlock();
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    if (region.ops.contains(op))
      continue;
    std::optional<OpTokens> tokens =
        tokensOf(op, region.shape, region.root, roots);
    if (!tokens || op->getBlock() != block)
      continue;
    // An op that would see a region tensor's sequence in another dim does
    // not treat its tokens independently (e.g. a sum over the sequence of
    // a tensor whose head dim has the same size): not in the region.
    if (llvm::any_of(tokens->operands, [&](auto entry) {
          auto it = region.seqDim.find(op->getOperand(entry.first));
          return it != region.seqDim.end() && it->second != entry.second;
        }))
      continue;
    region.ops.insert(op);
    region.tokens[op] = *tokens;
    for (auto [number, p] : tokens->operands) {
      Value v = op->getOperand(number);
      region.seqDim.try_emplace(v, p);
      if (Operation *def = v.getDefiningOp())
        if (!isa<tensor::EmptyOp, linalg::FillOp>(def) ||
            !isa<linalg::GenericOp>(op))
          worklist.push_back(def);
    }
    for (auto [result, p] : llvm::zip(op->getResults(), tokens->results)) {
      region.seqDim[result] = p;
      for (Operation *user : result.getUsers())
        worklist.push_back(user);
    }
  }
  // Every reader of a region result must be in the region, read it per
  // position (the return, slices), or read a tensor that is 0 at the
  // padding (a masked pooling's sum over the tokens).
  DenseMap<Value, Attribute> atPadding = valuesAtPadding(region);
  for (Operation *op : region.ops)
    for (Value result : op->getResults())
      for (OpOperand &use : result.getUses()) {
        Operation *user = use.getOwner();
        if (region.ops.contains(user) &&
            region.tokens[user].operands.count(use.getOperandNumber()))
          continue;
        if (isUnpackedReader(user) || isZero(atPadding.lookup(result))) {
          if (region.seqDim[result] == 1)
            continue;
          blocker = op;
          why = "'" + user->getName().getStringRef().str() +
                "' reads a tensor whose sequence is dim " +
                std::to_string(region.seqDim[result]) +
                ", not 1; only [batch, seq, ...] tensors are unpacked";
          return failure();
        }
        blocker = user;
        why = "'" + user->getName().getStringRef().str() +
              "' reads across tokens (or reads a token-wise tensor as a "
              "whole); it would see zeros where the padded model sees its "
              "padding tokens";
        return failure();
      }
  return success();
}

/// The packed type of a token value whose sequence is dim `p`.
RankedTensorType packedType(Type type, int64_t p) {
  auto ranked = cast<RankedTensorType>(type);
  SmallVector<int64_t> shape(ranked.getShape());
  shape[0] = 1;
  shape[p] = ShapedType::kDynamic;
  return ranked.clone(shape);
}

/// A fresh tensor.empty of `like`'s packed type (sequence at `p`), the token
/// count being `count`.
Value packedEmpty(OpBuilder &b, Location loc, Value like, int64_t p,
                  Value count) {
  auto type = cast<RankedTensorType>(like.getType());
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (d == 0)
      sizes.push_back(b.getIndexAttr(1));
    else if (d == p)
      sizes.push_back(count);
    else
      sizes.push_back(tensor::getMixedSize(b, loc, like, d));
  }
  return tensor::EmptyOp::create(b, loc, sizes, type.getElementType());
}

/// Leaves in the module what `mixer-run --report` needs to tell, for a run,
/// how much work the padding removal skipped (kReportInfoAttrName): the mask
/// input's name (when the mask root is an argument), the FLOPs of the
/// region's contractions per token and attention's FLOPs per (query, key)
/// pair, and whether the attention is causal.
void recordReportInfo(func::FuncOp func, const Region &region,
                      ArrayRef<Operation *> ops) {
  auto arg = dyn_cast<BlockArgument>(region.root);
  if (!arg)
    return;
  std::string name = "input" + std::to_string(arg.getArgNumber());
  if (auto onnxName =
          func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "onnx.name"))
    name = onnxName.str();
  double tokens = static_cast<double>(region.shape.batch * region.shape.seq);
  double tokenFlops = 0, pairFlops = 0;
  bool causal = true;
  for (Operation *op : ops) {
    if (auto generic = dyn_cast<linalg::GenericOp>(op)) {
      if (generic.getNumReductionLoops() == 0)
        continue; // elementwise: not counted
      double iterations = 1;
      for (int64_t range : generic.getStaticLoopRanges())
        iterations *= ShapedType::isDynamic(range) ? 0 : range;
      tokenFlops += 2 * iterations / tokens; // a multiply and an add
    } else if (auto attention = dyn_cast<AttentionOp>(op)) {
      RankedTensorType out = attention.getType();
      double heads = out.getDimSize(1);
      double dims = attention.getQuery().getType().getDimSize(3) +
                    out.getDimSize(3);
      pairFlops += 2 * heads * dims; // Q·K and P·V
      causal &= attention.getCausal();
    }
  }
  auto module = func->getParentOfType<ModuleOp>();
  if (!module)
    return;
  std::string info;
  llvm::raw_string_ostream os(info);
  if (auto previous = module->getAttrOfType<StringAttr>(kReportInfoAttrName))
    os << previous.getValue();
  os << "padding_mask=" << name << "\n"
     << "padding_token_flops=" << llvm::format("%.0f", tokenFlops) << "\n"
     << "padding_pair_flops=" << llvm::format("%.0f", pairFlops) << "\n"
     << "padding_causal=" << (causal ? 1 : 0) << "\n";
  module->setAttr(kReportInfoAttrName,
                  StringAttr::get(module.getContext(), info));
}

void RemovePaddingPass::runOnFunction(func::FuncOp func) {
  // 1. Attention ops with a padding mask, grouped by mask root.
  SmallVector<AttentionOp> attentions;
  DenseMap<Operation *, Value> roots;
  Value root;
  func.walk([&](AttentionOp op) {
    std::string why;
    FailureOr<Value> found = findPaddingMaskRoot(op, why);
    if (failed(found)) {
      if (remarks)
        op.emitRemark() << "mixer-remove-padding: attention left padded: "
                        << why;
      return;
    }
    if (root && *found != root) {
      if (remarks)
        op.emitRemark() << "mixer-remove-padding: attention left padded: its "
                           "padding mask comes from another tensor than the "
                           "first attention's";
      return;
    }
    root = *found;
    roots[op] = *found;
    attentions.push_back(op);
  });
  if (attentions.empty())
    return;

  Region region;
  region.root = root;
  auto rootTy = cast<RankedTensorType>(root.getType());
  region.shape = {rootTy.getDimSize(0), rootTy.getDimSize(1)};
  Operation *blocker = nullptr;
  std::string why;
  if (llvm::any_of(attentions, [&](AttentionOp op) {
        return op->getBlock() != attentions.front()->getBlock();
      })) {
    blocker = attentions.back();
    why = "the attention ops are in different blocks";
  }
  if ((blocker ||
       failed(growRegion(region, attentions, roots, blocker, why)))) {
    if (remarks)
      blocker->emitRemark()
          << "mixer-remove-padding: padding not removed: " << why;
    return;
  }

  // Region operands made outside the region (other than fresh inits) must
  // be [B, S, ...] to be packed.
  for (Operation *op : region.ops)
    for (auto [number, p] : region.tokens[op].operands) {
      Value v = op->getOperand(number);
      Operation *def = v.getDefiningOp();
      if ((def && region.ops.contains(def)) || isFreshInit(op, number) ||
          p == 1)
        continue;
      if (remarks)
        op->emitRemark() << "mixer-remove-padding: padding not removed: "
                            "operand #"
                         << number << " has its sequence in dim " << p
                         << " and is made outside the token-wise ops";
      return;
    }

  // 2. The plan, right after the root is known (before every region op).
  OpBuilder b(func.getContext());
  if (Operation *def = root.getDefiningOp()) {
    if (def->getBlock() != region.ops.front()->getBlock() ||
        llvm::any_of(region.ops, [&](Operation *op) {
          return op->isBeforeInBlock(def);
        })) {
      if (remarks)
        def->emitRemark() << "mixer-remove-padding: padding not removed: the "
                             "mask is computed after the first token-wise op";
      return;
    }
    b.setInsertionPointAfter(def);
  } else {
    b.setInsertionPointToStart(&func.getBody().front());
  }
  Location loc = root.getLoc();
  Type i64 = b.getI64Type();
  auto plan = PaddingPlanOp::create(
      b, loc,
      RankedTensorType::get({region.shape.batch + 1}, i64),
      RankedTensorType::get({ShapedType::kDynamic}, i64), root);
  Value tokens = plan.getTokens(), offsets = plan.getOffsets();
  Value count = tensor::DimOp::create(b, loc, tokens, 0);

  // 3. Region ops cloned with packed types, in order.
  llvm::SmallVector<Operation *> ordered(region.ops.begin(), region.ops.end());
  llvm::sort(ordered, [](Operation *x, Operation *y) {
    return x->isBeforeInBlock(y);
  });
  IRMapping packed;
  unsigned numPacked = 0;
  Operation *firstAttention = nullptr; // (the first packed attention)
  auto packedOperand = [&](Operation *op, unsigned number,
                           int64_t p) -> Value {
    Value v = op->getOperand(number);
    if (Value done = packed.lookupOrNull(v))
      return done;
    if (isFreshInit(op, number)) {
      Operation *def = v.getDefiningOp();
      if (auto fill = dyn_cast<linalg::FillOp>(def)) {
        Value empty = packedEmpty(b, def->getLoc(), v, p, count);
        return linalg::FillOp::create(b, def->getLoc(), fill.getInputs()[0],
                                      empty)
            .getResult(0);
      }
      return packedEmpty(b, def->getLoc(), v, p, count);
    }
    // Made outside the region: packed before its first reader in the
    // region (`b` is at that reader), which comes before all the others.
    Value result = PackTokensOp::create(b, v.getLoc(), packedType(v.getType(), 1),
                                        v, tokens);
    packed.map(v, result);
    ++numPacked;
    return result;
  };

  for (Operation *op : ordered) {
    b.setInsertionPoint(op);
    const OpTokens &opTokens = region.tokens[op];
    SmallVector<Value> operands(op->getOperands());
    for (auto [number, p] : opTokens.operands)
      operands[number] = packedOperand(op, number, p);
    Operation *clone = nullptr;
    Location opLoc = op->getLoc();
    if (auto attention = dyn_cast<AttentionOp>(op)) {
      clone = AttentionOp::create(
          b, opLoc, packedType(attention.getType(), 2), operands[0],
          operands[1], operands[2], /*mask=*/Value(), /*seq_lens=*/Value(),
          offsets, attention.getScaleAttr(), attention.getCausal());
      if (!firstAttention)
        firstAttention = clone;
    } else if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op)) {
      int64_t p = opTokens.results[0];
      SmallVector<OpFoldResult> sizes = slice.getMixedSizes();
      sizes[0] = b.getIndexAttr(1);
      sizes[p] = count;
      clone = tensor::ExtractSliceOp::create(
          b, opLoc, packedType(slice.getType(), p), operands[0],
          slice.getMixedOffsets(), sizes, slice.getMixedStrides());
    } else if (isa<tensor::ReshapeOp, tensor::ExpandShapeOp,
                   tensor::CollapseShapeOp>(op)) {
      // [1, T, X...] -> [1, T, prod X] -> [1, T, Y...].
      auto toTy = cast<RankedTensorType>(op->getResult(0).getType());
      Value v = operands[0];
      auto vTy = cast<RankedTensorType>(v.getType());
      if (vTy.getRank() > 3) {
        SmallVector<ReassociationIndices> groups{{0}, {1}, {}};
        for (int64_t d = 2; d < vTy.getRank(); ++d)
          groups[2].push_back(d);
        v = tensor::CollapseShapeOp::create(b, opLoc, v, groups);
      }
      if (toTy.getRank() > 3) {
        SmallVector<ReassociationIndices> groups{{0}, {1}, {}};
        SmallVector<OpFoldResult> outShape{b.getIndexAttr(1), count};
        for (int64_t d = 2; d < toTy.getRank(); ++d) {
          groups[2].push_back(d);
          outShape.push_back(b.getIndexAttr(toTy.getDimSize(d)));
        }
        v = tensor::ExpandShapeOp::create(b, opLoc, packedType(toTy, 1), v,
                                          groups, outShape);
      }
      packed.map(op->getResult(0), v);
      continue;
    } else {
      // Generics, norms, transposes: the same op on packed operands.
      clone = b.clone(*op);
      clone->setOperands(operands);
      for (auto [result, p] : llvm::zip(clone->getResults(), opTokens.results))
        result.setType(packedType(result.getType(), p));
    }
    for (auto [from, to] : llvm::zip(op->getResults(), clone->getResults()))
      packed.map(from, to);
  }

  // 4. Region tensors read outside the region (outputs, slices) unpacked,
  // once each, after their packed version; the padded region is then dead.
  unsigned numUnpacked = 0;
  for (Operation *op : ordered)
    for (Value result : op->getResults()) {
      Value unpacked;
      for (OpOperand &use : llvm::make_early_inc_range(result.getUses())) {
        if (region.ops.contains(use.getOwner()))
          continue;
        if (!unpacked) {
          Value packedValue = packed.lookup(result);
          b.setInsertionPointAfterValue(packedValue);
          unpacked = UnpackTokensOp::create(b, result.getLoc(),
                                            result.getType(), packedValue,
                                            tokens, root);
          ++numUnpacked;
        }
        use.set(unpacked);
      }
    }
  recordReportInfo(func, region, ordered);
  for (Operation *op : llvm::reverse(ordered))
    op->erase();

  numRemoved += attentions.size();
  if (remarks)
    firstAttention->emitRemark()
        << "mixer-remove-padding: " << attentions.size()
        << " attention op(s) and " << ordered.size() - attentions.size()
        << " token-wise op(s) run on the valid tokens only (" << numPacked
        << " tensor(s) packed, " << numUnpacked << " output(s) unpacked)";
}

} // namespace
} // namespace mixer

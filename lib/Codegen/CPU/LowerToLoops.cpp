//===- LowerToLoops.cpp - --mixer-cpu-lower-to-loops ----------------------===//
//
// Linalg ops on buffers -> loop nests whose outer parallel dims run on
// threads and whose innermost loop is contiguous (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "mixer/Codegen/CPU/Passes.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

namespace mixer {

#define GEN_PASS_DEF_LOWERTOLOOPS
#include "mixer/Codegen/CPU/Passes.h.inc"

using namespace mlir;

namespace {

/// The loop to make innermost, if any: the output's last dim, parallel, and
/// read only in the last (contiguous) dim by every operand that uses it, with
/// unit stride: as `d` itself or `d` plus other dims (a convolution's window,
/// `x[b, c, l + k]`).
std::optional<unsigned> getContiguousInnerLoop(linalg::GenericOp op) {
  if (op.getNumDpsInits() != 1)
    return std::nullopt;
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (outMap.getNumResults() == 0)
    return std::nullopt;
  auto inner = dyn_cast<AffineDimExpr>(outMap.getResults().back());
  if (!inner || !linalg::isParallelIterator(
                    op.getIteratorTypesArray()[inner.getPosition()]))
    return std::nullopt;
  unsigned loop = inner.getPosition();
  for (AffineMap map : op.getIndexingMapsArray()) {
    for (auto [i, expr] : llvm::enumerate(map.getResults())) {
      if (!expr.isFunctionOfDim(loop))
        continue;
      AffineExpr rest =
          simplifyAffineExpr(expr - inner, map.getNumDims(), map.getNumSymbols());
      if (i + 1 != map.getNumResults() || rest.isFunctionOfDim(loop))
        return std::nullopt;
    }
  }
  return loop;
}

/// Moves the contiguous parallel loop of a reduction innermost (parallel
/// loops first, then the reductions, then it). Returns the op to lower.
linalg::LinalgOp orderLoopsForVectors(RewriterBase &rewriter,
                                      linalg::LinalgOp op) {
  if (op.getNumReductionLoops() == 0)
    return op;
  auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
  if (!generic) {
    rewriter.setInsertionPoint(op);
    FailureOr<linalg::GenericOp> generalized =
        linalg::generalizeNamedOp(rewriter, op);
    if (failed(generalized))
      return op;
    generic = *generalized;
  }
  std::optional<unsigned> inner = getContiguousInnerLoop(generic);
  unsigned numLoops = generic.getNumLoops();
  if (!inner || *inner == numLoops - 1)
    return generic;
  SmallVector<utils::IteratorType> iters = generic.getIteratorTypesArray();
  SmallVector<unsigned> order;
  for (unsigned l = 0; l < numLoops; ++l)
    if (l != *inner && linalg::isParallelIterator(iters[l]))
      order.push_back(l);
  for (unsigned l = 0; l < numLoops; ++l)
    if (linalg::isReductionIterator(iters[l]))
      order.push_back(l);
  order.push_back(*inner);
  rewriter.setInsertionPoint(generic);
  FailureOr<linalg::GenericOp> interchanged =
      linalg::interchangeGenericOp(rewriter, generic, order);
  return succeeded(interchanged) ? *interchanged : generic;
}

/// Marks the combining op of every reduction of `op` reassociable.
void allowReassociation(linalg::LinalgOp op) {
  if (op.getNumReductionLoops() == 0)
    return;
  SmallVector<BlockArgument> outputs(op.getRegionOutputArgs());
  for (unsigned i = 0, e = outputs.size(); i < e; ++i) {
    SmallVector<Operation *> combiners;
    if (!matchReduction(outputs, i, combiners))
      continue;
    for (Operation *combiner : combiners) {
      auto fastMath = dyn_cast<arith::ArithFastMathInterface>(combiner);
      if (!fastMath)
        continue;
      arith::FastMathFlags flags =
          fastMath.getFastMathFlagsAttr().getValue() |
          arith::FastMathFlags::reassoc;
      combiner->setAttr(fastMath.getFastMathAttrName(),
                        arith::FastMathFlagsAttr::get(op.getContext(), flags));
    }
  }
}

/// Replaces dims [keep, n) of `op` (no reductions) by a nest of scf.for
/// inside an scf.parallel over dims [0, keep) (or no scf.parallel at all
/// when `keep` is 0).
void serializeTrailingDims(RewriterBase &rewriter, scf::ParallelOp op,
                           unsigned keep) {
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  auto lbs = op.getLowerBound(), ubs = op.getUpperBound(),
       steps = op.getStep();
  SmallVector<Value> ivs = op.getInductionVars();
  IRMapping mapping;
  auto buildBody = [&](ValueRange outerIvs) {
    mapping.map(ArrayRef(ivs).take_front(keep), outerIvs);
    scf::buildLoopNest(
        rewriter, loc, lbs.drop_front(keep), ubs.drop_front(keep),
        steps.drop_front(keep), [&](OpBuilder &b, Location, ValueRange innerIvs) {
          mapping.map(ArrayRef(ivs).drop_front(keep), innerIvs);
          for (Operation &inner : op.getBody()->without_terminator())
            b.clone(inner, mapping);
        });
  };
  if (keep == 0) {
    buildBody({});
  } else {
    auto outer = scf::ParallelOp::create(
        rewriter, loc, lbs.take_front(keep), ubs.take_front(keep),
        steps.take_front(keep));
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPoint(outer.getBody()->getTerminator());
    buildBody(outer.getInductionVars());
  }
  rewriter.eraseOp(op);
}

/// Whether two index lists are the same values (or the same pure
/// computations of the same values, as the loop lowering emits them).
bool sameIndices(ValueRange lhs, ValueRange rhs) {
  return llvm::equal(lhs, rhs, [](Value a, Value b) {
    if (a == b)
      return true;
    Operation *x = a.getDefiningOp(), *y = b.getDefiningOp();
    return x && y && isPure(x) &&
           OperationEquivalence::isEquivalentTo(
               x, y, OperationEquivalence::IgnoreLocations);
  });
}

/// Keeps the accumulators of an innermost reduction loop in registers: a
/// `load %out[idx]` ... `store %v, %out[idx]` pair with loop-invariant `idx`
/// (and no other access to `%out` in the loop) becomes an iter_arg. LLVM
/// cannot do this itself once OpenMP outlining hides that `%out` does not
/// alias the inputs, and a reduction through memory does not vectorize.
/// Returns the loop now in place of `loop` (a new op when it was rewritten).
scf::ForOp promoteAccumulators(RewriterBase &rewriter, scf::ForOp loop) {
  // Index computations that do not depend on the loop leave it first.
  moveLoopInvariantCode(cast<LoopLikeOpInterface>(loop.getOperation()));
  Block *body = loop.getBody();
  SmallVector<std::pair<memref::LoadOp, memref::StoreOp>> pairs;
  for (auto store : body->getOps<memref::StoreOp>()) {
    Value buffer = store.getMemRef();
    if (llvm::any_of(store.getIndices(), [&](Value index) {
          return loop->isAncestor(index.getParentRegion()->getParentOp());
        }))
      continue;
    memref::LoadOp load;
    unsigned accesses = 0;
    for (Operation *user : buffer.getUsers()) {
      if (!loop->isAncestor(user))
        continue;
      ++accesses;
      auto candidate = dyn_cast<memref::LoadOp>(user);
      if (candidate && candidate->getBlock() == body &&
          sameIndices(candidate.getIndices(), store.getIndices()) &&
          candidate->isBeforeInBlock(store))
        load = candidate;
    }
    if (load && accesses == 2)
      pairs.emplace_back(load, store);
  }
  if (pairs.empty())
    return loop;
  rewriter.setInsertionPoint(loop);
  SmallVector<Value> inits;
  for (auto [load, store] : pairs)
    inits.push_back(rewriter.clone(*load)->getResult(0));
  FailureOr<LoopLikeOpInterface> promoted = loop.replaceWithAdditionalYields(
      rewriter, inits, /*replaceInitOperandUsesInLoop=*/false,
      [&](OpBuilder &, Location, ArrayRef<BlockArgument>) {
        SmallVector<Value> yields;
        for (auto [load, store] : pairs)
          yields.push_back(store.getValueToStore());
        return yields;
      });
  if (failed(promoted))
    return loop;
  auto newLoop = cast<scf::ForOp>(promoted->getOperation());
  rewriter.setInsertionPointAfter(newLoop);
  unsigned first = newLoop.getNumResults() - pairs.size();
  for (auto [i, pair] : llvm::enumerate(pairs)) {
    auto [load, store] = pair;
    rewriter.replaceOp(load, newLoop.getRegionIterArgs()[first + i]);
    memref::StoreOp::create(rewriter, store.getLoc(),
                            newLoop.getResult(first + i), store.getMemRef(),
                            store.getIndices());
    rewriter.eraseOp(store);
  }
  return newLoop;
}

/// Gives the loops of one lowered op (outermost first) their shape: only
/// the outermost loop may stay parallel, and its last dim becomes sequential
/// when nothing else is nested in it, so that the innermost loop can be
/// vectorized. Inner loops go first: serializing a loop clones its body.
void shapeLoops(RewriterBase &rewriter, ArrayRef<Operation *> loops) {
  for (size_t i = loops.size(); i-- > 0;) {
    auto parallel = dyn_cast<scf::ParallelOp>(loops[i]);
    if (!parallel)
      continue;
    unsigned rank = parallel.getNumLoops();
    if (i > 0)
      serializeTrailingDims(rewriter, parallel, 0);
    else if (loops.size() == 1 && rank > 1)
      serializeTrailingDims(rewriter, parallel, rank - 1);
  }
}

/// The dims (output's last, input's last) of a copy that permutes the
/// innermost dim (`out[.., i, j] = in[.., j, i]`), or nullopt. A plain loop
/// nest would read the input with a stride of a whole row per element.
std::optional<std::pair<unsigned, unsigned>>
getInnerTransposeDims(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 1 || op.getNumDpsInits() != 1 ||
      op.getNumReductionLoops() != 0 || op.getNumLoops() < 2)
    return std::nullopt;
  auto yield = cast<linalg::YieldOp>(op.getBody()->getTerminator());
  if (yield.getNumOperands() != 1 ||
      yield.getOperand(0) != op.getBody()->getArgument(0))
    return std::nullopt;
  AffineMap inMap = op.getMatchingIndexingMap(op.getDpsInputOperand(0));
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (!inMap.isPermutation() || !outMap.isIdentity())
    return std::nullopt;
  unsigned outLast = op.getNumLoops() - 1;
  unsigned inLast = inMap.getDimPosition(inMap.getNumResults() - 1);
  if (inLast == outLast)
    return std::nullopt;
  return std::make_pair(outLast, inLast);
}

/// Lowers such a copy in kTransposeTile x kTransposeTile blocks of the two
/// dims, so that both sides stay in cache: the tiles of the input's last dim
/// (and every other dim) are parallel, each tile walks the output's last dim
/// innermost (contiguous stores).
constexpr int64_t kTransposeTile = 64;

void lowerBlockedTranspose(RewriterBase &rewriter, linalg::GenericOp op,
                           unsigned outLast, unsigned inLast, bool distribute) {
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  Value in = op.getDpsInputOperand(0)->get();
  Value out = op.getDpsInitOperand(0)->get();
  AffineMap inMap = op.getMatchingIndexingMap(op.getDpsInputOperand(0));
  unsigned rank = op.getNumLoops();
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  Value tile = arith::ConstantIndexOp::create(rewriter, loc, kTransposeTile);
  SmallVector<Value> sizes;
  for (unsigned d = 0; d < rank; ++d)
    sizes.push_back(memref::DimOp::create(rewriter, loc, out, d));

  // Outer loops: every dim except the two, then the tiles of both.
  SmallVector<Value> lbs, ubs, steps;
  SmallVector<unsigned> outerDims;
  for (unsigned d = 0; d < rank; ++d) {
    if (d == outLast || d == inLast)
      continue;
    outerDims.push_back(d);
    lbs.push_back(zero);
    ubs.push_back(sizes[d]);
    steps.push_back(one);
  }
  for (unsigned d : {inLast, outLast}) {
    lbs.push_back(zero);
    ubs.push_back(sizes[d]);
    steps.push_back(tile);
  }
  auto body = [&](OpBuilder &b, Location l, ValueRange ivs) {
    SmallVector<Value> idx(rank);
    for (auto [d, iv] : llvm::zip(outerDims, ivs))
      idx[d] = iv;
    Value i0 = ivs[ivs.size() - 2], j0 = ivs.back();
    auto end = [&](Value start, unsigned d) {
      Value e = arith::AddIOp::create(b, l, start, tile);
      return arith::MinSIOp::create(b, l, e, sizes[d]).getResult();
    };
    // Whole tiles get constant trip counts (which LLVM unrolls and
    // vectorizes); the edges, bounds clamped to the sizes.
    auto copyTile = [&](OpBuilder &tb, Location tl, Value iEnd, Value jEnd) {
      scf::buildLoopNest(
          tb, tl, {i0, j0}, {iEnd, jEnd}, {one, one},
          [&](OpBuilder &nb, Location nl, ValueRange inner) {
            idx[inLast] = inner[0];
            idx[outLast] = inner[1];
            SmallVector<Value> inIdx;
            for (unsigned r = 0; r < inMap.getNumResults(); ++r)
              inIdx.push_back(idx[inMap.getDimPosition(r)]);
            Value v = memref::LoadOp::create(nb, nl, in, inIdx);
            memref::StoreOp::create(nb, nl, v, out, idx);
          });
    };
    Value iFull = arith::AddIOp::create(b, l, i0, tile);
    Value jFull = arith::AddIOp::create(b, l, j0, tile);
    Value full = arith::AndIOp::create(
        b, l,
        arith::CmpIOp::create(b, l, arith::CmpIPredicate::sle, iFull,
                              sizes[inLast]),
        arith::CmpIOp::create(b, l, arith::CmpIPredicate::sle, jFull,
                              sizes[outLast]));
    scf::IfOp::create(
        b, l, full,
        [&](OpBuilder &tb, Location tl) {
          copyTile(tb, tl, iFull, jFull);
          scf::YieldOp::create(tb, tl);
        },
        [&](OpBuilder &tb, Location tl) {
          copyTile(tb, tl, end(i0, inLast), end(j0, outLast));
          scf::YieldOp::create(tb, tl);
        });
  };
  if (distribute) {
    scf::ParallelOp::create(rewriter, loc, lbs, ubs, steps,
                            [&](OpBuilder &b, Location l, ValueRange ivs) {
                              body(b, l, ivs);
                            });
  } else {
    scf::buildLoopNest(rewriter, loc, lbs, ubs, steps,
                       [&](OpBuilder &b, Location l, ValueRange ivs) {
                         body(b, l, ivs);
                       });
  }
  rewriter.eraseOp(op);
}

/// A copy permuting the innermost dim, as a generic (named ops such as
/// linalg.transpose are generalized), with its two dims.
struct TransposeCopy {
  linalg::GenericOp op;
  unsigned outLast, inLast;
};

std::optional<TransposeCopy> getTransposeCopy(RewriterBase &rewriter,
                                              linalg::LinalgOp op) {
  auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
  if (!generic) {
    // Generalize only a transpose that will match: `op` stays valid otherwise.
    auto transpose = dyn_cast<linalg::TransposeOp>(op.getOperation());
    if (!transpose || transpose.getPermutation().back() ==
                          static_cast<int64_t>(transpose.getPermutation().size()) - 1)
      return std::nullopt;
    rewriter.setInsertionPoint(op);
    FailureOr<linalg::GenericOp> generalized =
        linalg::generalizeNamedOp(rewriter, op);
    if (failed(generalized))
      return std::nullopt;
    generic = *generalized;
  }
  std::optional<std::pair<unsigned, unsigned>> dims =
      getInnerTransposeDims(generic);
  if (!dims)
    return std::nullopt;
  return TransposeCopy{generic, dims->first, dims->second};
}

struct LowerToLoopsPass : impl::LowerToLoopsBase<LowerToLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (op.hasPureBufferSemantics())
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops) {
      if (auto dims = getTransposeCopy(rewriter, op)) {
        bool distribute = parallel && !(*dims).op->getParentOfType<scf::ParallelOp>();
        lowerBlockedTranspose(rewriter, (*dims).op, (*dims).outLast,
                              (*dims).inLast, distribute);
        continue;
      }
      op = orderLoopsForVectors(rewriter, op);
      if (reassociate)
        allowReassociation(op);
      // An op already inside a parallel loop (a tile of tiled attention)
      // runs sequentially in it.
      bool distribute = parallel && !op->getParentOfType<scf::ParallelOp>();
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::LinalgLoops> loops =
          distribute ? linalg::linalgOpToParallelLoops(rewriter, op)
                     : linalg::linalgOpToLoops(rewriter, op);
      if (failed(loops)) {
        op->emitOpError("could not be lowered to loops");
        return signalPassFailure();
      }
      rewriter.eraseOp(op);
      if (loops->empty())
        continue;
      // The innermost loop may be replaced: keep the list current.
      if (auto innermost = dyn_cast<scf::ForOp>(loops->back()))
        loops->back() = promoteAccumulators(rewriter, innermost);
      if (distribute)
        shapeLoops(rewriter, *loops);
    }
  }
};

} // namespace
} // namespace mixer

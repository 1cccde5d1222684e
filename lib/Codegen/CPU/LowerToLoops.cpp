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
/// read only as the last (contiguous) dim by every operand that uses it.
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
      if (i + 1 != map.getNumResults() || expr != inner)
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

//===- ContractionKernel.cpp - Register-blocked FMA kernels ---------------===//
//
// Lowers a linalg contraction on buffers to the loop nest of a GEMM
// micro-kernel written in the vector dialect:
//
//   scf.parallel (outer..., row tile, column tile)
//     if the tile is full:
//       acc[r][j] = C[row0 + r, col0 + j*W : +W]          (rows x vectors)
//       for k...:  b[j] = B[k, col0 + j*W : +W]
//                  acc[r][j] = fma(broadcast(A[row0 + r, k]), b[j], acc[r][j])
//       C[...] = acc
//     else: the same one row at a time with masked vectors
//
// "Rows" walk a parallel dim of the scalar operand A, "columns" the output's
// innermost dim, which must be the innermost, unit-stride dim of the vector
// operand B. Which input plays A or B is decided by the output layout; the
// product commutes, so both orders are the same contraction.
//
//===----------------------------------------------------------------------===//

#include "mixer/Codegen/CPU/Transforms.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;

namespace mixer {
namespace {

/// The roles of a contraction's loops and operands in the kernel.
struct KernelPlan {
  unsigned vectorOperand;      // input index of B
  unsigned scalarOperand;      // input index of A
  unsigned columnDim;          // loop walked by vector lanes
  std::optional<unsigned> rowDim; // loop walked by register rows
  SmallVector<unsigned> outerDims;     // other parallel loops
  SmallVector<unsigned> reductionDims; // in loop order
};

bool hasUnitInnerStride(Value buffer) {
  auto type = dyn_cast<MemRefType>(buffer.getType());
  if (!type || type.getRank() == 0)
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)))
    return false;
  return strides.back() == 1;
}

std::optional<unsigned> lastDim(AffineMap map) {
  if (map.getNumResults() == 0)
    return std::nullopt;
  if (auto dim = dyn_cast<AffineDimExpr>(map.getResults().back()))
    return dim.getPosition();
  return std::nullopt;
}

FailureOr<KernelPlan> planKernel(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || !linalg::isaContractionOpInterface(op))
    return failure();
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type || !type.getElementType().isF32())
      return failure();
  }
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (!llvm::all_of(maps,
                    [](AffineMap m) { return m.isProjectedPermutation(); }))
    return failure();

  KernelPlan plan;
  AffineMap outMap = maps[2];
  std::optional<unsigned> column = lastDim(outMap);
  if (!column)
    return failure();
  plan.columnDim = *column;
  // B: the input whose innermost dim is the column dim; A must not use it.
  std::optional<unsigned> vectorOperand;
  for (unsigned i = 0; i < 2; ++i) {
    if (!maps[i].isFunctionOfDim(plan.columnDim))
      continue;
    if (vectorOperand || lastDim(maps[i]) != plan.columnDim)
      return failure();
    vectorOperand = i;
  }
  if (!vectorOperand)
    return failure();
  plan.vectorOperand = *vectorOperand;
  plan.scalarOperand = 1 - *vectorOperand;
  Value output = op.getDpsInitOperand(0)->get();
  if (!hasUnitInnerStride(output) ||
      !hasUnitInnerStride(op.getDpsInputOperand(plan.vectorOperand)->get()))
    return failure();

  // Rows: a parallel output dim of A that B does not use; prefer the one
  // next to the column dim in the output (the GEMM's M).
  AffineMap aMap = maps[plan.scalarOperand];
  AffineMap bMap = maps[plan.vectorOperand];
  auto isRowCandidate = [&](unsigned dim) {
    return dim != plan.columnDim &&
           aMap.getResultPosition(getAffineDimExpr(dim, op.getContext())) &&
           !bMap.getResultPosition(getAffineDimExpr(dim, op.getContext()));
  };
  for (AffineExpr expr : llvm::reverse(outMap.getResults())) {
    unsigned dim = cast<AffineDimExpr>(expr).getPosition();
    if (isRowCandidate(dim)) {
      plan.rowDim = dim;
      break;
    }
  }
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (unsigned dim = 0, e = op.getNumLoops(); dim < e; ++dim) {
    if (linalg::isReductionIterator(iterators[dim]))
      plan.reductionDims.push_back(dim);
    else if (dim != plan.columnDim && dim != plan.rowDim)
      plan.outerDims.push_back(dim);
  }
  return plan;
}

/// Emits the kernel for one contraction; `plan` says who is who.
class KernelEmitter {
public:
  KernelEmitter(RewriterBase &rewriter, linalg::LinalgOp op,
                const KernelPlan &plan, const ContractionKernelOptions &opts)
      : b(rewriter), op(op), plan(plan), opts(opts), loc(op.getLoc()),
        vectorType(VectorType::get({opts.vectorWidth}, b.getF32Type())),
        maskType(VectorType::get({opts.vectorWidth}, b.getI1Type())) {}

  scf::ParallelOp emit();

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }

  /// Indices of operand `operand` at the loop position `ivs` (one per loop).
  SmallVector<Value> indices(OpOperand *operand, ArrayRef<Value> ivs) {
    SmallVector<Value> result;
    for (AffineExpr expr : op.getMatchingIndexingMap(operand).getResults())
      result.push_back(ivs[cast<AffineDimExpr>(expr).getPosition()]);
    return result;
  }

  /// The reduction loops around `body`, carrying `accs`; returns the final
  /// accumulators.
  SmallVector<Value>
  reduce(ArrayRef<Value> ivs, ValueRange accs,
         function_ref<SmallVector<Value>(ArrayRef<Value>, ValueRange)> body);

  void emitFullTile(ArrayRef<Value> ivs);
  void emitPartialTile(ArrayRef<Value> ivs, Value rows, Value columns);

  RewriterBase &b;
  linalg::LinalgOp op;
  const KernelPlan &plan;
  const ContractionKernelOptions &opts;
  Location loc;
  VectorType vectorType, maskType;
  SmallVector<Value> sizes; // loop sizes
};

SmallVector<Value> KernelEmitter::reduce(
    ArrayRef<Value> ivs, ValueRange accs,
    function_ref<SmallVector<Value>(ArrayRef<Value>, ValueRange)> body) {
  SmallVector<Value> lbs, ubs, steps;
  for (unsigned dim : plan.reductionDims) {
    lbs.push_back(index(0));
    ubs.push_back(sizes[dim]);
    steps.push_back(index(1));
  }
  scf::LoopNest nest = scf::buildLoopNest(
      b, loc, lbs, ubs, steps, accs,
      [&](OpBuilder &, Location, ValueRange kivs, ValueRange iterAccs) {
        SmallVector<Value> all(ivs);
        for (auto [dim, iv] : llvm::zip(plan.reductionDims, kivs))
          all[dim] = iv;
        return body(all, iterAccs);
      });
  return nest.results;
}

void KernelEmitter::emitFullTile(ArrayRef<Value> ivs) {
  OpOperand *a = op.getDpsInputOperand(plan.scalarOperand);
  OpOperand *bOp = op.getDpsInputOperand(plan.vectorOperand);
  OpOperand *c = op.getDpsInitOperand(0);
  int64_t rows = plan.rowDim ? opts.rows : 1;
  int64_t vectors = opts.vectorsPerRow;
  // ivs at (row r, vector j) of the tile.
  auto at = [&](ArrayRef<Value> base, int64_t r, int64_t j) {
    SmallVector<Value> result(base);
    if (plan.rowDim && r)
      result[*plan.rowDim] = add(base[*plan.rowDim], index(r));
    if (j)
      result[plan.columnDim] =
          add(base[plan.columnDim], index(j * opts.vectorWidth));
    return result;
  };
  SmallVector<Value> accs;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < vectors; ++j)
      accs.push_back(vector::LoadOp::create(b, loc, vectorType, c->get(),
                                            indices(c, at(ivs, r, j))));
  SmallVector<Value> results = reduce(
      ivs, accs, [&](ArrayRef<Value> kivs, ValueRange iter) {
        SmallVector<Value> bVecs, next;
        for (int64_t j = 0; j < vectors; ++j)
          bVecs.push_back(vector::LoadOp::create(
              b, loc, vectorType, bOp->get(), indices(bOp, at(kivs, 0, j))));
        for (int64_t r = 0; r < rows; ++r) {
          Value scalar = memref::LoadOp::create(b, loc, a->get(),
                                                indices(a, at(kivs, r, 0)));
          Value splat = vector::BroadcastOp::create(b, loc, vectorType, scalar);
          for (int64_t j = 0; j < vectors; ++j)
            next.push_back(vector::FMAOp::create(b, loc, splat, bVecs[j],
                                                 iter[r * vectors + j]));
        }
        return next;
      });
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < vectors; ++j)
      vector::StoreOp::create(b, loc, results[r * vectors + j], c->get(),
                              indices(c, at(ivs, r, j)));
}

void KernelEmitter::emitPartialTile(ArrayRef<Value> ivs, Value rows,
                                    Value columns) {
  OpOperand *a = op.getDpsInputOperand(plan.scalarOperand);
  OpOperand *bOp = op.getDpsInputOperand(plan.vectorOperand);
  OpOperand *c = op.getDpsInitOperand(0);
  int64_t vectors = opts.vectorsPerRow;
  Value zero = arith::ConstantOp::create(b, loc, vectorType,
                                         b.getZeroAttr(vectorType));
  SmallVector<Value> masks;
  for (int64_t j = 0; j < vectors; ++j) {
    Value left = sub(columns, index(j * opts.vectorWidth));
    masks.push_back(vector::CreateMaskOp::create(b, loc, maskType, left));
  }
  auto emitRow = [&](ArrayRef<Value> rowIvs) {
    auto at = [&](ArrayRef<Value> base, int64_t j) {
      SmallVector<Value> result(base);
      if (j)
        result[plan.columnDim] =
            add(base[plan.columnDim], index(j * opts.vectorWidth));
      return result;
    };
    SmallVector<Value> accs;
    for (int64_t j = 0; j < vectors; ++j)
      accs.push_back(vector::MaskedLoadOp::create(
          b, loc, vectorType, c->get(), indices(c, at(rowIvs, j)), masks[j],
          zero));
    SmallVector<Value> results = reduce(
        rowIvs, accs, [&](ArrayRef<Value> kivs, ValueRange iter) {
          Value scalar =
              memref::LoadOp::create(b, loc, a->get(), indices(a, kivs));
          Value splat =
              vector::BroadcastOp::create(b, loc, vectorType, scalar);
          SmallVector<Value> next;
          for (int64_t j = 0; j < vectors; ++j) {
            Value bVec = vector::MaskedLoadOp::create(
                b, loc, vectorType, bOp->get(), indices(bOp, at(kivs, j)),
                masks[j], zero);
            next.push_back(vector::FMAOp::create(b, loc, splat, bVec, iter[j]));
          }
          return next;
        });
    for (int64_t j = 0; j < vectors; ++j)
      vector::MaskedStoreOp::create(b, loc, c->get(),
                                    indices(c, at(rowIvs, j)), masks[j],
                                    results[j]);
  };
  if (!plan.rowDim) {
    emitRow(ivs);
    return;
  }
  scf::ForOp rowLoop = scf::ForOp::create(b, loc, index(0), rows, index(1));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(rowLoop.getBody()->getTerminator());
  SmallVector<Value> rowIvs(ivs);
  rowIvs[*plan.rowDim] =
      add(ivs[*plan.rowDim], rowLoop.getInductionVar());
  emitRow(rowIvs);
}

scf::ParallelOp KernelEmitter::emit() {
  for (Range range : op.createLoopRanges(b, loc))
    sizes.push_back(getValueOrCreateConstantIndexOp(b, loc, range.size));
  int64_t tileRows = plan.rowDim ? opts.rows : 1;
  int64_t tileColumns = opts.vectorWidth * opts.vectorsPerRow;

  // Parallel iteration space: outer dims, row tiles, column tiles.
  SmallVector<Value> lbs, ubs, steps;
  auto addLoop = [&](Value size, int64_t step) {
    lbs.push_back(index(0));
    ubs.push_back(size);
    steps.push_back(index(step));
  };
  for (unsigned dim : plan.outerDims)
    addLoop(sizes[dim], 1);
  if (plan.rowDim)
    addLoop(sizes[*plan.rowDim], tileRows);
  addLoop(sizes[plan.columnDim], tileColumns);

  auto parallel = scf::ParallelOp::create(b, loc, lbs, ubs, steps);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(parallel.getBody()->getTerminator());
  SmallVector<Value> pivs = parallel.getInductionVars();
  SmallVector<Value> ivs(op.getNumLoops(), Value());
  for (auto [dim, iv] : llvm::zip(plan.outerDims, pivs))
    ivs[dim] = iv;
  unsigned next = plan.outerDims.size();
  if (plan.rowDim)
    ivs[*plan.rowDim] = pivs[next++];
  ivs[plan.columnDim] = pivs[next];

  auto remaining = [&](unsigned dim, int64_t tile) {
    Value left = sub(sizes[dim], ivs[dim]);
    return arith::MinSIOp::create(b, loc, left, index(tile)).getResult();
  };
  Value columns = remaining(plan.columnDim, tileColumns);
  Value full = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                     columns, index(tileColumns));
  Value rows = index(1);
  if (plan.rowDim) {
    rows = remaining(*plan.rowDim, tileRows);
    Value fullRows = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                           rows, index(tileRows));
    full = arith::AndIOp::create(b, loc, full, fullRows);
  }
  auto ifOp = scf::IfOp::create(b, loc, full, /*withElseRegion=*/true);
  b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
  emitFullTile(ivs);
  b.setInsertionPoint(ifOp.elseBlock()->getTerminator());
  emitPartialTile(ivs, rows, columns);
  return parallel;
}

} // namespace

FailureOr<scf::ParallelOp>
lowerContractionToVectorKernel(RewriterBase &rewriter, linalg::LinalgOp op,
                               const ContractionKernelOptions &options) {
  FailureOr<KernelPlan> plan = planKernel(op);
  if (failed(plan))
    return failure();
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(op);
  scf::ParallelOp kernel = KernelEmitter(rewriter, op, *plan, options).emit();
  rewriter.eraseOp(op);
  return kernel;
}

} // namespace mixer

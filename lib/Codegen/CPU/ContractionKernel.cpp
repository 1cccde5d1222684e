//===- ContractionKernel.cpp - Register-blocked FMA kernels ---------------===//
//
// Lowers a linalg contraction on buffers to the loop nest of a GEMM
// micro-kernel written in the vector dialect:
//
//   scf.parallel (outer..., column tile, row block)
//     for each reduction block, for each register tile of the row block:
//       if the tile is full:
//         acc[r][j] = C[row0 + r, col0 + j*W : +W]        (rows x vectors)
//         for k in the block:  b[j] = B[k, col0 + j*W : +W]
//                  acc[r][j] = fma(broadcast(A[row0 + r, k]), b[j], acc[r][j])
//         C[...] = acc
//       else: the same one row at a time with masked vectors
//
// "Rows" walk a parallel dim of the scalar operand A, "columns" the output's
// innermost dim, which must be the innermost, unit-stride dim of the vector
// operand B. Which input plays A or B is decided by the output layout; the
// product commutes, so both orders are the same contraction.
//
//===----------------------------------------------------------------------===//

#include "mixer/Codegen/CPU/Transforms.h"

#include "Epilogue.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/STLExtras.h"

#include <cstring>

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
  /// B as a constant packed into column panels [ceil(N / P), K, P] (P the
  /// tile's column count, zero padded), read at [n / P, k, n % P]; null when
  /// B is read in place.
  Value packedB;
  unsigned packedReductionDim = 0;
  /// The value a `linalg.fill` right before the op put into C, which the
  /// kernel then starts from instead of reading C (the fill is erased).
  Value initValue;
  /// The elementwise consumer applied to the final accumulators (erased).
  std::optional<Epilogue> epilogue;
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

/// The f32 elements of a constant global's initial value, if it has one.
std::optional<SmallVector<float>> getConstantData(memref::GlobalOp global) {
  if (!global.getConstant())
    return std::nullopt;
  auto value = dyn_cast_or_null<ElementsAttr>(global.getInitialValueAttr());
  if (!value || !value.getElementType().isF32())
    return std::nullopt;
  int64_t count = value.getNumElements();
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    ArrayRef<char> bytes = resource.getData();
    if (bytes.size() != size_t(count) * sizeof(float))
      return std::nullopt;
    SmallVector<float> data(count);
    std::memcpy(data.data(), bytes.data(), bytes.size());
    return data;
  }
  if (auto dense = dyn_cast<DenseElementsAttr>(value))
    return llvm::to_vector(dense.getValues<float>());
  return std::nullopt;
}

/// When B is a constant [K, N] matrix read as B[k, n] (a weight), packs it
/// into column panels of `panel` columns once at compile time: the kernel
/// then streams each panel contiguously instead of reading a row segment
/// every N floats (prefetch-friendly, no 4 KiB aliasing in L1).
void packConstantOperand(RewriterBase &rewriter, linalg::LinalgOp op,
                         KernelPlan &plan, int64_t panel) {
  Value operand = op.getDpsInputOperand(plan.vectorOperand)->get();
  auto getGlobal = operand.getDefiningOp<memref::GetGlobalOp>();
  AffineMap map = op.getIndexingMapsArray()[plan.vectorOperand];
  if (!getGlobal || map.getNumResults() != 2)
    return;
  unsigned kDim = cast<AffineDimExpr>(map.getResult(0)).getPosition();
  if (!llvm::is_contained(plan.reductionDims, kDim))
    return;
  auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
      getGlobal, getGlobal.getNameAttr());
  MemRefType type = getGlobal.getType();
  if (!global || !type.hasStaticShape() || !type.getLayout().isIdentity())
    return;
  int64_t rows = type.getDimSize(0), columns = type.getDimSize(1);
  int64_t panels = llvm::divideCeil(columns, panel);
  auto packedType = MemRefType::get({panels, rows, panel}, type.getElementType());
  std::string name = (global.getSymName() + "_panels" + Twine(panel)).str();

  OpBuilder::InsertionGuard guard(rewriter);
  SymbolTable symbols(SymbolTable::getNearestSymbolTable(global));
  if (!symbols.lookup(name)) {
    std::optional<SmallVector<float>> data = getConstantData(global);
    if (!data)
      return;
    SmallVector<float> packed(panels * rows * panel, 0.0f);
    for (int64_t k = 0; k < rows; ++k)
      for (int64_t n = 0; n < columns; ++n)
        packed[((n / panel) * rows + k) * panel + n % panel] =
            (*data)[k * columns + n];
    auto tensorType =
        RankedTensorType::get(packedType.getShape(), type.getElementType());
    auto value = DenseResourceElementsAttr::get(
        tensorType, name,
        HeapAsmResourceBlob::allocateAndCopyInferAlign(ArrayRef(packed)));
    rewriter.setInsertionPointAfter(global);
    auto packedGlobal = memref::GlobalOp::create(
        rewriter, global.getLoc(), name, rewriter.getStringAttr("private"),
        packedType, value, /*constant=*/true, rewriter.getI64IntegerAttr(64));
    symbols.insert(packedGlobal);
  }
  rewriter.setInsertionPoint(op);
  plan.packedB = memref::GetGlobalOp::create(rewriter, op.getLoc(),
                                             packedType, name);
  plan.packedReductionDim = kDim;
}

/// A `linalg.fill` of C that comes right before `op` in its block, with
/// nothing in between touching C: the kernel can start from its value.
linalg::FillOp getInitFill(linalg::LinalgOp op) {
  Value output = op.getDpsInitOperand(0)->get();
  for (Operation *prev = op->getPrevNode(); prev; prev = prev->getPrevNode()) {
    if (auto fill = dyn_cast<linalg::FillOp>(prev))
      if (fill.getOutputs().front() == output)
        return fill;
    if (llvm::is_contained(prev->getOperands(), output) ||
        !isMemoryEffectFree(prev))
      return nullptr;
  }
  return nullptr;
}

/// The register tile and cache blocks of one kernel.
struct TileShape {
  int64_t width;   // f32 lanes per vector
  int64_t rows;    // register rows (1 without a row dim)
  int64_t vectors; // vectors per register row
  int64_t rowBlock;       // rows per parallel iteration (a multiple of rows)
  int64_t reductionBlock; // reduction steps per pass over a row block
  int64_t columns() const { return width * vectors; }
};

/// Picks the tile for `op`: the options' tile, narrowed to a static column
/// count smaller than it (head_dim in P·V) with the rows widened to keep the
/// same number of accumulators.
TileShape chooseTileShape(linalg::LinalgOp op, const KernelPlan &plan,
                          const ContractionKernelOptions &opts) {
  TileShape shape{opts.vectorWidth, plan.rowDim ? opts.rows : 1,
                  opts.vectorsPerRow, 1, opts.reductionBlock};
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t columns = ranges[plan.columnDim];
  if (!ShapedType::isDynamic(columns) && columns < shape.columns()) {
    int64_t vectors = llvm::divideCeil(columns, opts.vectorWidth);
    if (plan.rowDim)
      shape.rows = std::min<int64_t>(
          opts.maxRows, opts.rows * opts.vectorsPerRow / vectors);
    shape.vectors = vectors;
  }
  if (plan.rowDim)
    shape.rowBlock = llvm::alignTo(opts.rowBlock, shape.rows);
  return shape;
}

/// Emits the kernel for one contraction; `plan` says who is who.
///
///   scf.parallel (outer..., column tile n0, row block m0)
///     for k0 in reduction blocks:              (one reduction dim only)
///       for each register tile of rows in [m0, m0 + rowBlock):
///         acc = C tile; for k in [k0, k0 + reductionBlock): FMAs; C tile = acc
///
/// A thread runs consecutive row blocks of one column panel, and within a
/// row block every register tile reuses the same reductionBlock x columns
/// block of B from L1.
class KernelEmitter {
public:
  KernelEmitter(RewriterBase &rewriter, linalg::LinalgOp op,
                const KernelPlan &plan, const TileShape &shape)
      : b(rewriter), op(op), plan(plan), shape(shape), loc(op.getLoc()),
        vectorType(VectorType::get({shape.width}, b.getF32Type())),
        maskType(VectorType::get({shape.width}, b.getI1Type())) {}

  /// Emits the kernel; its tiles are an scf.parallel, or a serial loop nest
  /// when the op already runs inside a parallel loop. Returns the outermost
  /// loop.
  Operation *emit();

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value min(Value x, Value y) { return arith::MinSIOp::create(b, loc, x, y); }

  /// Indices of operand `operand` at the loop position `ivs` (one per loop).
  SmallVector<Value> indices(OpOperand *operand, ArrayRef<Value> ivs) {
    SmallVector<Value> result;
    for (AffineExpr expr : op.getMatchingIndexingMap(operand).getResults())
      result.push_back(ivs[cast<AffineDimExpr>(expr).getPosition()]);
    return result;
  }
  /// `ivs` moved by `r` rows and `j` vectors.
  SmallVector<Value> at(ArrayRef<Value> ivs, int64_t r, int64_t j) {
    SmallVector<Value> result(ivs);
    if (plan.rowDim && r)
      result[*plan.rowDim] = add(ivs[*plan.rowDim], index(r));
    if (j)
      result[plan.columnDim] = add(ivs[plan.columnDim], index(j * shape.width));
    return result;
  }

  /// The reduction loops of the current block around `body`, carrying
  /// `accs`; returns the final accumulators.
  SmallVector<Value>
  reduce(ArrayRef<Value> ivs, ValueRange accs,
         function_ref<SmallVector<Value>(ArrayRef<Value>, ValueRange)> body);

  /// The accumulators' starting values: C's tile, or the fill value in the
  /// first reduction block when C was just filled. `load(r, j)` reads C.
  SmallVector<Value> initAccumulators(int64_t rows, int64_t vectors,
                                      function_ref<Value(int64_t, int64_t)> load);

  /// Vector `j` of B's row at `kivs` (whose column is the tile's first).
  Value loadB(ArrayRef<Value> kivs, int64_t j, Value mask);

  /// Stores the final accumulators `accs[i]` at the output positions
  /// `positions[i]`: through the epilogue after the last reduction block,
  /// into C otherwise. `masks` (empty for full vectors) per accumulator.
  void storeAccumulators(ArrayRef<SmallVector<Value>> positions,
                         ArrayRef<Value> accs, ArrayRef<Value> masks);

  void emitFullTile(ArrayRef<Value> ivs);
  void emitPartialTile(ArrayRef<Value> ivs, Value rows, Value columns);

  RewriterBase &b;
  linalg::LinalgOp op;
  const KernelPlan &plan;
  const TileShape &shape;
  Location loc;
  VectorType vectorType, maskType;
  SmallVector<Value> sizes; // loop sizes
  Value blockBegin, blockEnd; // the blocked reduction dim's current block
};

SmallVector<Value> KernelEmitter::reduce(
    ArrayRef<Value> ivs, ValueRange accs,
    function_ref<SmallVector<Value>(ArrayRef<Value>, ValueRange)> body) {
  SmallVector<Value> lbs, ubs, steps;
  for (unsigned dim : plan.reductionDims) {
    bool blocked = blockBegin && plan.reductionDims.size() == 1;
    lbs.push_back(blocked ? blockBegin : index(0));
    ubs.push_back(blocked ? blockEnd : sizes[dim]);
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

SmallVector<Value> KernelEmitter::initAccumulators(
    int64_t rows, int64_t vectors, function_ref<Value(int64_t, int64_t)> load) {
  auto loadAll = [&] {
    SmallVector<Value> accs;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < vectors; ++j)
        accs.push_back(load(r, j));
    return accs;
  };
  if (!plan.initValue)
    return loadAll();
  Value splat = vector::BroadcastOp::create(b, loc, vectorType, plan.initValue);
  SmallVector<Value> filled(rows * vectors, splat);
  if (!blockBegin)
    return filled;
  Value first = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                      blockBegin, index(0));
  SmallVector<Type> types(rows * vectors, vectorType);
  auto ifOp = scf::IfOp::create(b, loc, types, first, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  scf::YieldOp::create(b, loc, filled);
  b.setInsertionPointToStart(ifOp.elseBlock());
  scf::YieldOp::create(b, loc, loadAll());
  return SmallVector<Value>(ifOp.getResults());
}

Value KernelEmitter::loadB(ArrayRef<Value> kivs, int64_t j, Value mask) {
  int64_t offset = j * shape.width;
  if (plan.packedB) {
    // Panels are padded: every lane is in bounds, no mask is needed.
    Value panel = arith::DivUIOp::create(b, loc, kivs[plan.columnDim],
                                         index(shape.columns()));
    return vector::LoadOp::create(
        b, loc, vectorType, plan.packedB,
        ValueRange{panel, kivs[plan.packedReductionDim], index(offset)});
  }
  OpOperand *operand = op.getDpsInputOperand(plan.vectorOperand);
  SmallVector<Value> idx = indices(operand, at(kivs, 0, j));
  if (!mask)
    return vector::LoadOp::create(b, loc, vectorType, operand->get(), idx);
  Value zero =
      arith::ConstantOp::create(b, loc, vectorType, b.getZeroAttr(vectorType));
  return vector::MaskedLoadOp::create(b, loc, vectorType, operand->get(), idx,
                                      mask, zero);
}

void KernelEmitter::storeAccumulators(ArrayRef<SmallVector<Value>> positions,
                                      ArrayRef<Value> accs,
                                      ArrayRef<Value> masks) {
  Value c = op.getDpsInitOperand(0)->get();
  auto storeAll = [&](bool throughEpilogue) {
    for (auto [i, acc] : llvm::enumerate(accs)) {
      Value mask = masks.empty() ? Value() : masks[i];
      if (throughEpilogue)
        emitEpilogueStore(b, loc, *plan.epilogue, positions[i], acc, mask);
      else if (mask)
        vector::MaskedStoreOp::create(b, loc, c, positions[i], mask, acc);
      else
        vector::StoreOp::create(b, loc, acc, c, positions[i]);
    }
  };
  if (!plan.epilogue || !blockBegin) {
    storeAll(plan.epilogue.has_value());
    return;
  }
  Value size = sizes[plan.reductionDims.front()];
  Value last =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, blockEnd, size);
  auto ifOp = scf::IfOp::create(b, loc, last, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
  storeAll(true);
  b.setInsertionPoint(ifOp.elseBlock()->getTerminator());
  storeAll(false);
}

void KernelEmitter::emitFullTile(ArrayRef<Value> ivs) {
  OpOperand *a = op.getDpsInputOperand(plan.scalarOperand);
  OpOperand *c = op.getDpsInitOperand(0);
  int64_t rows = shape.rows, vectors = shape.vectors;
  SmallVector<Value> accs =
      initAccumulators(rows, vectors, [&](int64_t r, int64_t j) -> Value {
        return vector::LoadOp::create(b, loc, vectorType, c->get(),
                                      indices(c, at(ivs, r, j)));
      });
  SmallVector<Value> results = reduce(
      ivs, accs, [&](ArrayRef<Value> kivs, ValueRange iter) {
        SmallVector<Value> bVecs, next;
        for (int64_t j = 0; j < vectors; ++j)
          bVecs.push_back(loadB(kivs, j, /*mask=*/nullptr));
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
  SmallVector<SmallVector<Value>> positions;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < vectors; ++j)
      positions.push_back(indices(c, at(ivs, r, j)));
  storeAccumulators(positions, results, /*masks=*/{});
}

void KernelEmitter::emitPartialTile(ArrayRef<Value> ivs, Value rows,
                                    Value columns) {
  OpOperand *a = op.getDpsInputOperand(plan.scalarOperand);
  OpOperand *c = op.getDpsInitOperand(0);
  int64_t vectors = shape.vectors;
  Value zero = arith::ConstantOp::create(b, loc, vectorType,
                                         b.getZeroAttr(vectorType));
  SmallVector<Value> masks;
  for (int64_t j = 0; j < vectors; ++j)
    masks.push_back(vector::CreateMaskOp::create(
        b, loc, maskType, sub(columns, index(j * shape.width))));
  auto emitRow = [&](ArrayRef<Value> rowIvs) {
    SmallVector<Value> accs =
        initAccumulators(1, vectors, [&](int64_t, int64_t j) -> Value {
          return vector::MaskedLoadOp::create(b, loc, vectorType, c->get(),
                                              indices(c, at(rowIvs, 0, j)),
                                              masks[j], zero);
        });
    SmallVector<Value> results = reduce(
        rowIvs, accs, [&](ArrayRef<Value> kivs, ValueRange iter) {
          Value scalar =
              memref::LoadOp::create(b, loc, a->get(), indices(a, kivs));
          Value splat =
              vector::BroadcastOp::create(b, loc, vectorType, scalar);
          SmallVector<Value> next;
          for (int64_t j = 0; j < vectors; ++j)
            next.push_back(vector::FMAOp::create(
                b, loc, splat, loadB(kivs, j, masks[j]), iter[j]));
          return next;
        });
    SmallVector<SmallVector<Value>> positions;
    for (int64_t j = 0; j < vectors; ++j)
      positions.push_back(indices(c, at(rowIvs, 0, j)));
    storeAccumulators(positions, results, masks);
  };
  if (!plan.rowDim) {
    emitRow(ivs);
    return;
  }
  scf::ForOp rowLoop = scf::ForOp::create(b, loc, index(0), rows, index(1));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(rowLoop.getBody()->getTerminator());
  SmallVector<Value> rowIvs(ivs);
  rowIvs[*plan.rowDim] = add(ivs[*plan.rowDim], rowLoop.getInductionVar());
  emitRow(rowIvs);
}

Operation *KernelEmitter::emit() {
  for (Range range : op.createLoopRanges(b, loc))
    sizes.push_back(getValueOrCreateConstantIndexOp(b, loc, range.size));

  // Parallel iteration space: outer dims, column tiles, row blocks.
  SmallVector<Value> lbs, ubs, steps;
  auto addLoop = [&](Value size, int64_t step) {
    lbs.push_back(index(0));
    ubs.push_back(size);
    steps.push_back(index(step));
  };
  for (unsigned dim : plan.outerDims)
    addLoop(sizes[dim], 1);
  addLoop(sizes[plan.columnDim], shape.columns());
  if (plan.rowDim)
    addLoop(sizes[*plan.rowDim], shape.rowBlock);

  // Inside a parallel loop (a tile of tiled attention), the tiles run in
  // sequence: a nested parallel region would fork threads per iteration.
  Operation *outermost;
  SmallVector<Value> pivs;
  OpBuilder::InsertionGuard guard(b);
  if (op->getParentOfType<scf::ParallelOp>()) {
    scf::LoopNest nest = scf::buildLoopNest(b, loc, lbs, ubs, steps);
    outermost = nest.loops.front();
    b.setInsertionPoint(nest.loops.back().getBody()->getTerminator());
    for (scf::ForOp loop : nest.loops)
      pivs.push_back(loop.getInductionVar());
  } else {
    auto parallel = scf::ParallelOp::create(b, loc, lbs, ubs, steps);
    outermost = parallel;
    b.setInsertionPoint(parallel.getBody()->getTerminator());
    pivs = parallel.getInductionVars();
  }
  SmallVector<Value> ivs(op.getNumLoops(), Value());
  for (auto [dim, iv] : llvm::zip(plan.outerDims, pivs))
    ivs[dim] = iv;
  unsigned next = plan.outerDims.size();
  ivs[plan.columnDim] = pivs[next++];
  Value columns = min(sub(sizes[plan.columnDim], ivs[plan.columnDim]),
                      index(shape.columns()));
  Value fullColumns = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                            columns, index(shape.columns()));

  // Reduction blocks (a loop only when there is one reduction dim).
  if (plan.reductionDims.size() == 1) {
    Value size = sizes[plan.reductionDims.front()];
    auto blocks = scf::ForOp::create(b, loc, index(0), size,
                                     index(shape.reductionBlock));
    b.setInsertionPoint(blocks.getBody()->getTerminator());
    blockBegin = blocks.getInductionVar();
    blockEnd = min(add(blockBegin, index(shape.reductionBlock)), size);
  }

  // Register tiles of the row block.
  auto emitTile = [&](ArrayRef<Value> tileIvs, Value rows) {
    Value full = fullColumns;
    if (plan.rowDim) {
      Value fullRows = arith::CmpIOp::create(
          b, loc, arith::CmpIPredicate::eq, rows, index(shape.rows));
      full = arith::AndIOp::create(b, loc, full, fullRows);
    }
    auto ifOp = scf::IfOp::create(b, loc, full, /*withElseRegion=*/true);
    OpBuilder::InsertionGuard tileGuard(b);
    b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
    emitFullTile(tileIvs);
    b.setInsertionPoint(ifOp.elseBlock()->getTerminator());
    emitPartialTile(tileIvs, rows, columns);
  };
  if (!plan.rowDim) {
    emitTile(ivs, index(1));
    return outermost;
  }
  Value rowBegin = pivs[next];
  Value rowEnd = min(add(rowBegin, index(shape.rowBlock)),
                     sizes[*plan.rowDim]);
  auto tiles = scf::ForOp::create(b, loc, rowBegin, rowEnd, index(shape.rows));
  b.setInsertionPoint(tiles.getBody()->getTerminator());
  ivs[*plan.rowDim] = tiles.getInductionVar();
  emitTile(ivs, min(sub(rowEnd, tiles.getInductionVar()), index(shape.rows)));
  return outermost;
}

} // namespace

FailureOr<Operation *>
lowerContractionToVectorKernel(RewriterBase &rewriter, linalg::LinalgOp op,
                               const ContractionKernelOptions &options) {
  FailureOr<KernelPlan> plan = planKernel(op);
  if (failed(plan))
    return failure();
  TileShape shape = chooseTileShape(op, *plan, options);
  linalg::FillOp fill = getInitFill(op);
  if (fill)
    plan->initValue = fill.getInputs().front();
  plan->epilogue = findEpilogue(op);
  packConstantOperand(rewriter, op, *plan, shape.columns());
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(op);
  Operation *kernel = KernelEmitter(rewriter, op, *plan, shape).emit();
  rewriter.eraseOp(op);
  if (fill)
    rewriter.eraseOp(fill);
  if (plan->epilogue)
    rewriter.eraseOp(plan->epilogue->op);
  return kernel;
}

} // namespace mixer

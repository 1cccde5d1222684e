//===- FuseRowReductions.cpp - --mixer-cpu-fuse-row-reductions ------------===//
//
// Tiles every elementwise op that reads a per-row statistic (a norm's
// normalization, a softmax's division) by rows, and fuses into the tile
// loop the reductions and per-row ops that only it needs (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "mixer/Codegen/CPU/Passes.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Interfaces/TilingInterface.h"

namespace mixer {

#define GEN_PASS_DEF_FUSEROWREDUCTIONS
#include "mixer/Codegen/CPU/Passes.h.inc"

using namespace mlir;

namespace {

/// Ops that may join a row group: linalg ops on tensors other than linear
/// layers (which have their own kernels).
bool isFusible(Operation *op) {
  auto linalgOp = dyn_cast_or_null<linalg::LinalgOp>(op);
  return linalgOp && linalgOp.hasPureTensorSemantics() &&
         linalgOp->getNumResults() == 1 &&
         !linalg::isaContractionOpInterface(linalgOp) &&
         !linalg::isaConvolutionOpInterface(linalgOp) &&
         !op->getParentOfType<scf::ForallOp>();
}

/// The number of leading loops of `consumer` that index a per-row value made
/// by a reduction in `group` (0 when there is none): the rows.
unsigned rowLoops(linalg::GenericOp consumer,
                  const llvm::SetVector<Operation *> &group) {
  bool hasReduction = llvm::any_of(group, [](Operation *op) {
    return cast<linalg::LinalgOp>(op).getNumReductionLoops() > 0;
  });
  if (!hasReduction)
    return 0;
  unsigned rows = 0;
  for (OpOperand *input : consumer.getDpsInputOperands()) {
    if (!group.contains(input->get().getDefiningOp()))
      continue;
    // A leading projection (d0, ..., dn) -> (d0, ..., dk), k < n.
    AffineMap map = consumer.getMatchingIndexingMap(input);
    bool leading = map.getNumResults() > 0 &&
                   map.getNumResults() < map.getNumDims();
    for (auto [i, expr] : llvm::enumerate(map.getResults())) {
      auto dim = dyn_cast<AffineDimExpr>(expr);
      leading &= dim && dim.getPosition() == i;
    }
    if (leading)
      rows = std::max<unsigned>(rows, map.getNumResults());
  }
  return rows;
}

struct FuseRowReductionsPass
    : impl::FuseRowReductionsBase<FuseRowReductionsPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::GenericOp> consumers;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (isFusible(op) && op.getNumReductionLoops() == 0)
        consumers.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    llvm::DenseSet<Operation *> grouped;
    // Last first: a consumer's group may hold an earlier consumer.
    for (linalg::GenericOp consumer : llvm::reverse(consumers)) {
      if (grouped.contains(consumer))
        continue;
      llvm::SetVector<Operation *> group = collectGroup(consumer);
      unsigned rows = rowLoops(consumer, group);
      if (rows == 0)
        continue;
      // Rows per tile: as many as fit `tileBytes` of the widest input row.
      auto outType = cast<RankedTensorType>(consumer->getResult(0).getType());
      int64_t rowElements = 1;
      for (int64_t d = rows; d < outType.getRank(); ++d)
        rowElements = ShapedType::isDynamic(outType.getDimSize(d))
                          ? ShapedType::kDynamic
                          : rowElements * outType.getDimSize(d);
      int64_t tile = 1;
      if (!ShapedType::isDynamic(rowElements))
        while (2 * tile * rowElements * 4 <= tileBytes)
          tile *= 2;
      SmallVector<OpFoldResult> sizes(consumer.getNumLoops(),
                                      rewriter.getIndexAttr(0));
      for (unsigned d = 0; d < rows; ++d)
        sizes[d] = rewriter.getIndexAttr(d + 1 == rows ? tile : 1);

      scf::SCFTilingOptions tiling;
      tiling.setTileSizes(sizes);
      tiling.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
      scf::SCFTileAndFuseOptions options;
      options.setTilingOptions(tiling);
      options.setFusionControlFn(
          [&](tensor::ExtractSliceOp, OpResult producer,
              bool) -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
            if (!group.contains(producer.getOwner()))
              return std::nullopt;
            return scf::SCFTileAndFuseOptions::ControlFnResult{};
          });
      rewriter.setInsertionPoint(consumer);
      FailureOr<scf::SCFTileAndFuseResult> result =
          scf::tileConsumerAndFuseProducersUsingSCF(
              rewriter, cast<TilingInterface>(consumer.getOperation()),
              options);
      if (failed(result))
        continue;
      for (Operation *op : group)
        grouped.insert(op);
      rewriter.replaceOp(consumer,
                         result->replacements.lookup(consumer->getResult(0)));
      for (Operation *op : llvm::reverse(group))
        if (op != consumer && op->use_empty())
          rewriter.eraseOp(op);
    }
  }

  /// `consumer` and the fusible ops before it whose every reader is in the
  /// group, in topological order.
  llvm::SetVector<Operation *> collectGroup(linalg::GenericOp consumer) {
    SetVector<Operation *> slice;
    BackwardSliceOptions options;
    options.filter = [](Operation *op) { return isFusible(op); };
    (void)getBackwardSlice(consumer.getOperation(), &slice, options);
    llvm::SetVector<Operation *> group;
    group.insert(consumer);
    for (Operation *op : llvm::reverse(slice)) {
      bool onlyGroupReaders = llvm::all_of(op->getUsers(), [&](Operation *u) {
        return group.contains(u);
      });
      if (onlyGroupReaders)
        group.insert(op);
    }
    return group;
  }
};

} // namespace
} // namespace mixer

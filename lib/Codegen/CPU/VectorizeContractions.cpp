//===- VectorizeContractions.cpp - --mixer-cpu-vectorize-contractions -----===//

#include "mixer/Codegen/CPU/Passes.h"
#include "mixer/Codegen/CPU/Transforms.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace mixer {

#define GEN_PASS_DEF_VECTORIZECONTRACTIONS
#include "mixer/Codegen/CPU/Passes.h.inc"

using namespace mlir;

namespace {

struct VectorizeContractionsPass
    : impl::VectorizeContractionsBase<VectorizeContractionsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (vectorWidth < 1 || rows < 1 || vectorsPerRow < 1 || maxRows < 1 ||
        rowBlock < 1 || reductionBlock < 1) {
      getOperation()->emitError(
          "mixer-cpu-vectorize-contractions: every tile size must be "
          "positive");
      return signalPassFailure();
    }
    ContractionKernelOptions options;
    options.vectorWidth = vectorWidth;
    options.rows = rows;
    options.vectorsPerRow = vectorsPerRow;
    options.maxRows = maxRows;
    options.rowBlock = rowBlock;
    options.reductionBlock = reductionBlock;
    // Only contractions: lowering one may erase its init fill and its
    // epilogue, which therefore must not be on the list.
    SmallVector<linalg::LinalgOp> candidates;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (linalg::isaContractionOpInterface(op))
        candidates.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : candidates)
      (void)lowerContractionToVectorKernel(rewriter, op, options);
  }
};

} // namespace
} // namespace mixer

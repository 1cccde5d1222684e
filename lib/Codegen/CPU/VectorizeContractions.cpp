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
    if (vectorWidth < 1 || rows < 1 || vectorsPerRow < 1) {
      getOperation()->emitError(
          "mixer-cpu-vectorize-contractions: vector-width, rows and "
          "vectors-per-row must be positive");
      return signalPassFailure();
    }
    ContractionKernelOptions options;
    options.vectorWidth = vectorWidth;
    options.rows = rows;
    options.vectorsPerRow = vectorsPerRow;
    SmallVector<linalg::LinalgOp> candidates;
    getOperation()->walk(
        [&](linalg::LinalgOp op) { candidates.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : candidates)
      (void)lowerContractionToVectorKernel(rewriter, op, options);
  }
};

} // namespace
} // namespace mixer

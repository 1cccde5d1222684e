//===- DecomposeAggregateOps.cpp - --mixer-decompose-aggregate-ops --------===//

#include "mixer/Pipelines/Pipelines.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/SmallVector.h"

namespace mixer {

#define GEN_PASS_DEF_DECOMPOSEAGGREGATEOPS
#include "mixer/Pipelines/Passes.h.inc"

namespace {

struct DecomposeAggregateOpsPass
    : impl::DecomposeAggregateOpsBase<DecomposeAggregateOpsPass> {
  void runOnOperation() override {
    llvm::SmallVector<mlir::linalg::AggregatedOpInterface> ops;
    getOperation()->walk(
        [&](mlir::linalg::AggregatedOpInterface op) { ops.push_back(op); });
    mlir::IRRewriter rewriter(&getContext());
    for (mlir::linalg::AggregatedOpInterface op : ops) {
      rewriter.setInsertionPoint(op);
      mlir::FailureOr<llvm::SmallVector<mlir::Value>> results =
          op.decomposeOperation(rewriter);
      if (mlir::failed(results)) {
        op->emitOpError("could not be decomposed into structured ops");
        return signalPassFailure();
      }
      rewriter.replaceOp(op, *results);
    }
  }
};

} // namespace
} // namespace mixer

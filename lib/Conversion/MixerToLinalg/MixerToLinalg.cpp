//===- MixerToLinalg.cpp - The --convert-mixer-to-linalg pass -------------===//
//
// A thin driver over the per-family populate functions. A mixer op that no
// pattern lowers (the patterns report why at the op) fails the pass.
//
//===----------------------------------------------------------------------===//

#include "mixer/Conversion/MixerToLinalg/MixerToLinalg.h"
#include "mixer/Conversion/Passes.h"
#include "mixer/Dialect/Mixer/IR/MixerDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mixer {

#define GEN_PASS_DEF_CONVERTMIXERTOLINALG
#include "mixer/Conversion/Passes.h.inc"

void populateMixerToLinalgPatterns(mlir::RewritePatternSet &patterns) {
  populateAttentionToLinalgPatterns(patterns);
  populateNormToLinalgPatterns(patterns);
  populateRopeToLinalgPatterns(patterns);
  populateScanToLinalgPatterns(patterns);
  populatePackingToLinalgPatterns(patterns);
  populatePruningToLinalgPatterns(patterns);
}

namespace {

struct ConvertMixerToLinalgPass
    : impl::ConvertMixerToLinalgBase<ConvertMixerToLinalgPass> {
  void runOnOperation() override {
    mlir::MLIRContext *ctx = &getContext();
    mlir::RewritePatternSet patterns(ctx);
    populateMixerToLinalgPatterns(patterns);

    // A pattern that refuses an op says why at the op; note that it did, so
    // that only ops refused silently get the generic message below.
    bool reported = false;
    mlir::ScopedDiagnosticHandler noteErrors(ctx, [&](mlir::Diagnostic &diag) {
      reported |= diag.getSeverity() == mlir::DiagnosticSeverity::Error;
      return mlir::failure(); // keep propagating to the outer handler
    });
    if (mlir::failed(mlir::applyPatternsGreedily(getOperation(),
                                                 std::move(patterns))))
      return signalPassFailure();

    bool leftOver = false;
    getOperation()->walk([&](mlir::Operation *op) {
      if (!llvm::isa<MixerDialect>(op->getDialect()))
        return;
      leftOver = true;
      if (!reported)
        op->emitOpError("has no lowering to linalg");
    });
    if (leftOver)
      signalPassFailure();
  }
};

} // namespace
} // namespace mixer

//===- DuplicateInitFills.cpp - --mixer-duplicate-init-fills --------------===//

#include "mixer/Codegen/Common/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mixer {

#define GEN_PASS_DEF_DUPLICATEINITFILLS
#include "mixer/Codegen/Common/Passes.h.inc"

using namespace mlir;

namespace {

struct DuplicateInitFillsPass
    : impl::DuplicateInitFillsBase<DuplicateInitFillsPass> {
  void runOnOperation() override {
    SmallVector<linalg::FillOp> fills;
    getOperation()->walk([&](linalg::FillOp fill) {
      if (fill.hasPureTensorSemantics() &&
          fill.getOutputs().front().getDefiningOp<tensor::EmptyOp>() &&
          !fill->getResult(0).hasOneUse())
        fills.push_back(fill);
    });
    for (linalg::FillOp fill : fills) {
      Value result = fill->getResult(0);
      SmallVector<OpOperand *> uses = llvm::map_to_vector(
          result.getUses(), [](OpOperand &use) { return &use; });
      for (OpOperand *use : llvm::drop_begin(uses)) {
        OpBuilder b(use->getOwner());
        Operation *empty = b.clone(*fill.getOutputs().front().getDefiningOp());
        IRMapping mapping;
        mapping.map(fill.getOutputs().front(), empty->getResult(0));
        use->set(b.clone(*fill, mapping)->getResult(0));
      }
    }
  }
};

} // namespace
} // namespace mixer

//===- FreshOutputs.cpp - --mixer-fresh-outputs ---------------------------===//
//
// Every output of a model.so is a buffer the caller owns (mixer_abi.h): a
// fresh allocation, never an input, a weight or another output. After
// bufferization most outputs already are; only the others are copied.
//
//===----------------------------------------------------------------------===//

#include "ModelSignature.h"

#include "mixer/Pipelines/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "llvm/ADT/DenseSet.h"

namespace mixer {

#define GEN_PASS_DEF_FRESHOUTPUTS
#include "mixer/Pipelines/Passes.h.inc"

using namespace mlir;

namespace {

struct FreshOutputsPass : impl::FreshOutputsBase<FreshOutputsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto entryName = module->getAttrOfType<StringAttr>(kEntryAttrName);
    auto entry = entryName ? module.lookupSymbol<func::FuncOp>(entryName)
                           : func::FuncOp();
    if (!entry) {
      module.emitError("mixer-fresh-outputs: no model entry (run "
                       "--mixer-prepare-model-entry first)");
      return signalPassFailure();
    }
    entry.walk([&](func::ReturnOp ret) {
      llvm::DenseSet<Value> owned;
      OpBuilder b(ret);
      for (OpOperand &operand : ret->getOpOperands()) {
        Value buffer = operand.get();
        auto type = dyn_cast<MemRefType>(buffer.getType());
        if (!type)
          continue;
        if (buffer.getDefiningOp<memref::AllocOp>() &&
            type.getLayout().isIdentity() && owned.insert(buffer).second)
          continue;
        SmallVector<Value> sizes;
        for (int64_t d = 0; d < type.getRank(); ++d)
          if (type.isDynamicDim(d))
            sizes.push_back(memref::DimOp::create(b, ret.getLoc(), buffer, d));
        auto fresh = memref::AllocOp::create(
            b, ret.getLoc(),
            MemRefType::get(type.getShape(), type.getElementType()), sizes,
            b.getI64IntegerAttr(64));
        memref::CopyOp::create(b, ret.getLoc(), buffer, fresh);
        operand.set(fresh);
        owned.insert(fresh);
      }
    });
  }
};

} // namespace
} // namespace mixer

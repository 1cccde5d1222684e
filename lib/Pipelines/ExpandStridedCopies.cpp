//===- ExpandStridedCopies.cpp - --mixer-expand-strided-copies ------------===//

#include "mixer/Pipelines/Pipelines.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "llvm/ADT/SmallVector.h"

namespace mixer {

#define GEN_PASS_DEF_EXPANDSTRIDEDCOPIES
#include "mixer/Pipelines/Passes.h.inc"

namespace {

bool isContiguous(mlir::Type type) {
  auto memref = llvm::dyn_cast<mlir::MemRefType>(type);
  return memref && memref.getLayout().isIdentity();
}

struct ExpandStridedCopiesPass
    : impl::ExpandStridedCopiesBase<ExpandStridedCopiesPass> {
  void runOnOperation() override {
    llvm::SmallVector<mlir::memref::CopyOp> copies;
    getOperation()->walk([&](mlir::memref::CopyOp copy) {
      if (!isContiguous(copy.getSource().getType()) ||
          !isContiguous(copy.getTarget().getType()))
        copies.push_back(copy);
    });
    for (mlir::memref::CopyOp copy : copies) {
      mlir::OpBuilder b(copy);
      mlir::linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(),
                                   copy.getTarget());
      copy.erase();
    }
  }
};

} // namespace
} // namespace mixer

//===- MixerDialect.cpp - The mixer dialect -------------------------------===//

#include "mixer/Dialect/Mixer/IR/MixerDialect.h"
#include "mixer/Dialect/Mixer/IR/MixerOps.h"

#include "mlir/Transforms/InliningUtils.h"

using namespace mlir;
using namespace mixer;

#include "mixer/Dialect/Mixer/IR/MixerDialect.cpp.inc"

namespace {

/// Every mixer op is a pure function of its operands, so calls into functions
/// that contain them may be inlined anywhere.
struct MixerInlinerInterface : public DialectInlinerInterface {
  using DialectInlinerInterface::DialectInlinerInterface;
  bool isLegalToInline(Operation *, Region *, bool, IRMapping &) const final {
    return true;
  }
};

} // namespace

void MixerDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "mixer/Dialect/Mixer/IR/MixerOps.cpp.inc"
      >();
  addInterfaces<MixerInlinerInterface>();
}

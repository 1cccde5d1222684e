//===- MixerDialect.cpp - The mixer dialect -------------------------------===//

#include "mixer/Dialect/Mixer/IR/MixerDialect.h"
#include "mixer/Dialect/Mixer/IR/MixerOps.h"

using namespace mlir;
using namespace mixer;

#include "mixer/Dialect/Mixer/IR/MixerDialect.cpp.inc"

void MixerDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "mixer/Dialect/Mixer/IR/MixerOps.cpp.inc"
      >();
}

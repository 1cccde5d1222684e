//===- Passes.h - Rewrites of the mixer dialect -----------------*- C++ -*-===//

#ifndef MIXER_DIALECT_MIXER_TRANSFORMS_PASSES_H
#define MIXER_DIALECT_MIXER_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mixer {

#define GEN_PASS_DECL
#include "mixer/Dialect/Mixer/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "mixer/Dialect/Mixer/Transforms/Passes.h.inc"

} // namespace mixer

#endif // MIXER_DIALECT_MIXER_TRANSFORMS_PASSES_H

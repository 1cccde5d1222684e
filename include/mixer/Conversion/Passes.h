//===- Passes.h - Mixer conversion passes -----------------------*- C++ -*-===//

#ifndef MIXER_CONVERSION_PASSES_H
#define MIXER_CONVERSION_PASSES_H

#include "mixer/Conversion/MixerToLinalg/MixerToLinalg.h"

#include "mlir/Pass/Pass.h"

namespace mixer {

#define GEN_PASS_DECL
#include "mixer/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "mixer/Conversion/Passes.h.inc"

} // namespace mixer

#endif // MIXER_CONVERSION_PASSES_H

//===- Passes.h - Target-independent code generation passes -----*- C++ -*-===//

#ifndef MIXER_CODEGEN_COMMON_PASSES_H
#define MIXER_CODEGEN_COMMON_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mixer {

#define GEN_PASS_DECL
#include "mixer/Codegen/Common/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "mixer/Codegen/Common/Passes.h.inc"

} // namespace mixer

#endif // MIXER_CODEGEN_COMMON_PASSES_H

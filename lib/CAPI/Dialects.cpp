//===- Dialects.cpp - C API of the mixer dialect --------------------------===//

#include "mixer-c/Dialects.h"

#include "mixer/Dialect/Mixer/IR/MixerDialect.h"
#include "mixer/InitAll.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Registration.h"

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(Mixer, mixer, mixer::MixerDialect)

void mixerRegisterAllDialects(MlirDialectRegistry registry) {
  mixer::registerAllDialects(*unwrap(registry));
}

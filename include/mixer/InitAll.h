//===- InitAll.h - Register Mixer and the MLIR it builds on -----*- C++ -*-===//
//
// One place that tools and embedding compilers call to register the mixer
// dialect together with the upstream dialects, extensions and passes that
// Mixer's pipelines use.
//
//===----------------------------------------------------------------------===//

#ifndef MIXER_INITALL_H
#define MIXER_INITALL_H

#include "mixer/Conversion/Passes.h"
#include "mixer/Dialect/Mixer/IR/MixerDialect.h"
#include "mixer/Pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"

namespace mixer {

/// Registers Mixer's own dialects.
inline void registerMixerDialects(mlir::DialectRegistry &registry) {
  registry.insert<MixerDialect>();
}

/// Registers Mixer's dialects and every upstream dialect and extension, as
/// mixer-opt sees them.
inline void registerAllDialects(mlir::DialectRegistry &registry) {
  registerMixerDialects(registry);
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
}

/// Registers Mixer's passes and pipelines together with the upstream passes.
inline void registerAllPasses() {
  mlir::registerAllPasses();
  registerMixerConversionPasses();
  registerMixerPipelines();
}

} // namespace mixer

#endif // MIXER_INITALL_H

//===- MixerPlugin.cpp - The mixer dialect and passes as an mlir-opt plugin ---===//
//
//   mlir-opt --load-dialect-plugin=lib/MixerPlugin.so \
//            --load-pass-plugin=lib/MixerPlugin.so \
//            --pass-pipeline='builtin.module(mixer-raise-attention)' in.mlir
//
// Only Mixer's own dialect, passes and pipelines are registered: the host
// already has the upstream ones (registering them twice aborts).
//
//===----------------------------------------------------------------------===//

#include "mixer/Dialect/Mixer/IR/MixerDialect.h"
#include "mixer/Pipelines/Pipelines.h"

#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"

extern "C" LLVM_ATTRIBUTE_WEAK mlir::DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "Mixer", LLVM_VERSION_STRING,
          [](mlir::DialectRegistry *registry) {
            registry->insert<mixer::MixerDialect>();
          }};
}

extern "C" LLVM_ATTRIBUTE_WEAK mlir::PassPluginLibraryInfo
mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "MixerPasses", LLVM_VERSION_STRING,
          []() { mixer::registerMixerPipelines(); }};
}

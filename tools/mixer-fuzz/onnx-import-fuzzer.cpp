//===- onnx-import-fuzzer.cpp - libFuzzer target for the ONNX importer ----===//
//
// Feeds arbitrary bytes to importONNXModel: every input must end in a module
// or in diagnostics, never in a crash, hang or sanitizer report. Built by
// scripts/fuzz.sh (MIXER_ENABLE_FUZZERS=ON, -fsanitize=fuzzer,address).
//
//===----------------------------------------------------------------------===//

#include "mixer/Target/ONNX/ImportONNX.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::MLIRContext context(mlir::MLIRContext::Threading::DISABLED);
  mlir::ScopedDiagnosticHandler quiet(
      &context, [](mlir::Diagnostic &) { return mlir::success(); });
  mixer::ONNXImportOptions options;
  // External data is resolved in a directory that holds none.
  options.externalDataDir = "/nonexistent-mixer-fuzz";
  (void)mixer::importONNXModel(
      llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz.onnx",
      &context, options);
  return 0;
}

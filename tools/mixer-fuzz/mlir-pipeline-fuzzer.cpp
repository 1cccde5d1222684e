//===- mlir-pipeline-fuzzer.cpp - libFuzzer target: mixer IR -> linalg ---===//
//
// Parses arbitrary bytes as MLIR text in the dialects a Mixer module may hold
// before the linalg phase (builtin, func, arith, math, tensor, linalg,
// mixer), verifies it, and runs the mixer and linalg phases on what
// verifies: every input must end in a module or in diagnostics, never in a
// crash, hang or sanitizer report. Built by scripts/fuzz.sh.
//
//===----------------------------------------------------------------------===//

#include "mixer/Dialect/Mixer/IR/MixerDialect.h"
#include "mixer/Pipelines/Pipelines.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::DialectRegistry registry;
  registry.insert<mixer::MixerDialect, mlir::arith::ArithDialect,
                  mlir::func::FuncDialect, mlir::linalg::LinalgDialect,
                  mlir::math::MathDialect, mlir::tensor::TensorDialect>();
  mlir::MLIRContext context(registry, mlir::MLIRContext::Threading::DISABLED);
  mlir::ScopedDiagnosticHandler quiet(
      &context, [](mlir::Diagnostic &) { return mlir::success(); });
  // MLIR's lexer stops at a NUL after the buffer (as MemoryBuffer, which the
  // tools read files with, guarantees): give it one.
  std::string source(reinterpret_cast<const char *>(data), size);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(source, &context);
  if (!module || mlir::failed(mlir::verify(*module)))
    return 0;
  mlir::PassManager pm(&context);
  mixer::buildMixerPhasePipeline(pm, mixer::MixerPhaseOptions());
  mixer::buildLinalgPhasePipeline(pm, mixer::LinalgPhaseOptions());
  (void)pm.run(*module);
  return 0;
}

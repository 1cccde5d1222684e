//===- ModelLibrary.h - LLVM-dialect IR to object file and model.so -*- C++ -*-===//
//
// The last two phases of a CPU compile, in-process: LLVM-dialect IR is
// translated to LLVM IR, optimized and compiled for the target CPU into an
// object file (LLVM's TargetMachine), and the object is linked into a shared
// library with lld as a library. No external tool is run.
//
//===----------------------------------------------------------------------===//

#ifndef MIXER_TARGET_CPU_MODELLIBRARY_H
#define MIXER_TARGET_CPU_MODELLIBRARY_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

#include <string>

namespace mixer {

struct ModelLibraryOptions {
  /// host (detect), avx512 (x86-64-v4), avx2 (x86-64-v3), generic (x86-64),
  /// or any CPU name LLVM knows (e.g. znver5, sapphirerapids).
  std::string cpu = "host";
  /// LLVM optimization level, 0-3.
  unsigned optLevel = 3;
  /// Link the OpenMP runtime (the model runs parallel loops on it).
  bool parallel = true;
};

/// Compiles an LLVM-dialect module to an object file in `object`. Errors are
/// reported on the module.
mlir::LogicalResult emitObjectFile(mlir::ModuleOp module,
                                   const ModelLibraryOptions &options,
                                   llvm::SmallVectorImpl<char> &object);

/// Links `object` into the shared library `outputPath` (with libm, libc and,
/// if `options.parallel`, libomp). Errors are reported at `loc`.
mlir::LogicalResult linkModelLibrary(llvm::ArrayRef<char> object,
                                     llvm::StringRef outputPath,
                                     const ModelLibraryOptions &options,
                                     mlir::Location loc);

} // namespace mixer

#endif // MIXER_TARGET_CPU_MODELLIBRARY_H

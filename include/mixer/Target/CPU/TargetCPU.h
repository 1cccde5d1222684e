//===- TargetCPU.h - The CPU a model is compiled for ------------*- C++ -*-===//
//
// Names the CPU of a compile (--cpu=) the way LLVM does, and tells the code
// generator what that CPU offers.
//
//===----------------------------------------------------------------------===//

#ifndef MIXER_TARGET_CPU_TARGETCPU_H
#define MIXER_TARGET_CPU_TARGETCPU_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace llvm {
class Target;
class Triple;
} // namespace llvm

namespace mixer {

/// Resolves `cpu` (host, avx512 = x86-64-v4, avx2 = x86-64-v3, generic =
/// x86-64, or any CPU name LLVM knows) to an LLVM CPU name and feature
/// string; fails with a message naming the accepted values.
mlir::FailureOr<std::pair<std::string, std::string>>
resolveTargetCPU(llvm::StringRef cpu, std::string &error);

/// The LLVM target of this machine's triple (initialized once).
const llvm::Target *getNativeTarget(const llvm::Triple &triple,
                                    std::string &error);

/// f32 lanes of the widest vector registers of `cpu`: 16 with AVX-512, 8
/// with AVX, 4 otherwise (and for a CPU that does not resolve).
int64_t getF32VectorWidth(llvm::StringRef cpu);

} // namespace mixer

#endif // MIXER_TARGET_CPU_TARGETCPU_H

//===- TargetCPU.cpp - The CPU a model is compiled for --------------------===//

#include "mixer/Target/CPU/TargetCPU.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#include <memory>
#include <mutex>

using namespace mlir;

namespace mixer {

const llvm::Target *getNativeTarget(const llvm::Triple &triple,
                                    std::string &error) {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
  return llvm::TargetRegistry::lookupTarget(triple, error);
}

FailureOr<std::pair<std::string, std::string>>
resolveTargetCPU(StringRef cpu, std::string &error) {
  if (cpu == "host") {
    std::string features;
    for (const auto &feature : llvm::sys::getHostCPUFeatures())
      features += (feature.second ? "+" : "-") + feature.first().str() + ",";
    if (!features.empty())
      features.pop_back();
    return std::make_pair(llvm::sys::getHostCPUName().str(), features);
  }
  std::string name = llvm::StringSwitch<std::string>(cpu)
                         .Case("avx512", "x86-64-v4")
                         .Case("avx2", "x86-64-v3")
                         .Case("generic", "x86-64")
                         .Default(cpu.str());
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  const llvm::Target *target = getNativeTarget(triple, error);
  if (!target)
    return failure();
  std::unique_ptr<llvm::MCSubtargetInfo> sti(
      target->createMCSubtargetInfo(triple, name, ""));
  if (!sti || !sti->isCPUStringValid(name)) {
    error = "unknown CPU '" + cpu.str() +
            "' (use host, avx512, avx2, generic, or an LLVM CPU name such as "
            "znver5)";
    return failure();
  }
  return std::make_pair(name, std::string());
}

int64_t getF32VectorWidth(StringRef cpu) {
  std::string error;
  FailureOr<std::pair<std::string, std::string>> resolved =
      resolveTargetCPU(cpu, error);
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  const llvm::Target *target =
      succeeded(resolved) ? getNativeTarget(triple, error) : nullptr;
  if (!target)
    return 4;
  std::unique_ptr<llvm::MCSubtargetInfo> sti(target->createMCSubtargetInfo(
      triple, resolved->first, resolved->second));
  if (!sti)
    return 4;
  if (sti->checkFeatures("+avx512f"))
    return 16;
  if (sti->checkFeatures("+avx"))
    return 8;
  return 4;
}

} // namespace mixer

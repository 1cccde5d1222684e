//===- ModelLibrary.cpp - LLVM-dialect IR to object file and model.so -----===//

#include "mixer/Target/CPU/ModelLibrary.h"
#include "mixer/Target/CPU/TargetCPU.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "lld/Common/Driver.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Path.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"

LLD_HAS_DRIVER(elf)

using namespace mlir;

namespace mixer {

LogicalResult emitObjectFile(ModuleOp module,
                             const ModelLibraryOptions &options,
                             SmallVectorImpl<char> &object) {
  std::string error;
  FailureOr<std::pair<std::string, std::string>> cpu =
      resolveTargetCPU(options.cpu, error);
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  const llvm::Target *target =
      succeeded(cpu) ? getNativeTarget(triple, error) : nullptr;
  if (!target)
    return module.emitError() << error;

  static const llvm::CodeGenOptLevel kLevels[] = {
      llvm::CodeGenOptLevel::None, llvm::CodeGenOptLevel::Less,
      llvm::CodeGenOptLevel::Default, llvm::CodeGenOptLevel::Aggressive};
  unsigned optLevel = std::min(options.optLevel, 3u);
  // The kernels are written for the widest vectors (getF32VectorWidth);
  // LLVM's loop vectorizer should use them too instead of its default
  // preference for 256-bit vectors on AVX-512 Intel CPUs.
  std::string features = cpu->second;
  if (getF32VectorWidth(options.cpu) == 16)
    features += features.empty() ? "-prefer-256-bit" : ",-prefer-256-bit";
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, cpu->first, features, llvm::TargetOptions(), llvm::Reloc::PIC_,
      std::nullopt, kLevels[optLevel]));
  if (!machine)
    return module.emitError() << "cannot create a target machine for "
                              << triple.str() << " / " << cpu->first;

  // Contract of the phase: nothing but the LLVM dialect (and OpenMP) is left.
  WalkResult leftover = module.walk([](Operation *op) {
    StringRef dialect = op->getDialect() ? op->getDialect()->getNamespace() : "";
    if (isa<ModuleOp>(op) || dialect == "llvm" || dialect == "omp")
      return WalkResult::advance();
    op->emitError() << "'" << op->getName()
                    << "' was not lowered to LLVM (a code generation bug: "
                       "please report it with this model)";
    return WalkResult::interrupt();
  });
  if (leftover.wasInterrupted())
    return failure();

  DialectRegistry registry;
  registerAllToLLVMIRTranslations(registry);
  module.getContext()->appendDialectRegistry(registry);
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext, "model");
  if (!llvmModule)
    return module.emitError("translation to LLVM IR failed");
  llvmModule->setTargetTriple(triple);
  llvmModule->setDataLayout(machine->createDataLayout());

  auto optimize = makeOptimizingTransformer(optLevel, 0, machine.get());
  if (llvm::Error err = optimize(llvmModule.get()))
    return module.emitError() << "LLVM optimization failed: "
                              << llvm::toString(std::move(err));

  llvm::raw_svector_ostream os(object);
  llvm::legacy::PassManager codegen;
  if (machine->addPassesToEmitFile(codegen, os, nullptr,
                                   llvm::CodeGenFileType::ObjectFile))
    return module.emitError("the target cannot emit object files");
  codegen.run(*llvmModule);
  return success();
}

LogicalResult linkModelLibrary(ArrayRef<char> object, StringRef outputPath,
                               const ModelLibraryOptions &options,
                               Location loc) {
  // lld reads its inputs from files: stage the object next to nothing else.
  SmallString<128> objectPath;
  int fd;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("mixer-model", "o", fd, objectPath))
    return emitError(loc) << "cannot create a temporary object file: "
                          << ec.message();
  llvm::FileRemover removeObject(objectPath);
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os.write(object.data(), object.size());
    if (os.has_error())
      return emitError(loc) << "cannot write " << objectPath;
  }

  std::string output = outputPath.str(), input = objectPath.str().str();
  SmallVector<const char *> args{"ld.lld", "-shared", "--no-undefined-version",
                                 "-z", "now", "-o", output.c_str(),
                                 input.c_str()};
  if (options.parallel)
    args.append({MIXER_OPENMP_LIBRARY, "-rpath", MIXER_OPENMP_LIBRARY_DIR});
  args.append({MIXER_LIBM, MIXER_LIBC});

  std::string messages;
  llvm::raw_string_ostream errs(messages);
  llvm::raw_null_ostream outs;
  lld::Result result =
      lld::lldMain(args, outs, errs, {{lld::Gnu, &lld::elf::link}});
  if (result.retCode != 0)
    return emitError(loc) << "linking " << outputPath << " failed: "
                          << messages;
  return success();
}

} // namespace mixer

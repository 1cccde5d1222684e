//===- Compiler.cpp - C API of Mixer's passes and compiler ----------------===//

#include "mixer-c/Compiler.h"

#include "mixer/InitAll.h"
#include "mixer/Pipelines/Pipelines.h"
#include "mixer/Target/CPU/ModelLibrary.h"
#include "mixer/Target/CPU/TargetCPU.h"
#include "mixer/Target/ONNX/ImportONNX.h"

#include "mlir/CAPI/Pass.h"
#include "mlir/CAPI/Support.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/SourceMgr.h"

#include <mutex>

using namespace mlir;

void mixerRegisterAllPasses(void) {
  static std::once_flag once;
  std::call_once(once, [] { mixer::registerAllPasses(); });
}

MlirLogicalResult mixerBuildCPUPipeline(MlirOpPassManager passManager,
                                        MlirStringRef options) {
  auto parsed = mixer::CPUPipelineOptions::createFromString(unwrap(options));
  if (!parsed)
    return mlirLogicalResultFailure();
  mixer::buildMixerCPUPipeline(*unwrap(passManager), *parsed);
  return mlirLogicalResultSuccess();
}

void mixerCompileOptionsInit(MixerCompileOptions *options) {
  *options = MixerCompileOptions{};
  options->target = "cpu";
  options->cpu = "host";
  options->parallel = 1;
  options->optLevel = 3;
  options->raiseAttention = options->raiseNorms = options->shareKVHeads =
      options->foldLayerNormToRMSNorm = options->foldNormAffine =
          options->tileAttention = options->raiseRope = 1;
}

namespace {

/// Sends every diagnostic to the caller's callback, formatted as the tools
/// print them (with the location and the source line for .mlir input).
class DiagnosticForwarder {
public:
  DiagnosticForwarder(MLIRContext &context, MlirStringCallback callback,
                      void *userData)
      : stream(text), handler(sourceMgr, &context, stream),
        callback(callback), userData(userData) {}
  ~DiagnosticForwarder() { flush(); }

  llvm::SourceMgr &getSourceMgr() { return sourceMgr; }

  /// Reports a message that is not an MLIR diagnostic (option errors).
  void error(llvm::StringRef message) {
    stream << "error: " << message << "\n";
  }

  void flush() {
    stream.flush();
    if (callback && !text.empty())
      callback(wrap(llvm::StringRef(text)), userData);
    text.clear();
  }

private:
  std::string text;
  llvm::raw_string_ostream stream;
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler handler;
  MlirStringCallback callback;
  void *userData;
};

} // namespace

MlirLogicalResult mixerCompile(MlirStringRef model, MlirStringRef name,
                               MlirStringRef outputPath,
                               const MixerCompileOptions *options,
                               MlirStringCallback diagnostics,
                               void *userData) {
  MixerCompileOptions defaults;
  mixerCompileOptionsInit(&defaults);
  const MixerCompileOptions &opts = options ? *options : defaults;

  DialectRegistry registry;
  mixer::registerAllDialects(registry);
  MLIRContext context(registry);
  context.printOpOnDiagnostic(false);
  DiagnosticForwarder forward(context, diagnostics, userData);

  llvm::StringRef target = opts.target ? opts.target : "cpu";
  std::string error;
  if (target != "cpu") {
    forward.error("target '" + target.str() +
                  "' is unsupported by this build (expected cpu)");
    return mlirLogicalResultFailure();
  }
  std::string cpu = opts.cpu ? opts.cpu : "host";
  if (failed(mixer::resolveTargetCPU(cpu, error)) || opts.optLevel > 3) {
    forward.error(opts.optLevel > 3 ? "opt level must be 0-3" : error);
    return mlirLogicalResultFailure();
  }
  mixer::ONNXImportOptions importOptions;
  for (size_t i = 0; i < opts.numInputShapes; ++i)
    if (std::optional<std::string> message =
            mixer::parseInputShape(opts.inputShapes[i], importOptions)) {
      forward.error(*message);
      return mlirLogicalResultFailure();
    }

  llvm::StringRef source = unwrap(model), filename = unwrap(name);
  OwningOpRef<ModuleOp> module;
  if (filename.ends_with(".mlir")) {
    forward.getSourceMgr().AddNewSourceBuffer(
        llvm::MemoryBuffer::getMemBuffer(source, filename,
                                         /*RequiresNullTerminator=*/false),
        llvm::SMLoc());
    module = parseSourceFile<ModuleOp>(forward.getSourceMgr(), &context);
  } else {
    module = mixer::importONNXModel(source, filename, &context, importOptions);
  }
  if (!module)
    return mlirLogicalResultFailure();

  PassManager pm(&context);
  mixer::MixerPhaseOptions mixerOptions;
  mixerOptions.remarks = opts.remarks;
  mixerOptions.raiseAttention = opts.raiseAttention;
  mixerOptions.raiseNorms = opts.raiseNorms;
  mixerOptions.raiseRope = opts.raiseRope;
  mixerOptions.shareKVHeads = opts.shareKVHeads;
  mixerOptions.foldLayerNormToRMSNorm = opts.foldLayerNormToRMSNorm;
  mixerOptions.foldNormAffine = opts.foldNormAffine;
  mixerOptions.compressedRMSNorm = opts.compressedRMSNorm;
  mixerOptions.reduceQueryHeads = opts.reduceQueryHeads;
  mixerOptions.removeDeadHeads = opts.removeDeadHeads;
  mixerOptions.mhaToGQA = opts.mhaToGQA;
  mixerOptions.removePadding = opts.removePadding;
  if (opts.pruneTokens && *opts.pruneTokens) {
    if (std::optional<std::string> message =
            mixer::checkPruneTokensOptions(opts.pruneTokens)) {
      forward.error(*message);
      return mlirLogicalResultFailure();
    }
    mixerOptions.pruneTokens = opts.pruneTokens;
  }
  mixer::buildMixerPhasePipeline(pm, mixerOptions);
  mixer::LinalgPhaseOptions linalgOptions;
  linalgOptions.tileAttention = opts.tileAttention;
  mixer::buildLinalgPhasePipeline(pm, linalgOptions);
  mixer::CPUPipelineOptions cpuOptions;
  cpuOptions.cpu = cpu;
  cpuOptions.parallel = opts.parallel;
  mixer::buildCPUCodegenPipeline(pm, cpuOptions);
  if (failed(pm.run(*module)))
    return mlirLogicalResultFailure();

  mixer::ModelLibraryOptions libraryOptions;
  libraryOptions.cpu = cpu;
  libraryOptions.optLevel = opts.optLevel;
  libraryOptions.parallel = opts.parallel;
  llvm::SmallVector<char, 0> object;
  if (failed(mixer::emitObjectFile(*module, libraryOptions, object)) ||
      failed(mixer::linkModelLibrary(object, unwrap(outputPath),
                                     libraryOptions, module->getLoc()))) {
    llvm::sys::fs::remove(unwrap(outputPath));
    return mlirLogicalResultFailure();
  }
  return mlirLogicalResultSuccess();
}

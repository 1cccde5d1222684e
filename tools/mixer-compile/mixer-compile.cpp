//===- mixer-compile.cpp - Compile an ONNX model ahead of time ------------===//
//
// The command-line face of Mixer's phases (DESIGN.md):
//
//   input   the imported model (ONNX) or the given .mlir module
//   mixer   after raising and the exact rewrites
//   linalg  after lowering the mixer ops
//   llvm    LLVM-dialect IR with the model.so ABI
//   object  a relocatable object file
//   library a linked model.so (the default)
//
// Every phase is the library's pipeline (mixer/Pipelines); the tool only
// parses options, runs them and writes the result.
//
//===----------------------------------------------------------------------===//

#include "mixer/InitAll.h"
#include "mixer/Pipelines/Pipelines.h"
#include "mixer/Target/CPU/ModelLibrary.h"
#include "mixer/Target/CPU/TargetCPU.h"
#include "mixer/Target/ONNX/ImportONNX.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

using namespace llvm;

namespace {

enum class Phase { Input, Mixer, Linalg, LLVM, Object, Library };

cl::OptionCategory category("mixer-compile options");

cl::opt<std::string> inputFilename(cl::Positional,
                                   cl::desc("<model.onnx | module.mlir>"),
                                   cl::cat(category));
cl::opt<std::string> outputFilename(
    "o",
    cl::desc("Output file ('-' for stdout). Default: <model>.so for "
             "library, <model>.o for object, stdout for textual phases"),
    cl::value_desc("file"), cl::init(""), cl::cat(category));
cl::opt<std::string> target("target",
                            cl::desc("Code generation target: cpu or cuda"),
                            cl::init("cpu"), cl::cat(category));
cl::opt<std::string> compileTo(
    "compile-to",
    cl::desc("Stop after a phase: input|mixer|linalg|llvm|object|library"),
    cl::init("library"), cl::cat(category));
cl::list<std::string>
    inputShapes("input-shape",
                cl::desc("Specialize an input's dynamic dims (name=1x128)"),
                cl::cat(category));
cl::opt<std::string>
    cpu("cpu",
        cl::desc("Target CPU: host (default), avx512, avx2, generic, or an "
                 "LLVM CPU name such as znver5"),
        cl::init("host"), cl::cat(category));
cl::opt<bool> parallel("parallel",
                       cl::desc("Run parallel loops on OpenMP threads "
                                "(default on; --parallel=false for one thread)"),
                       cl::init(true), cl::cat(category));
cl::opt<bool> remarks("remarks",
                      cl::desc("Report, at each op, rewrites that did not "
                               "apply and why (e.g. a softmax not raised into "
                               "attention)"),
                      cl::init(false), cl::cat(category));
// The exact rewrites of the mixer and linalg phases, on by default; turning
// one off shows what it is worth.
cl::opt<bool> raiseAttention("raise-attention",
                             cl::desc("Raise decomposed attention into "
                                      "mixer.attention (default on)"),
                             cl::init(true), cl::cat(category));
cl::opt<bool> shareKVHeads("share-kv-heads",
                           cl::desc("Fold repeat_kv into grouped attention "
                                    "(default on)"),
                           cl::init(true), cl::cat(category));
cl::opt<bool> foldLayerNorm("fold-layernorm-to-rmsnorm",
                            cl::desc("Pre-LN models: LayerNorm -> RMSNorm on a "
                                     "zero-mean stream (default on)"),
                            cl::init(true), cl::cat(category));
cl::opt<bool> tileAttention("tile-attention",
                            cl::desc("IO-aware (FlashAttention) attention "
                                     "(default on)"),
                            cl::init(true), cl::cat(category));
cl::opt<unsigned> optLevel("O", cl::desc("LLVM optimization level (0-3)"),
                           cl::init(3), cl::Prefix, cl::cat(category));

int fail(const Twine &message, int code = 1) {
  WithColor::error(errs(), "mixer-compile") << message << "\n";
  return code;
}

std::optional<Phase> parsePhase(StringRef name) {
  return StringSwitch<std::optional<Phase>>(name)
      .Case("input", Phase::Input)
      .Case("mixer", Phase::Mixer)
      .Case("linalg", Phase::Linalg)
      .Case("llvm", Phase::LLVM)
      .Case("object", Phase::Object)
      .Case("library", Phase::Library)
      .Default(std::nullopt);
}

/// <input stem><extension> next to nothing: written in the current directory.
std::string defaultOutput(Phase phase) {
  if (phase < Phase::Object)
    return "-";
  SmallString<128> name(sys::path::stem(inputFilename));
  name += phase == Phase::Object ? ".o" : ".so";
  return std::string(name);
}

mlir::OwningOpRef<mlir::ModuleOp>
loadInput(mlir::MLIRContext &context, SourceMgr &sourceMgr,
          const mixer::ONNXImportOptions &importOptions) {
  std::string error;
  std::unique_ptr<MemoryBuffer> input =
      mlir::openInputFile(inputFilename, &error);
  if (!input) {
    fail(error);
    return nullptr;
  }
  if (StringRef(inputFilename).ends_with(".mlir")) {
    sourceMgr.AddNewSourceBuffer(std::move(input), SMLoc());
    return mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &context);
  }
  return mixer::importONNXModel(input->getBuffer(), inputFilename, &context,
                                importOptions);
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  // Passes are registered so that --mlir-print-ir-before/after=<pass> work.
  mixer::registerAllPasses();
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  mlir::registerDefaultTimingManagerCLOptions();
  cl::ParseCommandLineOptions(
      argc, argv,
      "Mixer ahead-of-time compiler: ONNX model -> model.so\n\n"
      "  mixer-compile model.onnx -o model.so [--target=cpu] [--cpu=host]\n"
      "  mixer-compile model.onnx --compile-to=linalg   (print a phase)\n\n"
      "  --mlir-print-ir-after-all and --mlir-timing trace the phases.\n");

  if (target == "cuda")
    return fail("--target=cuda is unsupported by this build: the GPU backend "
                "is still to land (see docs/Roadmap.md); use --target=cpu",
                1);
  if (target != "cpu")
    return fail("unknown --target='" + target + "' (expected cpu or cuda)", 2);
  std::optional<Phase> phase = parsePhase(compileTo);
  if (!phase)
    return fail("unknown --compile-to='" + compileTo +
                    "' (expected input, mixer, linalg, llvm, object or "
                    "library)",
                2);
  if (inputFilename.empty())
    return fail("no input model given (see --help)", 2);
  if (optLevel > 3)
    return fail("-O" + Twine(optLevel.getValue()) + " is out of range (0-3)",
                2);
  std::string error;
  if (failed(mixer::resolveTargetCPU(cpu, error)))
    return fail(error, 2);

  mixer::ONNXImportOptions importOptions;
  for (const std::string &spec : inputShapes)
    if (std::optional<std::string> message =
            mixer::parseInputShape(spec, importOptions))
      return fail(*message, 2);

  mlir::DialectRegistry registry;
  mixer::registerAllDialects(registry);
  mlir::MLIRContext context(registry);
  // Diagnostics name the op and its ONNX node; whole models are noise there.
  context.printOpOnDiagnostic(false);
  SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      loadInput(context, sourceMgr, importOptions);
  if (!module)
    return 1;

  mlir::DefaultTimingManager timing;
  mlir::applyDefaultTimingManagerCLOptions(timing);
  mlir::TimingScope rootTiming = timing.getRootScope();
  if (*phase > Phase::Input) {
    mlir::PassManager pm(&context);
    if (failed(mlir::applyPassManagerCLOptions(pm)))
      return 2;
    pm.enableTiming(rootTiming);
    mixer::MixerPhaseOptions mixerOptions;
    mixerOptions.remarks = remarks;
    mixerOptions.raiseAttention = raiseAttention;
    mixerOptions.shareKVHeads = shareKVHeads;
    mixerOptions.foldLayerNormToRMSNorm = foldLayerNorm;
    mixer::buildMixerPhasePipeline(pm, mixerOptions);
    if (*phase >= Phase::Linalg) {
      mixer::LinalgPhaseOptions linalgOptions;
      linalgOptions.tileAttention = tileAttention;
      mixer::buildLinalgPhasePipeline(pm, linalgOptions);
    }
    if (*phase >= Phase::LLVM) {
      mixer::CPUPipelineOptions options;
      options.cpu = cpu;
      options.parallel = parallel;
      mixer::buildCPUCodegenPipeline(pm, options);
    }
    if (failed(pm.run(*module)))
      return 1;
  }

  std::string outputPath =
      outputFilename.empty() ? defaultOutput(*phase) : outputFilename;
  if (*phase <= Phase::LLVM) {
    std::unique_ptr<ToolOutputFile> output =
        mlir::openOutputFile(outputPath, &error);
    if (!output)
      return fail(error);
    module->print(output->os());
    output->keep();
    return 0;
  }

  mixer::ModelLibraryOptions libraryOptions;
  libraryOptions.cpu = cpu;
  libraryOptions.optLevel = optLevel;
  libraryOptions.parallel = parallel;
  SmallVector<char, 0> object;
  {
    mlir::TimingScope codegenTiming = rootTiming.nest("LLVM code generation");
    if (failed(mixer::emitObjectFile(*module, libraryOptions, object)))
      return 1;
  }
  if (*phase == Phase::Object) {
    std::unique_ptr<ToolOutputFile> output =
        mlir::openOutputFile(outputPath, &error);
    if (!output)
      return fail(error);
    output->os().write(object.data(), object.size());
    output->keep();
    return 0;
  }
  mlir::TimingScope linkTiming = rootTiming.nest("Link");
  if (failed(mixer::linkModelLibrary(object, outputPath, libraryOptions,
                                     module->getLoc())))
    return 1;
  return 0;
}

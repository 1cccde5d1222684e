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

#include "Report.h"

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
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
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
cl::opt<std::string> maxWeightSize(
    "max-weight-size",
    cl::desc("Refuse models whose weights exceed this size (e.g. 8G; "
             "default: a third of the machine's memory)"),
    cl::value_desc("size"), cl::init(""), cl::cat(category));
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
cl::opt<bool> raiseNorms("raise-norms",
                         cl::desc("Raise decomposed RMSNorm and LayerNorm "
                                  "into mixer ops (default on)"),
                         cl::init(true), cl::cat(category));
cl::opt<bool> raiseRope("raise-rope",
                        cl::desc("Raise decomposed rotate-half rotary "
                                 "embeddings into mixer.rope (default on)"),
                        cl::init(true), cl::cat(category));
cl::opt<bool> shareKVHeads("share-kv-heads",
                           cl::desc("Fold repeat_kv into grouped attention "
                                    "(default on)"),
                           cl::init(true), cl::cat(category));
cl::opt<bool> foldLayerNorm("fold-layernorm-to-rmsnorm",
                            cl::desc("Pre-LN models: LayerNorm -> RMSNorm on a "
                                     "zero-mean stream (default on)"),
                            cl::init(true), cl::cat(category));
cl::opt<bool> compressedRMSNorm(
    "compressed-rmsnorm",
    cl::desc("Pre-CRMSNorm: keep a folded zero-mean stream in D-1 entries "
             "(exact; default off)"),
    cl::init(false), cl::cat(category));
cl::opt<bool> foldNormAffine("fold-norm-affine",
                             cl::desc("Fold a norm's weight and bias into the "
                                      "linear layers reading it (default on)"),
                             cl::init(true), cl::cat(category));
cl::opt<bool> tileAttention("tile-attention",
                            cl::desc("IO-aware (FlashAttention) attention "
                                     "(default on)"),
                            cl::init(true), cl::cat(category));
// Rewrites of the head counts, off by default: all but exact dead-head
// removal change the numbers, and --report says by how much.
cl::opt<std::string> reduceQueryHeads(
    "reduce-query-heads",
    cl::desc("Sparse Query Attention: merge query heads down to N (lossy), "
             "or 'exact': drop only heads whose output projection is zero"),
    cl::value_desc("N|exact"), cl::init(""), cl::cat(category));
cl::opt<unsigned> mhaToGQA("mha-to-gqa",
                           cl::desc("Mean-pool K/V heads down to N per "
                                    "attention (GQA conversion, lossy)"),
                           cl::value_desc("N"), cl::init(0), cl::cat(category));
// Padding removal, off by default: outputs at padded positions become zeros.
cl::opt<bool> removePadding(
    "remove-padding",
    cl::desc("Run padded batches on their valid tokens only, from the "
             "attention mask (ByteTransformer; outputs are zero at padded "
             "positions; default off)"),
    cl::init(false), cl::cat(category));
// Token pruning, off by default: drops tokens, so outputs change.
cl::opt<std::string> pruneTokens(
    "prune-tokens",
    cl::desc("Zero-TPrune token pruning (lossy), with --mixer-prune-tokens's "
             "options, e.g. \"layers=3,6,9 keep=0.7\" (see "
             "docs/Rewrites.md)"),
    cl::value_desc("options"), cl::init(""), cl::cat(category));
cl::opt<bool> report("report",
                     cl::desc("Print what the rewrites did (to stderr): "
                              "attention raised, heads shared or removed, "
                              "attention FLOPs before/after, and for lossy "
                              "rewrites the deviation of the outputs"),
                     cl::init(false), cl::cat(category));
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
  // --help shows the driver's own options; the hundreds that MLIR and
  // LLVM register stay usable and are listed by --help-hidden.
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "Mixer ahead-of-time compiler: ONNX model -> model.so\n\n"
      "  mixer-compile model.onnx -o model.so [--target=cpu] [--cpu=host]\n"
      "  mixer-compile model.onnx --compile-to=linalg   (print a phase)\n\n"
      "  --mlir-print-ir-after-all and --mlir-timing trace the phases;\n"
      "  --help-hidden lists every MLIR and LLVM option.\n");

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
  mixer::MixerPhaseOptions mixerOptions;
  mixerOptions.remarks = remarks;
  mixerOptions.raiseAttention = raiseAttention;
  mixerOptions.raiseNorms = raiseNorms;
  mixerOptions.raiseRope = raiseRope;
  mixerOptions.shareKVHeads = shareKVHeads;
  mixerOptions.foldLayerNormToRMSNorm = foldLayerNorm;
  mixerOptions.foldNormAffine = foldNormAffine;
  mixerOptions.compressedRMSNorm = compressedRMSNorm;
  mixerOptions.mhaToGQA = mhaToGQA;
  mixerOptions.removePadding = removePadding;
  if (!pruneTokens.empty()) {
    if (std::optional<std::string> message =
            mixer::checkPruneTokensOptions(pruneTokens))
      return fail(*message, 2);
    mixerOptions.pruneTokens = pruneTokens;
  }
  if (reduceQueryHeads == "exact") {
    mixerOptions.removeDeadHeads = true;
  } else if (!reduceQueryHeads.empty()) {
    unsigned heads;
    if (StringRef(reduceQueryHeads).getAsInteger(10, heads) || heads == 0)
      return fail("--reduce-query-heads='" + reduceQueryHeads +
                      "' is neither a positive head count nor 'exact'",
                  2);
    mixerOptions.reduceQueryHeads = heads;
  }

  mixer::ONNXImportOptions importOptions;
  for (const std::string &spec : inputShapes)
    if (std::optional<std::string> message =
            mixer::parseInputShape(spec, importOptions))
      return fail(*message, 2);
  if (!maxWeightSize.empty())
    if (std::optional<std::string> message =
            mixer::parseMaxWeightSize(maxWeightSize, importOptions))
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
  // The pass managers live to the end: --mlir-timing tells passes apart by
  // their addresses, which a freed manager's successor could reuse.
  std::vector<std::unique_ptr<mlir::PassManager>> passManagers;
  auto runPipeline = [&](mlir::ModuleOp target,
                         function_ref<void(mlir::OpPassManager &)> build) {
    auto &pm = passManagers.emplace_back(
        std::make_unique<mlir::PassManager>(&context));
    if (failed(mlir::applyPassManagerCLOptions(*pm)))
      return failure();
    pm->enableTiming(rootTiming);
    build(*pm);
    return pm->run(target);
  };
  // The phases after the mixer one, up to `last`.
  auto lowerMixerPhase = [&](mlir::ModuleOp target, Phase last) {
    return runPipeline(target, [&](mlir::OpPassManager &pm) {
      if (last >= Phase::Linalg) {
        mixer::LinalgPhaseOptions linalgOptions;
        linalgOptions.tileAttention = tileAttention;
        mixer::buildLinalgPhasePipeline(pm, linalgOptions);
      }
      if (last >= Phase::LLVM) {
        mixer::CPUPipelineOptions options;
        options.cpu = cpu;
        options.parallel = parallel;
        mixer::buildCPUCodegenPipeline(pm, options);
      }
    });
  };
  mixer::ModelLibraryOptions libraryOptions;
  libraryOptions.cpu = cpu;
  libraryOptions.optLevel = optLevel;
  libraryOptions.parallel = parallel;
  // LLVM-dialect IR -> model.so at `path`.
  auto writeLibrary = [&](mlir::ModuleOp target, StringRef path) {
    SmallVector<char, 0> object;
    {
      mlir::TimingScope codegenTiming =
          rootTiming.nest("LLVM code generation");
      if (failed(mixer::emitObjectFile(target, libraryOptions, object)))
        return failure();
    }
    mlir::TimingScope linkTiming = rootTiming.nest("Link");
    return mixer::linkModelLibrary(object, path, libraryOptions,
                                   target.getLoc());
  };

  // With --report and a rewrite of the head counts: the model with the
  // exact rewrites only (the reference of the deviation) and, unless the
  // output is that library anyway, the rewritten one, at the mixer phase.
  mlir::OwningOpRef<mlir::ModuleOp> reference, rewritten;
  if (*phase > Phase::Input) {
    mixer::report::ModelSummary imported, exact;
    if (report)
      imported = mixer::report::summarize(*module);
    if (failed(runPipeline(*module, [&](mlir::OpPassManager &pm) {
          mixer::buildMixerPhasePipeline(pm,
                                         mixerOptions.withoutOptInRewrites());
        })))
      return 1;
    if (report) {
      exact = mixer::report::summarize(*module);
      errs() << "mixer-compile report for " << inputFilename << ":\n";
      mixer::report::printExactRewrites(errs(), imported, exact);
    }
    if (mixerOptions.hasOptInRewrites()) {
      if (report)
        reference = module->clone();
      if (failed(runPipeline(*module, [&](mlir::OpPassManager &pm) {
            mixer::buildOptInRewritePipeline(pm, mixerOptions);
          })))
        return 1;
      if (report) {
        std::string what;
        if (mhaToGQA)
          what += "mha-to-gqa=" + std::to_string(mhaToGQA) + " (lossy)";
        if (!reduceQueryHeads.empty())
          what += (what.empty() ? "" : ", ") +
                  ("reduce-query-heads=" + reduceQueryHeads) +
                  (mixerOptions.removeDeadHeads ? "" : " (lossy)");
        mixer::report::ModelSummary after = mixer::report::summarize(*module);
        if (!what.empty())
          mixer::report::printHeadRewrites(errs(), what, exact, after);
        if (!pruneTokens.empty())
          mixer::report::printTokenPruning(errs(), pruneTokens, after);
        if (*phase != Phase::Library)
          rewritten = module->clone();
      }
    }
    if (*phase >= Phase::Linalg && failed(lowerMixerPhase(*module, *phase)))
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
  } else if (*phase == Phase::Object) {
    SmallVector<char, 0> object;
    {
      mlir::TimingScope codegenTiming =
          rootTiming.nest("LLVM code generation");
      if (failed(mixer::emitObjectFile(*module, libraryOptions, object)))
        return 1;
    }
    std::unique_ptr<ToolOutputFile> output =
        mlir::openOutputFile(outputPath, &error);
    if (!output)
      return fail(error);
    output->os().write(object.data(), object.size());
    output->keep();
  } else if (failed(writeLibrary(*module, outputPath))) {
    return 1;
  }
  if (!reference)
    return 0;

  // The deviation: both models built as libraries in temporary files.
  auto buildTemporary = [&](mlir::ModuleOp target,
                            SmallString<128> &path) -> bool {
    if (std::error_code ec =
            sys::fs::createTemporaryFile("mixer-report", "so", path)) {
      fail("cannot create a temporary file: " + ec.message());
      return false;
    }
    return succeeded(lowerMixerPhase(target, Phase::Library)) &&
           succeeded(writeLibrary(target, path));
  };
  SmallString<128> referencePath, rewrittenPath(outputPath);
  llvm::scope_exit cleanup([&] {
    if (!referencePath.empty())
      sys::fs::remove(referencePath);
    if (rewritten && !rewrittenPath.empty())
      sys::fs::remove(rewrittenPath);
  });
  if (!buildTemporary(*reference, referencePath) ||
      (rewritten && !buildTemporary(*rewritten, rewrittenPath)))
    return 1;
  if (!mixer::report::printDeviation(errs(), std::string(referencePath),
                                     std::string(rewrittenPath),
                                     /*dynamicDim=*/8, error))
    return fail("--report: " + error);
  return 0;
}

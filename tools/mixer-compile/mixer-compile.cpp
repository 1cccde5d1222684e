//===- mixer-compile.cpp - Compile an ONNX model ahead of time ------------===//
//
// The command-line face of Mixer's pipelines. Its options are fixed here so
// that scripts can be written against them; the compile itself needs the ONNX
// importer and the CPU backend, and until this build has them the tool says
// so and exits non-zero instead of pretending to compile.
//
//===----------------------------------------------------------------------===//

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/WithColor.h"

using namespace llvm;

static cl::OptionCategory category("mixer-compile options");

static cl::opt<std::string> inputFilename(cl::Positional,
                                          cl::desc("<model.onnx>"),
                                          cl::cat(category));
static cl::opt<std::string> outputFilename("o", cl::desc("Output file"),
                                           cl::value_desc("model.so"),
                                           cl::init("model.so"),
                                           cl::cat(category));
static cl::opt<std::string>
    target("target", cl::desc("Code generation target: cpu or cuda"),
           cl::init("cpu"), cl::cat(category));
static cl::opt<std::string> compileTo(
    "compile-to",
    cl::desc("Stop after a phase: input|mixer|linalg|llvm|object|library"),
    cl::init("library"), cl::cat(category));
static cl::list<std::string>
    inputShapes("input-shape",
                cl::desc("Specialize an input's dynamic dims (name=1x128)"),
                cl::cat(category));

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "Mixer ahead-of-time compiler: ONNX model -> model.so\n\n"
      "  mixer-compile model.onnx -o model.so [--target=cpu]\n");
  if (target != "cpu" && target != "cuda") {
    WithColor::error(errs(), "mixer-compile")
        << "unknown --target='" << target << "' (expected cpu or cuda)\n";
    return 2;
  }
  if (inputFilename.empty()) {
    WithColor::error(errs(), "mixer-compile")
        << "no input model given (see --help)\n";
    return 2;
  }
  WithColor::error(errs(), "mixer-compile")
      << "this build cannot compile '" << inputFilename
      << "' yet: the ONNX importer and the CPU backend are still to land "
         "(see docs/Roadmap.md); use mixer-opt on MLIR input meanwhile\n";
  return 1;
}

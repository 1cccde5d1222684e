//===- mixer-compile.cpp - Compile an ONNX model ahead of time ------------===//
//
// The command-line face of Mixer's phases. `--compile-to=input` imports the
// model and prints Mixer's input IR. The later phases (mixer, linalg, llvm,
// object, library) need the rewrite pipelines and the CPU backend; until this
// build has them the tool says so and exits non-zero instead of pretending to
// compile.
//
//===----------------------------------------------------------------------===//

#include "mixer/Target/ONNX/ImportONNX.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

using namespace llvm;

static cl::OptionCategory category("mixer-compile options");

static cl::opt<std::string> inputFilename(cl::Positional,
                                          cl::desc("<model.onnx>"),
                                          cl::cat(category));
static cl::opt<std::string> outputFilename(
    "o", cl::desc("Output file ('-' for stdout; default model.so, or stdout "
                  "for textual phases)"),
    cl::value_desc("model.so"), cl::init(""), cl::cat(category));
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

static int fail(const Twine &message, int code = 1) {
  WithColor::error(errs(), "mixer-compile") << message << "\n";
  return code;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "Mixer ahead-of-time compiler: ONNX model -> model.so\n\n"
      "  mixer-compile model.onnx -o model.so [--target=cpu]\n"
      "  mixer-compile model.onnx --compile-to=input   (print the imported IR)\n");
  if (target != "cpu" && target != "cuda")
    return fail("unknown --target='" + target + "' (expected cpu or cuda)", 2);
  bool knownPhase = StringSwitch<bool>(compileTo)
                        .Cases({"input", "mixer", "linalg", "llvm", "object",
                                "library"},
                               true)
                        .Default(false);
  if (!knownPhase)
    return fail("unknown --compile-to='" + compileTo +
                    "' (expected input, mixer, linalg, llvm, object or "
                    "library)",
                2);
  if (inputFilename.empty())
    return fail("no input model given (see --help)", 2);

  mixer::ONNXImportOptions options;
  for (const std::string &spec : inputShapes)
    if (std::optional<std::string> error =
            mixer::parseInputShape(spec, options))
      return fail(*error, 2);

  if (compileTo != "input")
    return fail("this build cannot compile to '" + compileTo +
                "' yet: the rewrite pipelines and the CPU backend are still "
                "to land (see docs/Roadmap.md); --compile-to=input works");

  std::string error;
  std::unique_ptr<MemoryBuffer> input = mlir::openInputFile(inputFilename, &error);
  if (!input)
    return fail(error);
  mlir::MLIRContext context;
  SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  mlir::OwningOpRef<mlir::ModuleOp> module = mixer::importONNXModel(
      input->getBuffer(), inputFilename, &context, options);
  if (!module)
    return 1;
  std::unique_ptr<ToolOutputFile> output = mlir::openOutputFile(
      outputFilename.empty() ? std::string("-") : outputFilename.getValue(),
      &error);
  if (!output)
    return fail(error);
  module->print(output->os());
  output->keep();
  return 0;
}

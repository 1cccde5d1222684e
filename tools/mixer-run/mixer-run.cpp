//===- mixer-run.cpp - Run a model compiled by mixer-compile --------------===//
//
// The runtime's command line. It deliberately depends on neither MLIR nor
// LLVM: a compiled model must run where no compiler is installed. Loading and
// running model.so needs the C runtime; until this build has it, the tool
// checks its arguments, says so and exits non-zero.
//
//===----------------------------------------------------------------------===//

#include <cstdio>
#include <cstring>
#include <string>

static const char *const kUsage =
    "OVERVIEW: run a model compiled by mixer-compile\n"
    "\n"
    "USAGE: mixer-run model.so [options]\n"
    "\n"
    "OPTIONS:\n"
    "  --input NAME=FILE.npy   an input (repeatable); random ones otherwise\n"
    "  --output-dir DIR        write DIR/<output>.npy for every output\n"
    "  --benchmark N           time N runs, print min/p50/p90 latency\n"
    "  --compare DIR           compare outputs with DIR/<output>.npy\n"
    "  --rtol X, --atol X      tolerances for --compare\n"
    "  --threads N             worker threads\n"
    "  --help                  this text\n";

int main(int argc, char **argv) {
  std::string model;
  for (int i = 1; i < argc; ++i) {
    const char *arg = argv[i];
    if (!std::strcmp(arg, "--help") || !std::strcmp(arg, "-h")) {
      std::fputs(kUsage, stdout);
      return 0;
    }
    bool takesValue =
        !std::strcmp(arg, "--input") || !std::strcmp(arg, "--output-dir") ||
        !std::strcmp(arg, "--benchmark") || !std::strcmp(arg, "--compare") ||
        !std::strcmp(arg, "--rtol") || !std::strcmp(arg, "--atol") ||
        !std::strcmp(arg, "--threads");
    if (takesValue) {
      if (i + 1 == argc) {
        std::fprintf(stderr, "mixer-run: error: %s needs a value\n", arg);
        return 2;
      }
      ++i;
      continue;
    }
    if (arg[0] == '-') {
      std::fprintf(stderr, "mixer-run: error: unknown option '%s' (see --help)\n",
                   arg);
      return 2;
    }
    if (!model.empty()) {
      std::fprintf(stderr, "mixer-run: error: more than one model given\n");
      return 2;
    }
    model = arg;
  }
  if (model.empty()) {
    std::fprintf(stderr, "mixer-run: error: no model given (see --help)\n");
    return 2;
  }
  std::fprintf(stderr,
               "mixer-run: error: this build cannot load '%s' yet: the C "
               "runtime is still to land (see docs/Roadmap.md)\n",
               model.c_str());
  return 1;
}

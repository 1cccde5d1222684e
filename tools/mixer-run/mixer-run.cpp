//===- mixer-run.cpp - Run a model compiled by mixer-compile --------------===//
//
// The runtime's command line: load model.so through libMixerRuntime, feed it
// .npy inputs (or reproducible random ones), then summarize, print, save,
// compare and time its outputs. It deliberately depends on neither MLIR nor
// LLVM: a compiled model must run where no compiler is installed.
//
// Exit status: 0 on success, 1 when anything fails (the model, a file, a
// comparison), 2 for a bad command line.
//
//===----------------------------------------------------------------------===//

#include "Npy.h"
#include "Values.h"

#include "mixer/runtime/mixer_runtime.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <set>
#include <string>
#include <utility>
#include <vector>

using namespace mixer::run;
using mixer::runtime::ModelPtr;
using mixer::runtime::TensorPtr;

static const char *const kUsage =
    "OVERVIEW: run a model compiled by mixer-compile\n"
    "\n"
    "USAGE: mixer-run model.so [options]\n"
    "\n"
    "OPTIONS:\n"
    "  --input NAME=FILE.npy   an input (repeatable; NAME has no '='). Inputs\n"
    "                          not given get reproducible random values:\n"
    "                          floats in [-1, 1), integers in [0, 16),\n"
    "                          booleans 0 or 1\n"
    "  --dynamic-dim N         size of every dynamic dimension of a random\n"
    "                          input (default 1)\n"
    "  --output-dir DIR        write DIR/<output>.npy for every output; bytes\n"
    "                          of the name other than [A-Za-z0-9._-], and a\n"
    "                          leading '.', become '_' (bf16 is written as\n"
    "                          float32)\n"
    "  --print                 print every output's values, flattened\n"
    "  --compare DIR           compare every output with DIR/<output>.npy:\n"
    "                          equal shapes, and elementwise\n"
    "                          |out - ref| <= atol + rtol * |ref| or both NaN\n"
    "  --rtol X, --atol X      tolerances for --compare (default 1e-4 each)\n"
    "  --benchmark N           after one warm-up run, time N runs and print\n"
    "                          latency_ms min, p50 and p90\n"
    "  --threads N             worker threads of the model\n"
    "  --report                after the run, what the compiler's rewrites\n"
    "                          did for these inputs (--remove-padding: valid\n"
    "                          vs padded tokens, FLOPs run vs padded)\n"
    "  --help                  this text\n"
    "\n"
    "For every output, prints 'NAME: DTYPE [SHAPE] min=... max=... mean=...'.\n"
    "Exit status: 0 on success, 1 on any failure (including a --compare\n"
    "mismatch), 2 for a bad command line.\n";


namespace {

struct Options {
  std::string model;
  std::vector<std::pair<std::string, std::string>> inputs; ///< name, file
  std::string outputDir;
  std::string compareDir;
  double rtol = 1e-4;
  double atol = 1e-4;
  int64_t benchmarkRuns = 0;
  int64_t threads = 0; ///< 0: the model's default
  int64_t dynamicDim = 1;
  bool print = false;
  bool report = false;
};

int fail(const std::string &message) {
  std::fflush(stdout); // keep the report in order when both go to one file
  std::fprintf(stderr, "mixer-run: error: %s\n", message.c_str());
  return 1;
}

int usageError(const std::string &message) {
  fail(message);
  return 2;
}

//===----------------------------------------------------------------------===//
// Command line
//===----------------------------------------------------------------------===//

bool parseInteger(const char *text, int64_t min, int64_t max, int64_t &value) {
  char *end;
  errno = 0;
  long long parsed = std::strtoll(text, &end, 10);
  if (!*text || *end || errno || parsed < min || parsed > max)
    return false;
  value = parsed;
  return true;
}

bool parseTolerance(const char *text, double &value) {
  char *end;
  double parsed = std::strtod(text, &end);
  if (!*text || *end || !std::isfinite(parsed) || parsed < 0)
    return false;
  value = parsed;
  return true;
}

/// Applies option `option` with `value`; returns a usage error message, or
/// "" when it is fine.
std::string applyOption(const std::string &option, const char *value,
                        Options &options) {
  auto integer = [&](int64_t min, int64_t &field) -> std::string {
    if (parseInteger(value, min, INT32_MAX, field))
      return "";
    return option + " needs an integer in [" + std::to_string(min) + ", " +
           std::to_string(INT32_MAX) + "], got '" + value + "'";
  };
  auto tolerance = [&](double &field) -> std::string {
    if (parseTolerance(value, field))
      return "";
    return option + " needs a finite number >= 0, got '" + value + "'";
  };
  if (option == "--input") {
    const char *equals = std::strchr(value, '=');
    if (!equals || equals == value || !equals[1])
      return "--input needs NAME=FILE.npy, got '" + std::string(value) + "'";
    options.inputs.emplace_back(std::string(value, equals), equals + 1);
  } else if (option == "--output-dir") {
    options.outputDir = value;
  } else if (option == "--compare") {
    options.compareDir = value;
  } else if (option == "--rtol") {
    return tolerance(options.rtol);
  } else if (option == "--atol") {
    return tolerance(options.atol);
  } else if (option == "--benchmark") {
    return integer(1, options.benchmarkRuns);
  } else if (option == "--threads") {
    return integer(1, options.threads);
  } else if (option == "--dynamic-dim") {
    return integer(0, options.dynamicDim);
  }
  return "";
}

/// Parses the command line into `options`. Returns -1 to go on, otherwise
/// the exit status (0 after --help, 2 after a usage error).
int parseCommandLine(int argc, char **argv, Options &options) {
  static const char *const kValueOptions[] = {
      "--input", "--output-dir", "--benchmark", "--compare",
      "--rtol",  "--atol",       "--threads",   "--dynamic-dim"};
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "--print" || arg == "--report") {
      (arg == "--print" ? options.print : options.report) = true;
      continue;
    }
    if (std::find(std::begin(kValueOptions), std::end(kValueOptions), arg) !=
        std::end(kValueOptions)) {
      if (i + 1 == argc)
        return usageError(arg + " needs a value");
      std::string problem = applyOption(arg, argv[++i], options);
      if (!problem.empty())
        return usageError(problem);
      continue;
    }
    if (arg[0] == '-')
      return usageError("unknown option '" + arg + "' (see --help)");
    if (!options.model.empty())
      return usageError("more than one model given");
    options.model = arg;
  }
  if (options.model.empty())
    return usageError("no model given (see --help)");
  return -1;
}

//===----------------------------------------------------------------------===//
// Inputs and outputs
//===----------------------------------------------------------------------===//

mixer_tensor_info inputInfo(const mixer_model &model, size_t index) {
  mixer_tensor_info info;
  mixer_model_input_info(&model, index, &info);
  return info;
}

mixer_tensor_info outputInfo(const mixer_model &model, size_t index) {
  mixer_tensor_info info;
  mixer_model_output_info(&model, index, &info);
  return info;
}

/// The file name that holds output `name`: "<name>.npy" with unsafe bytes
/// replaced by '_'.
std::string outputFileName(const std::string &name) {
  std::string file = name;
  for (char &c : file)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' &&
        c != '-')
      c = '_';
  if (file[0] == '.')
    file[0] = '_';
  return file + ".npy";
}

/// The file names of every output; fails when two outputs share one.
bool outputFileNames(const mixer_model &model, std::vector<std::string> &files,
                     std::string &error) {
  std::set<std::string> seen;
  for (size_t i = 0, e = mixer_model_num_outputs(&model); i < e; ++i) {
    files.push_back(outputFileName(outputInfo(model, i).name));
    if (!seen.insert(files.back()).second) {
      error = "two outputs would be written to the same file '" + files.back() +
              "'";
      return false;
    }
  }
  return true;
}

/// Reads the --input file of input `index` and fits its dtype to the model.
bool readInput(const mixer_model &model, size_t index, const std::string &file,
               TensorPtr &tensor, std::string &error) {
  if (!readNpy(file, tensor, error))
    return false;
  mixer_tensor_info info = inputInfo(model, index);
  mixer_dtype dtype = mixer_tensor_dtype(tensor.get());
  if (info.dtype == MIXER_DTYPE_BF16 && dtype == MIXER_DTYPE_F32) {
    tensor = roundToBF16(*tensor);
    if (!tensor)
      error = file + ": out of memory";
    return static_cast<bool>(tensor);
  }
  if (dtype != info.dtype) {
    error = file + " holds " + mixer_dtype_name(dtype) + ", input '" +
            info.name + "' needs " + mixer_dtype_name(info.dtype);
    return false;
  }
  return true;
}

/// Builds every input in signature order: from --input files, else random.
bool prepareInputs(const mixer_model &model, const Options &options,
                   std::vector<TensorPtr> &inputs, std::string &error) {
  inputs.resize(mixer_model_num_inputs(&model));
  for (const auto &[name, file] : options.inputs) {
    size_t index;
    if (mixer_model_find_input(&model, name.c_str(), &index)) {
      error = "--input " + name + "=" + file + ": " + mixer_last_error();
      return false;
    }
    if (inputs[index]) {
      error = "input '" + name + "' is given twice";
      return false;
    }
    if (!readInput(model, index, file, inputs[index], error))
      return false;
  }
  Random random(kRandomSeed);
  for (size_t i = 0; i < inputs.size(); ++i)
    if (!inputs[i] &&
        !randomInput(model, i, options.dynamicDim, random, inputs[i], error))
      return false;
  return true;
}

//===----------------------------------------------------------------------===//
// Reporting
//===----------------------------------------------------------------------===//

std::string formatNumber(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", value);
  return text;
}

std::string shapeOf(const mixer_tensor &tensor) {
  return formatShape(mixer_tensor_rank(&tensor), mixer_tensor_shape(&tensor));
}

void printSummary(const char *name, const mixer_tensor &output) {
  std::printf("%s: %s %s", name, mixer_dtype_name(mixer_tensor_dtype(&output)),
              shapeOf(output).c_str());
  if (mixer_tensor_num_elements(&output)) {
    Summary summary = summarize(output);
    std::printf(" min=%g max=%g mean=%g", summary.min, summary.max,
                summary.mean);
    if (summary.numNaN)
      std::printf(" nan=%zu", summary.numNaN);
  }
  std::printf("\n");
}

void printValues(const char *name, const mixer_tensor &output) {
  std::string text = std::string(name) + " = [";
  for (size_t i = 0, e = mixer_tensor_num_elements(&output); i < e; ++i)
    text += (i ? ", " : "") + formatElement(output, i);
  std::printf("%s]\n", text.c_str());
}

bool writeOutputs(const std::vector<TensorPtr> &outputs,
                  const std::vector<std::string> &files, const std::string &dir,
                  std::string &error) {
  for (size_t i = 0; i < outputs.size(); ++i)
    if (!writeNpy(dir + "/" + files[i], *outputs[i], error))
      return false;
  return true;
}

/// "[1, 2]" for flat index 6 of shape [2, 4].
std::string formatIndex(const mixer_tensor &tensor, size_t flat) {
  size_t rank = mixer_tensor_rank(&tensor);
  std::vector<int64_t> index(rank);
  for (size_t d = rank; d-- > 0;) {
    auto size = static_cast<size_t>(mixer_tensor_shape(&tensor)[d]);
    index[d] = static_cast<int64_t>(flat % size);
    flat /= size;
  }
  return formatShape(rank, index.data());
}

/// Compares output `name` with the reference in `file`; false with `error`
/// set on a mismatch or an unreadable reference.
bool compareOutput(const char *name, const mixer_tensor &output,
                   const std::string &file, const Options &options,
                   std::string &error) {
  TensorPtr reference;
  if (!readNpy(file, reference, error))
    return false;
  if (shapeOf(output) != shapeOf(*reference)) {
    error = std::string("output '") + name + "' has shape " + shapeOf(output) +
            ", " + file + " has " + shapeOf(*reference);
    return false;
  }
  Comparison result = compare(output, *reference, options.rtol, options.atol);
  std::printf("compare %s: max_abs=%g max_rel=%g min_cosine=%.6f "
              "mismatches=%zu/%zu %s\n",
              name, result.maxAbsError, result.maxRelError, result.minCosine,
              result.numMismatches, mixer_tensor_num_elements(&output),
              result.numMismatches ? "FAIL" : "ok");
  if (!result.numMismatches)
    return true;
  size_t at = result.firstMismatch;
  double bound =
      options.atol + options.rtol * std::fabs(elementAsDouble(*reference, at));
  error = std::string("output '") + name + "' differs from " + file +
          " at index " + formatIndex(output, at) + ": got " +
          formatElement(output, at) + ", expected " +
          formatElement(*reference, at) + ", more than atol + rtol * " +
          "|expected| = " + formatNumber(bound);
  return false;
}

/// Times `runs` runs and prints their latency percentiles.
bool benchmark(mixer_model &model, const std::vector<TensorPtr> &inputs,
               int64_t runs, std::string &error) {
  std::vector<double> milliseconds;
  std::vector<TensorPtr> outputs;
  for (int64_t i = 0; i < runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    if (!runModel(model, inputs, outputs, error))
      return false;
    std::chrono::duration<double, std::milli> elapsed =
        std::chrono::steady_clock::now() - start;
    milliseconds.push_back(elapsed.count());
    outputs.clear();
  }
  std::sort(milliseconds.begin(), milliseconds.end());
  auto percentile = [&](double p) {
    auto rank = static_cast<size_t>(
        std::ceil(p * static_cast<double>(milliseconds.size())));
    return milliseconds[std::max<size_t>(rank, 1) - 1];
  };
  std::printf("latency_ms min=%.3f p50=%.3f p90=%.3f runs=%zu\n",
              milliseconds.front(), percentile(0.5), percentile(0.9),
              milliseconds.size());
  return true;
}

/// The "key=value" lines of the model's report info.
std::vector<std::pair<std::string, std::string>>
reportInfo(const mixer_model &model) {
  std::vector<std::pair<std::string, std::string>> entries;
  const char *text = mixer_model_report_info(&model);
  while (*text) {
    const char *end = std::strchr(text, '\n');
    std::string line = end ? std::string(text, end) : std::string(text);
    size_t equals = line.find('=');
    if (equals != std::string::npos)
      entries.emplace_back(line.substr(0, equals), line.substr(equals + 1));
    text = end ? end + 1 : text + line.size();
  }
  return entries;
}

/// --report: what the rewrites did for these inputs. For --remove-padding,
/// the valid tokens of the mask input and the FLOPs of the token-wise
/// contractions and of attention, padded (what the padded model computes)
/// against run (what this model computes).
bool printReport(const mixer_model &model, const std::vector<TensorPtr> &inputs,
                 std::string &error) {
  std::string mask;
  double tokenFlops = 0, pairFlops = 0;
  bool causal = false;
  for (auto &[key, value] : reportInfo(model)) {
    if (key == "padding_mask")
      mask = value;
    else if (key == "padding_token_flops")
      tokenFlops = std::strtod(value.c_str(), nullptr);
    else if (key == "padding_pair_flops")
      pairFlops = std::strtod(value.c_str(), nullptr);
    else if (key == "padding_causal")
      causal = value == "1";
  }
  if (mask.empty()) {
    std::printf("report: no rewrite of this model reports on runs\n");
    return true;
  }
  size_t index;
  if (mixer_model_find_input(&model, mask.c_str(), &index)) {
    error = std::string("--report: ") + mixer_last_error();
    return false;
  }
  const mixer_tensor &m = *inputs[index];
  const int64_t *shape = mixer_tensor_shape(&m);
  if (mixer_tensor_rank(&m) != 2) {
    error = "--report: the padding mask '" + mask + "' is not [batch, seq]";
    return false;
  }
  int64_t batch = shape[0], seq = shape[1], valid = 0;
  double pairsRun = 0, pairsPadded = 0;
  auto pairs = [&](double n) { return causal ? n * (n + 1) / 2 : n * n; };
  for (int64_t b = 0; b < batch; ++b) {
    int64_t row = 0;
    for (int64_t s = 0; s < seq; ++s)
      row += elementAsDouble(m, static_cast<size_t>(b * seq + s)) != 0.0;
    valid += row;
    pairsRun += pairs(static_cast<double>(row));
    pairsPadded += pairs(static_cast<double>(seq));
  }
  double padded = tokenFlops * static_cast<double>(batch * seq) +
                  pairFlops * pairsPadded;
  double run = tokenFlops * static_cast<double>(valid) + pairFlops * pairsRun;
  std::printf("report: padding removal (mask '%s' %s): %lld of %lld tokens "
              "valid (%.1f%%), %lld padding tokens skipped\n",
              mask.c_str(), shapeOf(m).c_str(), static_cast<long long>(valid),
              static_cast<long long>(batch * seq),
              batch * seq ? 100.0 * static_cast<double>(valid) /
                                static_cast<double>(batch * seq)
                          : 0.0,
              static_cast<long long>(batch * seq - valid));
  std::printf("report: FLOPs (contractions and attention): %.4g run, %.4g "
              "padded: %.4g saved (%.1f%%)\n",
              run, padded, padded - run,
              padded > 0 ? 100.0 * (padded - run) / padded : 0.0);
  return true;
}

} // namespace

int main(int argc, char **argv) {
  Options options;
  if (int status = parseCommandLine(argc, argv, options); status >= 0)
    return status;

  mixer_model *loaded = nullptr;
  if (mixer_model_load(options.model.c_str(), &loaded))
    return fail(mixer_last_error());
  ModelPtr model(loaded);
  if (options.threads &&
      mixer_model_set_num_threads(model.get(),
                                  static_cast<int32_t>(options.threads)))
    return fail(mixer_last_error());

  std::string error;
  std::vector<std::string> files;
  std::vector<TensorPtr> inputs, outputs;
  if (!outputFileNames(*model, files, error) ||
      !prepareInputs(*model, options, inputs, error) ||
      !runModel(*model, inputs, outputs, error))
    return fail(error);

  for (size_t i = 0; i < outputs.size(); ++i) {
    const char *name = outputInfo(*model, i).name;
    printSummary(name, *outputs[i]);
    if (options.print)
      printValues(name, *outputs[i]);
  }
  if (!options.outputDir.empty() &&
      !writeOutputs(outputs, files, options.outputDir, error))
    return fail(error);

  int status = 0;
  if (!options.compareDir.empty())
    for (size_t i = 0; i < outputs.size(); ++i)
      if (!compareOutput(outputInfo(*model, i).name, *outputs[i],
                         options.compareDir + "/" + files[i], options, error))
        status = fail(error);

  if (options.report && !printReport(*model, inputs, error))
    return fail(error);
  if (options.benchmarkRuns &&
      !benchmark(*model, inputs, options.benchmarkRuns, error))
    return fail(error);
  return status;
}

//===- Values.h - Element-wise work on runtime tensors ----------*- C++ -*-===//
//
// What mixer-run does with the numbers in a tensor: read them as doubles,
// print them, fill inputs with reproducible random values, summarize
// outputs, and compare them with references.
//
//===----------------------------------------------------------------------===//

#ifndef MIXER_TOOLS_MIXER_RUN_VALUES_H
#define MIXER_TOOLS_MIXER_RUN_VALUES_H

#include "mixer/runtime/mixer_runtime.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mixer::run {

/// True for f16, bf16, f32 and f64.
bool isFloat(mixer_dtype dtype);

/// Element `index` (row-major) of `tensor`, widened to double.
double elementAsDouble(const mixer_tensor &tensor, size_t index);

/// Element `index` of `tensor` as text: integers exactly, floats with enough
/// digits to read back.
std::string formatElement(const mixer_tensor &tensor, size_t index);

/// "[2, 4]".
std::string formatShape(size_t rank, const int64_t *shape);

/// A bf16 copy of the f32 `tensor`, rounded to nearest even; null when out
/// of memory.
runtime::TensorPtr roundToBF16(const mixer_tensor &tensor);

/// An f32 copy of the bf16 `tensor` (exact); null when out of memory.
runtime::TensorPtr widenBF16(const mixer_tensor &tensor);

/// splitmix64: a small generator whose sequence is the same everywhere.
class Random {
public:
  explicit Random(uint64_t seed) : state(seed) {}
  uint64_t next();
  /// Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1p-53; }

private:
  uint64_t state;
};

/// Fills `tensor`: floats uniform in [-1, 1), integers in [0, 16) (small
/// enough to index any embedding table), booleans 0 or 1.
void fillRandom(mixer_tensor &tensor, Random &random);

/// Where all reproducible random inputs start (mixer-run, and
/// mixer-compile --report).
constexpr uint64_t kRandomSeed = 0x6d69786572; // "mixer"

/// A random tensor for input `index` of `model`, every dynamic dimension set
/// to `dynamicDim`. Fails with `error` when it cannot be allocated.
bool randomInput(const mixer_model &model, size_t index, int64_t dynamicDim,
                 Random &random, runtime::TensorPtr &tensor,
                 std::string &error);

/// Runs `model` once; `outputs` gets one tensor per model output.
bool runModel(mixer_model &model, const std::vector<runtime::TensorPtr> &inputs,
              std::vector<runtime::TensorPtr> &outputs, std::string &error);

/// min, max and mean over the elements that are not NaN.
struct Summary {
  double min = 0, max = 0, mean = 0;
  size_t numNaN = 0;
};
Summary summarize(const mixer_tensor &tensor);

/// The outcome of comparing an output `a` with a reference `b` elementwise:
/// they match where a == b, both are NaN, or |a - b| <= atol + rtol * |b|.
struct Comparison {
  double maxAbsError = 0; ///< over elements where both are finite
  double maxRelError = 0; ///< |a - b| / |b| over the same, b != 0
  size_t numMismatches = 0;
  size_t firstMismatch = 0; ///< flat index, when numMismatches > 0
  /// Cosine similarity of `actual` and `expected` per row of dim 0 (per
  /// batch element: an embedding, a row of logits), over the finite
  /// elements; one row for rank < 2. Rows of zeros in both count as 1.
  double minCosine = 1, meanCosine = 1;
  size_t rows = 1;
};
Comparison compare(const mixer_tensor &actual, const mixer_tensor &expected,
                   double rtol, double atol);

} // namespace mixer::run

#endif // MIXER_TOOLS_MIXER_RUN_VALUES_H

//===- Values.cpp - Element-wise work on runtime tensors ------------------===//
//
// Every loop here dispatches on the dtype once per element through
// elementAsDouble or once per tensor through visitElements; mixer-run's own
// work is small next to a model's, so simplicity wins over speed.
//
//===----------------------------------------------------------------------===//

#include "Values.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <type_traits>

using namespace mixer::run;
using mixer::runtime::TensorPtr;

namespace {

float bf16ToFloat(uint16_t bits) {
  uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float value;
  std::memcpy(&value, &wide, sizeof(value));
  return value;
}

uint16_t floatToBF16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  if (std::isnan(value))
    return static_cast<uint16_t>((bits >> 16) | 0x40); // stay a quiet NaN
  bits += 0x7fff + ((bits >> 16) & 1);                 // round to nearest even
  return static_cast<uint16_t>(bits >> 16);
}

template <typename T> T *elements(const mixer_tensor &tensor) {
  return static_cast<T *>(mixer_tensor_data(&tensor));
}

/// Calls `visit(T *data)` with the data of `tensor` typed by its dtype; bf16
/// arrives as uint16_t and bool as uint8_t.
template <typename Visitor>
void visitElements(const mixer_tensor &tensor, Visitor &&visit) {
  switch (mixer_tensor_dtype(&tensor)) {
  case MIXER_DTYPE_F32:
    return visit(elements<float>(tensor));
  case MIXER_DTYPE_F64:
    return visit(elements<double>(tensor));
  case MIXER_DTYPE_F16:
    return visit(elements<_Float16>(tensor));
  case MIXER_DTYPE_BF16:
  case MIXER_DTYPE_U16:
    return visit(elements<uint16_t>(tensor));
  case MIXER_DTYPE_I8:
    return visit(elements<int8_t>(tensor));
  case MIXER_DTYPE_I16:
    return visit(elements<int16_t>(tensor));
  case MIXER_DTYPE_I32:
    return visit(elements<int32_t>(tensor));
  case MIXER_DTYPE_I64:
    return visit(elements<int64_t>(tensor));
  case MIXER_DTYPE_U8:
  case MIXER_DTYPE_BOOL:
    return visit(elements<uint8_t>(tensor));
  case MIXER_DTYPE_U32:
    return visit(elements<uint32_t>(tensor));
  case MIXER_DTYPE_U64:
    return visit(elements<uint64_t>(tensor));
  }
}

/// A tensor of `dtype` shaped like `tensor`, or null.
TensorPtr makeLike(const mixer_tensor &tensor, mixer_dtype dtype) {
  mixer_tensor *copy = nullptr;
  mixer_tensor_create(dtype, mixer_tensor_rank(&tensor),
                      mixer_tensor_shape(&tensor), &copy);
  return TensorPtr(copy);
}

} // namespace

bool mixer::run::isFloat(mixer_dtype dtype) {
  return dtype == MIXER_DTYPE_F16 || dtype == MIXER_DTYPE_BF16 ||
         dtype == MIXER_DTYPE_F32 || dtype == MIXER_DTYPE_F64;
}

double mixer::run::elementAsDouble(const mixer_tensor &tensor, size_t index) {
  if (mixer_tensor_dtype(&tensor) == MIXER_DTYPE_BF16)
    return bf16ToFloat(elements<uint16_t>(tensor)[index]);
  double value = 0;
  visitElements(tensor,
                [&](auto *data) { value = static_cast<double>(data[index]); });
  return value;
}

std::string mixer::run::formatElement(const mixer_tensor &tensor,
                                      size_t index) {
  char text[64];
  mixer_dtype dtype = mixer_tensor_dtype(&tensor);
  if (dtype == MIXER_DTYPE_BOOL)
    return elements<uint8_t>(tensor)[index] ? "true" : "false";
  if (isFloat(dtype))
    std::snprintf(text, sizeof(text),
                  dtype == MIXER_DTYPE_F64 ? "%.17g" : "%.9g",
                  elementAsDouble(tensor, index));
  else if (dtype == MIXER_DTYPE_U64)
    std::snprintf(text, sizeof(text), "%" PRIu64,
                  elements<uint64_t>(tensor)[index]);
  else
    visitElements(tensor, [&](auto *data) {
      std::snprintf(text, sizeof(text), "%" PRId64,
                    static_cast<int64_t>(data[index]));
    });
  return text;
}

std::string mixer::run::formatShape(size_t rank, const int64_t *shape) {
  std::string text = "[";
  for (size_t i = 0; i < rank; ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

TensorPtr mixer::run::roundToBF16(const mixer_tensor &tensor) {
  TensorPtr copy = makeLike(tensor, MIXER_DTYPE_BF16);
  if (copy)
    for (size_t i = 0, e = mixer_tensor_num_elements(&tensor); i < e; ++i)
      elements<uint16_t>(*copy)[i] = floatToBF16(elements<float>(tensor)[i]);
  return copy;
}

TensorPtr mixer::run::widenBF16(const mixer_tensor &tensor) {
  TensorPtr copy = makeLike(tensor, MIXER_DTYPE_F32);
  if (copy)
    for (size_t i = 0, e = mixer_tensor_num_elements(&tensor); i < e; ++i)
      elements<float>(*copy)[i] = bf16ToFloat(elements<uint16_t>(tensor)[i]);
  return copy;
}

uint64_t Random::next() {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void mixer::run::fillRandom(mixer_tensor &tensor, Random &random) {
  mixer_dtype dtype = mixer_tensor_dtype(&tensor);
  size_t count = mixer_tensor_num_elements(&tensor);
  if (dtype == MIXER_DTYPE_BF16) {
    for (size_t i = 0; i < count; ++i)
      elements<uint16_t>(tensor)[i] =
          floatToBF16(static_cast<float>(2 * random.uniform() - 1));
    return;
  }
  visitElements(tensor, [&](auto *data) {
    using T = std::remove_pointer_t<decltype(data)>;
    for (size_t i = 0; i < count; ++i) {
      if (isFloat(dtype))
        data[i] = static_cast<T>(2 * random.uniform() - 1);
      else
        data[i] = static_cast<T>(random.next() %
                                 (dtype == MIXER_DTYPE_BOOL ? 2 : 16));
    }
  });
}

Summary mixer::run::summarize(const mixer_tensor &tensor) {
  Summary summary;
  double sum = 0;
  size_t counted = 0;
  for (size_t i = 0, e = mixer_tensor_num_elements(&tensor); i < e; ++i) {
    double value = elementAsDouble(tensor, i);
    if (std::isnan(value)) {
      ++summary.numNaN;
      continue;
    }
    summary.min = counted ? std::fmin(summary.min, value) : value;
    summary.max = counted ? std::fmax(summary.max, value) : value;
    sum += value;
    ++counted;
  }
  summary.mean = counted ? sum / static_cast<double>(counted) : 0;
  return summary;
}

Comparison mixer::run::compare(const mixer_tensor &actual,
                               const mixer_tensor &expected, double rtol,
                               double atol) {
  Comparison result;
  size_t n = mixer_tensor_num_elements(&actual);
  size_t rank = mixer_tensor_rank(&expected);
  result.rows = rank >= 2 ? static_cast<size_t>(mixer_tensor_shape(&expected)[0])
                          : 1;
  size_t rowSize = result.rows ? n / result.rows : 0;
  double sumCosine = 0;
  for (size_t r = 0; r < result.rows; ++r) {
    double dot = 0, normA = 0, normB = 0;
    for (size_t i = r * rowSize; i < (r + 1) * rowSize; ++i) {
      double a = elementAsDouble(actual, i), b = elementAsDouble(expected, i);
      if (std::isfinite(a) && std::isfinite(b))
        dot += a * b, normA += a * a, normB += b * b;
    }
    double cosine = normA > 0 && normB > 0 ? dot / std::sqrt(normA * normB)
                    : normA == normB        ? 1.0
                                            : 0.0;
    result.minCosine = r ? std::fmin(result.minCosine, cosine) : cosine;
    sumCosine += cosine;
  }
  if (result.rows)
    result.meanCosine = sumCosine / static_cast<double>(result.rows);
  for (size_t i = 0; i < n; ++i) {
    double a = elementAsDouble(actual, i), b = elementAsDouble(expected, i);
    if (a == b || (std::isnan(a) && std::isnan(b)))
      continue;
    double error = std::fabs(a - b);
    if (std::isfinite(error)) {
      result.maxAbsError = std::fmax(result.maxAbsError, error);
      if (b != 0)
        result.maxRelError =
            std::fmax(result.maxRelError, error / std::fabs(b));
    }
    if (error <= atol + rtol * std::fabs(b))
      continue;
    if (!result.numMismatches++)
      result.firstMismatch = i;
  }
  return result;
}

bool mixer::run::randomInput(const mixer_model &model, size_t index,
                             int64_t dynamicDim, Random &random,
                             runtime::TensorPtr &tensor, std::string &error) {
  mixer_tensor_info info;
  mixer_model_input_info(&model, index, &info);
  std::vector<int64_t> shape(info.shape, info.shape + info.rank);
  for (int64_t &dim : shape)
    if (dim < 0)
      dim = dynamicDim;
  mixer_tensor *created = nullptr;
  if (mixer_tensor_create(info.dtype, info.rank, shape.data(), &created)) {
    error = std::string("input '") + info.name + "': " + mixer_last_error();
    return false;
  }
  tensor.reset(created);
  fillRandom(*tensor, random);
  return true;
}

bool mixer::run::runModel(mixer_model &model,
                          const std::vector<runtime::TensorPtr> &inputs,
                          std::vector<runtime::TensorPtr> &outputs,
                          std::string &error) {
  std::vector<mixer_tensor *> rawInputs;
  for (const runtime::TensorPtr &input : inputs)
    rawInputs.push_back(input.get());
  std::vector<mixer_tensor *> rawOutputs(mixer_model_num_outputs(&model));
  if (mixer_model_run(&model, rawInputs.data(), rawInputs.size(),
                      rawOutputs.data(), rawOutputs.size())) {
    error = mixer_last_error();
    return false;
  }
  outputs.clear();
  for (mixer_tensor *output : rawOutputs)
    outputs.emplace_back(output);
  return true;
}

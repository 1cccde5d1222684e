//===- Tensor.cpp - Element types and tensors of the C runtime ------------===//
//
// A tensor is a shape plus a pointer to dense row-major data and a note of
// who frees the data: the runtime (mixer_tensor_create), nobody (wrapped
// caller memory), or the model that produced it (an output of a run).
//
//===----------------------------------------------------------------------===//

#include "Runtime.h"

#include <cinttypes>
#include <cstdlib>
#include <cstring>

using namespace mixer::runtime;

/// Runtime-owned data is aligned for the widest vector loads.
static constexpr size_t kAlignment = 64;

//===----------------------------------------------------------------------===//
// Element types
//===----------------------------------------------------------------------===//

size_t mixer::runtime::dtypeSize(int64_t code) {
  switch (code) {
  case MIXER_DTYPE_U8:
  case MIXER_DTYPE_I8:
  case MIXER_DTYPE_BOOL:
    return 1;
  case MIXER_DTYPE_U16:
  case MIXER_DTYPE_I16:
  case MIXER_DTYPE_F16:
  case MIXER_DTYPE_BF16:
    return 2;
  case MIXER_DTYPE_F32:
  case MIXER_DTYPE_I32:
  case MIXER_DTYPE_U32:
    return 4;
  case MIXER_DTYPE_I64:
  case MIXER_DTYPE_F64:
  case MIXER_DTYPE_U64:
    return 8;
  default:
    return 0;
  }
}

extern "C" size_t mixer_dtype_size(mixer_dtype dtype) {
  return dtypeSize(dtype);
}

extern "C" const char *mixer_dtype_name(mixer_dtype dtype) {
  switch (static_cast<int64_t>(dtype)) {
  case MIXER_DTYPE_F32:
    return "f32";
  case MIXER_DTYPE_U8:
    return "u8";
  case MIXER_DTYPE_I8:
    return "i8";
  case MIXER_DTYPE_U16:
    return "u16";
  case MIXER_DTYPE_I16:
    return "i16";
  case MIXER_DTYPE_I32:
    return "i32";
  case MIXER_DTYPE_I64:
    return "i64";
  case MIXER_DTYPE_BOOL:
    return "bool";
  case MIXER_DTYPE_F16:
    return "f16";
  case MIXER_DTYPE_F64:
    return "f64";
  case MIXER_DTYPE_U32:
    return "u32";
  case MIXER_DTYPE_U64:
    return "u64";
  case MIXER_DTYPE_BF16:
    return "bf16";
  default:
    return "unknown";
  }
}

//===----------------------------------------------------------------------===//
// Internals
//===----------------------------------------------------------------------===//

bool mixer::runtime::computeSizes(mixer_dtype dtype, size_t rank,
                                  const int64_t *shape, size_t &numElements,
                                  size_t &byteSize) {
  size_t elements = 1;
  for (size_t i = 0; i < rank; ++i) {
    if (shape[i] < 0 || static_cast<uint64_t>(shape[i]) > SIZE_MAX ||
        __builtin_mul_overflow(elements, static_cast<size_t>(shape[i]),
                               &elements))
      return false;
  }
  if (__builtin_mul_overflow(elements, mixer_dtype_size(dtype), &byteSize))
    return false;
  numElements = elements;
  return true;
}

mixer_tensor *mixer::runtime::allocateTensor(mixer_dtype dtype, size_t rank) {
  auto *tensor =
      static_cast<mixer_tensor *>(std::calloc(1, sizeof(mixer_tensor)));
  if (tensor) {
    tensor->dtype = dtype;
    tensor->rank = rank;
  }
  return tensor;
}

void mixer::runtime::adoptModelBlock(mixer_tensor &tensor, mixer_model &model,
                                     void *block) {
  retainModel(model);
  tensor.model = &model;
  tensor.ownedBlock = block;
}

/// Checks the arguments that mixer_tensor_create and mixer_tensor_wrap share,
/// clears `*out`, and makes `tensor` with its shape and sizes set but no data.
static mixer_status makeTensor(const char *function, mixer_dtype dtype,
                               size_t rank, const int64_t *shape,
                               mixer_tensor **out, mixer_tensor *&tensor) {
  if (!out)
    return fail(MIXER_ERROR_INVALID_ARGUMENT, "%s: out is null", function);
  *out = nullptr;
  if (!mixer_dtype_size(dtype))
    return fail(MIXER_ERROR_INVALID_ARGUMENT, "%s: %d is not a mixer_dtype",
                function, static_cast<int>(dtype));
  if (rank > MIXER_MAX_RANK)
    return fail(MIXER_ERROR_INVALID_ARGUMENT,
                "%s: rank %zu exceeds MIXER_MAX_RANK (%d)", function, rank,
                MIXER_MAX_RANK);
  if (rank && !shape)
    return fail(MIXER_ERROR_INVALID_ARGUMENT, "%s: shape is null for rank %zu",
                function, rank);
  for (size_t i = 0; i < rank; ++i)
    if (shape[i] < 0)
      return fail(MIXER_ERROR_INVALID_ARGUMENT,
                  "%s: dimension %zu is %" PRId64 ", sizes are >= 0", function,
                  i, shape[i]);
  size_t numElements, byteSize;
  if (!computeSizes(dtype, rank, shape, numElements, byteSize))
    return fail(MIXER_ERROR_OUT_OF_MEMORY,
                "%s: the byte size of the shape overflows", function);
  tensor = allocateTensor(dtype, rank);
  if (!tensor)
    return fail(MIXER_ERROR_OUT_OF_MEMORY, "%s: out of memory", function);
  if (rank)
    std::memcpy(tensor->shape, shape, rank * sizeof(int64_t));
  tensor->numElements = numElements;
  tensor->byteSize = byteSize;
  return MIXER_OK;
}

//===----------------------------------------------------------------------===//
// C API
//===----------------------------------------------------------------------===//

extern "C" mixer_status mixer_tensor_create(mixer_dtype dtype, size_t rank,
                                            const int64_t *shape,
                                            mixer_tensor **out) {
  mixer_tensor *tensor;
  if (mixer_status status =
          makeTensor("mixer_tensor_create", dtype, rank, shape, out, tensor))
    return status;
  // aligned_alloc wants a multiple of the alignment, and never 0.
  size_t capacity =
      (tensor->byteSize + kAlignment - 1) / kAlignment * kAlignment;
  if (capacity < tensor->byteSize) {
    std::free(tensor);
    return fail(MIXER_ERROR_OUT_OF_MEMORY,
                "mixer_tensor_create: the byte size of the shape overflows");
  }
  void *data = std::aligned_alloc(kAlignment, capacity ? capacity : kAlignment);
  if (!data) {
    size_t byteSize = tensor->byteSize;
    std::free(tensor);
    return fail(MIXER_ERROR_OUT_OF_MEMORY,
                "mixer_tensor_create: out of memory for %zu bytes", byteSize);
  }
  std::memset(data, 0, tensor->byteSize);
  tensor->data = tensor->ownedBlock = data;
  *out = tensor;
  return MIXER_OK;
}

extern "C" mixer_status mixer_tensor_wrap(mixer_dtype dtype, size_t rank,
                                          const int64_t *shape, void *data,
                                          mixer_tensor **out) {
  mixer_tensor *tensor;
  if (mixer_status status =
          makeTensor("mixer_tensor_wrap", dtype, rank, shape, out, tensor))
    return status;
  if (!data && tensor->numElements) {
    size_t numElements = tensor->numElements;
    std::free(tensor);
    return fail(MIXER_ERROR_INVALID_ARGUMENT,
                "mixer_tensor_wrap: data is null for %zu elements",
                numElements);
  }
  tensor->data = data;
  *out = tensor;
  return MIXER_OK;
}

extern "C" void mixer_tensor_destroy(mixer_tensor *tensor) {
  if (!tensor)
    return;
  if (tensor->model) {
    if (tensor->ownedBlock)
      tensor->model->descriptor->release(tensor->ownedBlock);
    releaseModel(*tensor->model);
  } else {
    std::free(tensor->ownedBlock);
  }
  std::free(tensor);
}

extern "C" mixer_dtype mixer_tensor_dtype(const mixer_tensor *tensor) {
  return tensor ? tensor->dtype : static_cast<mixer_dtype>(0);
}

extern "C" size_t mixer_tensor_rank(const mixer_tensor *tensor) {
  return tensor ? tensor->rank : 0;
}

extern "C" const int64_t *mixer_tensor_shape(const mixer_tensor *tensor) {
  return tensor ? tensor->shape : nullptr;
}

extern "C" void *mixer_tensor_data(const mixer_tensor *tensor) {
  return tensor ? tensor->data : nullptr;
}

extern "C" size_t mixer_tensor_num_elements(const mixer_tensor *tensor) {
  return tensor ? tensor->numElements : 0;
}

extern "C" size_t mixer_tensor_byte_size(const mixer_tensor *tensor) {
  return tensor ? tensor->byteSize : 0;
}

/*===- mixer_runtime.h - Load and run a model compiled by mixer-compile ---===*\
|*                                                                            *|
|* The C API of libMixerRuntime: load a model.so, inspect its signature, make *|
|* tensors, run. It depends on libc and libdl only, so a compiled model runs  *|
|* where no compiler is installed.                                            *|
|*                                                                            *|
|* Every fallible function returns a mixer_status; on failure it leaves its   *|
|* out-parameters NULL (or untouched for plain values) and mixer_last_error() *|
|* says what went wrong in one specific sentence. Functions never abort on    *|
|* bad arguments, and a malformed model.so is refused, never trusted.         *|
|*                                                                            *|
|* Threads: the runtime keeps no global mutable state; the last error is per  *|
|* thread. It does not serialize calls into a model: whether one model may    *|
|* run on several threads at once is the model's business.                    *|
|*                                                                            *|
|* Lifetimes: a model stays mapped until mixer_model_unload() and every       *|
|* output tensor it produced are gone (outputs hold a reference), so outputs  *|
|* may outlive the handle that made them.                                     *|
\*===----------------------------------------------------------------------===*/

#ifndef MIXER_RUNTIME_MIXER_RUNTIME_H
#define MIXER_RUNTIME_MIXER_RUNTIME_H

#include "mixer/runtime/mixer_abi.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(MIXER_RUNTIME_BUILDING)
#define MIXER_RUNTIME_API __attribute__((visibility("default")))
#else
#define MIXER_RUNTIME_API
#endif

/* The largest rank a tensor or a signature entry may have. */
#define MIXER_MAX_RANK 32

/* What a call reports. MIXER_OK is 0; every other value is a failure. */
typedef enum mixer_status {
  MIXER_OK = 0,
  /* A null pointer, a negative size, an index out of range, ... */
  MIXER_ERROR_INVALID_ARGUMENT = 1,
  /* A missing file or a file that dlopen() cannot load. */
  MIXER_ERROR_IO = 2,
  /* A library that is not a model of this ABI: no descriptor, another ABI
   * version, a malformed signature, a null function pointer, or a run that
   * returned outputs contradicting the signature. */
  MIXER_ERROR_ABI = 3,
  /* An input whose rank or static dimensions differ from the signature. */
  MIXER_ERROR_SHAPE = 4,
  /* An input whose element type differs from the signature. */
  MIXER_ERROR_DTYPE = 5,
  /* The model's run function returned non-zero. */
  MIXER_ERROR_RUNTIME = 6,
  /* An allocation failed or a size overflowed. */
  MIXER_ERROR_OUT_OF_MEMORY = 7,
} mixer_status;

/* A loaded model.so. */
typedef struct mixer_model mixer_model;
/* A dense row-major tensor. */
typedef struct mixer_tensor mixer_tensor;

/* One entry of a model's signature. Every pointer stays valid while the model
 * is loaded. */
typedef struct mixer_tensor_info {
  const char *name;     /* the ONNX name, NUL-terminated */
  mixer_dtype dtype;    /* element type */
  size_t rank;          /* number of dimensions, at most MIXER_MAX_RANK */
  const int64_t *shape; /* `rank` sizes; -1 for a dimension fixed at run time */
} mixer_tensor_info;

/*===----------------------------------------------------------------------===*
 * Errors
 *===----------------------------------------------------------------------===*/

/* The message of the last failed call on this thread, e.g. "model.so: ABI
 * version 7, this runtime reads version 1". Successful calls leave it alone;
 * it is "" before the first failure. The pointer stays valid until the next
 * failing call on the same thread. */
MIXER_RUNTIME_API const char *mixer_last_error(void);

/* The enumerator's name ("MIXER_ERROR_ABI"), or "MIXER_ERROR_UNKNOWN". */
MIXER_RUNTIME_API const char *mixer_status_name(mixer_status status);

/*===----------------------------------------------------------------------===*
 * Element types
 *===----------------------------------------------------------------------===*/

/* Bytes per element of `dtype`, or 0 when `dtype` is not a mixer_dtype. */
MIXER_RUNTIME_API size_t mixer_dtype_size(mixer_dtype dtype);

/* A short name: "f32", "f16", "bf16", "f64", "i8" ... "u64", "bool"; or
 * "unknown" when `dtype` is not a mixer_dtype. */
MIXER_RUNTIME_API const char *mixer_dtype_name(mixer_dtype dtype);

/*===----------------------------------------------------------------------===*
 * Models
 *===----------------------------------------------------------------------===*/

/* Loads the model.so at `path` (a path without '/' is taken relative to the
 * working directory, never searched for) and checks its descriptor: the ABI
 * version first, then the function pointers, then the signature text.
 * Errors: INVALID_ARGUMENT (null argument), IO (missing file, dlopen failure),
 * ABI (no descriptor, another version, null function, malformed signature),
 * OUT_OF_MEMORY. Loading the same file twice maps it once: both handles share
 * the model's global state (e.g. its thread count). */
MIXER_RUNTIME_API mixer_status mixer_model_load(const char *path,
                                                mixer_model **out);

/* Drops the handle. The library is unmapped once the output tensors of this
 * model are destroyed too. NULL is a no-op. */
MIXER_RUNTIME_API void mixer_model_unload(mixer_model *model);

/* The number of inputs / outputs in the signature; 0 for a NULL model. */
MIXER_RUNTIME_API size_t mixer_model_num_inputs(const mixer_model *model);
MIXER_RUNTIME_API size_t mixer_model_num_outputs(const mixer_model *model);

/* Fills `*out` with the signature of input / output `index`.
 * Errors: INVALID_ARGUMENT (null argument, index out of range). */
MIXER_RUNTIME_API mixer_status mixer_model_input_info(const mixer_model *model,
                                                      size_t index,
                                                      mixer_tensor_info *out);
MIXER_RUNTIME_API mixer_status mixer_model_output_info(const mixer_model *model,
                                                       size_t index,
                                                       mixer_tensor_info *out);

/* The "key=value" lines the compiler left for reports about a run
 * (MIXER_ABI_REPORT_INFO_SYMBOL in mixer_abi.h), valid while the model is
 * loaded; "" when the model has none (or for a NULL model). */
MIXER_RUNTIME_API const char *mixer_model_report_info(const mixer_model *model);

/* Sets `*index` to the position of the input / output called `name`.
 * Errors: INVALID_ARGUMENT (null argument, no such name; the message lists
 * the model's names). */
MIXER_RUNTIME_API mixer_status mixer_model_find_input(const mixer_model *model,
                                                      const char *name,
                                                      size_t *index);
MIXER_RUNTIME_API mixer_status mixer_model_find_output(const mixer_model *model,
                                                       const char *name,
                                                       size_t *index);

/* Asks the model to use `num_threads` worker threads in later runs. How far
 * the setting reaches is the model's business: a handle shares it with every
 * other handle of the same file, and a model parallelized with OpenMP applies
 * it to runs on the calling thread. Errors: INVALID_ARGUMENT (null model,
 * num_threads < 1). */
MIXER_RUNTIME_API mixer_status mixer_model_set_num_threads(mixer_model *model,
                                                           int32_t num_threads);

/* Runs the model once. `inputs` holds exactly mixer_model_num_inputs()
 * tensors in signature order; each is checked against the signature (dtype,
 * rank, static dimensions) before the model sees it. `outputs` has room for
 * exactly mixer_model_num_outputs() tensors; on success each slot receives a
 * new tensor that the caller destroys with mixer_tensor_destroy() (it owns
 * the model's block and hands it back to the model). On failure every slot is
 * NULL. Errors: INVALID_ARGUMENT (null pointer, wrong count), DTYPE, SHAPE,
 * RUNTIME (the model failed), ABI (the model returned outputs contradicting
 * its signature), OUT_OF_MEMORY. */
MIXER_RUNTIME_API mixer_status mixer_model_run(mixer_model *model,
                                               mixer_tensor *const *inputs,
                                               size_t num_inputs,
                                               mixer_tensor **outputs,
                                               size_t num_outputs);

/*===----------------------------------------------------------------------===*
 * Tensors
 *===----------------------------------------------------------------------===*/

/* Makes a tensor of `rank` dimensions `shape` (each >= 0; `shape` may be NULL
 * when rank is 0) on zeroed, 64-byte aligned memory the runtime owns.
 * Errors: INVALID_ARGUMENT (null out, unknown dtype, rank > MIXER_MAX_RANK,
 * negative dimension), OUT_OF_MEMORY (allocation failure, size overflow). */
MIXER_RUNTIME_API mixer_status mixer_tensor_create(mixer_dtype dtype,
                                                   size_t rank,
                                                   const int64_t *shape,
                                                   mixer_tensor **out);

/* Makes a tensor over the caller's dense row-major `data`, which must outlive
 * the tensor and is never freed by the runtime. `data` may be NULL only when
 * the tensor has no elements. Errors: those of mixer_tensor_create(), and
 * INVALID_ARGUMENT for a null `data`. */
MIXER_RUNTIME_API mixer_status mixer_tensor_wrap(mixer_dtype dtype, size_t rank,
                                                 const int64_t *shape,
                                                 void *data,
                                                 mixer_tensor **out);

/* Frees the tensor and the memory it owns (its own, or a model output's
 * block, which goes back through the model). NULL is a no-op. */
MIXER_RUNTIME_API void mixer_tensor_destroy(mixer_tensor *tensor);

/* Accessors. Each is 0 / NULL for a NULL tensor. */
MIXER_RUNTIME_API mixer_dtype mixer_tensor_dtype(const mixer_tensor *tensor);
MIXER_RUNTIME_API size_t mixer_tensor_rank(const mixer_tensor *tensor);
/* `rank` sizes, valid while the tensor lives. */
MIXER_RUNTIME_API const int64_t *mixer_tensor_shape(const mixer_tensor *tensor);
/* The first element; writable for every tensor. */
MIXER_RUNTIME_API void *mixer_tensor_data(const mixer_tensor *tensor);
MIXER_RUNTIME_API size_t mixer_tensor_num_elements(const mixer_tensor *tensor);
MIXER_RUNTIME_API size_t mixer_tensor_byte_size(const mixer_tensor *tensor);

#ifdef __cplusplus
} /* extern "C" */

/*===----------------------------------------------------------------------===*
 * C++ owners of the handles (header-only)
 *===----------------------------------------------------------------------===*/

#include <memory>

namespace mixer::runtime {
struct ModelDeleter {
  void operator()(mixer_model *model) const { mixer_model_unload(model); }
};
struct TensorDeleter {
  void operator()(mixer_tensor *tensor) const { mixer_tensor_destroy(tensor); }
};
/* Unloads the model when it goes out of scope. */
using ModelPtr = std::unique_ptr<mixer_model, ModelDeleter>;
/* Destroys the tensor when it goes out of scope. */
using TensorPtr = std::unique_ptr<mixer_tensor, TensorDeleter>;
} /* namespace mixer::runtime */
#endif

#endif /* MIXER_RUNTIME_MIXER_RUNTIME_H */

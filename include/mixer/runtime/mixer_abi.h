/*===- mixer_abi.h - The binary interface of a compiled model.so ----------===*\
|*                                                                            *|
|* A model compiled by mixer-compile is a shared library that exports one    *|
|* symbol, MIXER_ABI_DESCRIPTOR_SYMBOL, of type mixer_abi_descriptor. The     *|
|* compiler emits it (lib/Pipelines/EmitModelABI.cpp); the runtime reads it   *|
|* (runtime/). Both include this header, so it is plain C with no dependency. *|
|*                                                                            *|
|* Any change to the layout below bumps MIXER_ABI_VERSION; the runtime        *|
|* refuses a model whose abi_version differs from its own.                    *|
\*===----------------------------------------------------------------------===*/

#ifndef MIXER_RUNTIME_MIXER_ABI_H
#define MIXER_RUNTIME_MIXER_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MIXER_ABI_VERSION 1
#define MIXER_ABI_DESCRIPTOR_SYMBOL "mixer_model_descriptor"

/* Optional (models from before it lack it): a `void (*)(int64_t bytes)`
 * variable, initially NULL, that the loader may set. A model calls it when
 * it cannot allocate a buffer of `bytes` during a run; a handler that
 * returns (or none) makes the model abort. Mixer's runtime ends the run
 * instead, with MIXER_ERROR_OUT_OF_MEMORY, by longjmp when the allocation
 * happened on the thread that called run outside a parallel region. */
#define MIXER_ABI_OUT_OF_MEMORY_HANDLER_SYMBOL "mixer_model_out_of_memory_handler"

/* Optional: a NUL-terminated `const char[]` of "key=value" lines that the
 * compiler's rewrites leave for reports about a run (mixer-run --report).
 * Keys so far (--remove-padding): padding_mask (the input whose nonzero
 * entries are the valid tokens), padding_token_flops (FLOPs of the
 * token-wise contractions per token), padding_pair_flops (attention FLOPs
 * per (query, key) pair), padding_causal (1 when the attention is causal). */
#define MIXER_ABI_REPORT_INFO_SYMBOL "mixer_model_report_info"

/* Optional: `int32_t (*)(char *message, uint64_t size)`, exported by models
 * that run on a device (--target=cuda). It returns 0 when the device is
 * usable and otherwise non-zero with a sentence saying why not (no driver,
 * no device, ...) written into `message`. The runtime calls it before every
 * run, since a model without its device must not run at all. */
#define MIXER_ABI_DEVICE_STATUS_SYMBOL "mixer_model_device_status"

/* Element types use ONNX's TensorProto.DataType codes. */
typedef enum mixer_dtype {
  MIXER_DTYPE_F32 = 1,
  MIXER_DTYPE_U8 = 2,
  MIXER_DTYPE_I8 = 3,
  MIXER_DTYPE_U16 = 4,
  MIXER_DTYPE_I16 = 5,
  MIXER_DTYPE_I32 = 6,
  MIXER_DTYPE_I64 = 7,
  MIXER_DTYPE_BOOL = 9, /* one byte per element, 0 or 1 */
  MIXER_DTYPE_F16 = 10,
  MIXER_DTYPE_F64 = 11,
  MIXER_DTYPE_U32 = 12,
  MIXER_DTYPE_U64 = 13,
  MIXER_DTYPE_BF16 = 16,
} mixer_dtype;

/* One tensor crossing the boundary: dense, row-major, no padding.
 * Inputs: `data` and `shape` are read by the model; `allocated` is ignored.
 * Outputs: the caller points `shape` at `rank` int64_t slots; the model writes
 * the shape there, sets `data` to the first element and `allocated` to the
 * block to hand back to mixer_abi_descriptor.release once the caller is done
 * (every output is a fresh block, never an alias of an input or a constant). */
typedef struct mixer_abi_buffer {
  void *data;
  int64_t *shape;
  void *allocated;
} mixer_abi_buffer;

/* The signature is text, one line per tensor, inputs first then outputs:
 *
 *   ("input" | "output") SP dtype SP rank (SP dim){rank}
 *       SP name-length SP name LF
 *
 * `dtype` is a mixer_dtype code, a `dim` is a non-negative size or -1 for a
 * dimension fixed only at run time, `name-length` is the byte length of the
 * ONNX name that follows (so a name may hold any byte but NUL; it is never
 * empty). Example:
 *
 *   input 7 2 -1 -1 9 input_ids
 *   output 1 3 -1 -1 768 17 last_hidden_state
 */
typedef struct mixer_abi_descriptor {
  uint32_t abi_version; /* MIXER_ABI_VERSION */
  uint32_t num_inputs;
  uint32_t num_outputs;
  const char *signature; /* NUL-terminated, see above */
  /* Runs the model. Returns 0 on success. The caller guarantees that inputs
   * match the signature (dtype, rank, static dims); the model does not check.
   * On failure the model has freed whatever it allocated: the caller reads
   * no output and releases nothing. */
  int32_t (*run)(const mixer_abi_buffer *inputs, mixer_abi_buffer *outputs);
  /* Frees an output's `allocated` block. */
  void (*release)(void *allocated);
  /* Sets the number of worker threads for later runs (>= 1). */
  void (*set_num_threads)(int32_t num_threads);
} mixer_abi_descriptor;

#ifdef __cplusplus
}
#endif

#endif /* MIXER_RUNTIME_MIXER_ABI_H */

//===- Runtime.h - Internals shared by the runtime's files ------*- C++ -*-===//
//
// The definitions behind the opaque handles of mixer_runtime.h and the helpers
// every file of the runtime uses. The runtime is C++17 without the C++
// library's runtime: no exceptions, no RTTI, no operator new, so it links
// against libc and libdl only (the build links it as C to make sure).
//
//===----------------------------------------------------------------------===//

#ifndef MIXER_RUNTIME_RUNTIME_H
#define MIXER_RUNTIME_RUNTIME_H

#include "mixer/runtime/mixer_runtime.h"

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace mixer::runtime {

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

/// Records a printf-style message as this thread's last error and returns
/// `status`, so that a failing path reads `return fail(...)`.
mixer_status fail(mixer_status status, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/// A name made safe for a message: printable ASCII as is, any other byte as
/// \xNN, cut after 64 bytes with "...".
struct QuotedName {
  char text[64 * 4 + 4];
};
QuotedName quote(const char *name);

//===----------------------------------------------------------------------===//
// Signatures
//===----------------------------------------------------------------------===//

/// One line of a descriptor's signature.
struct TensorSignature {
  const char *name; ///< NUL-terminated, points into Signature::text
  mixer_dtype dtype;
  size_t rank;
  int64_t shape[MIXER_MAX_RANK];
};

/// A parsed signature: inputs first, then outputs.
struct Signature {
  char *text = nullptr; ///< private copy of the text that holds the names
  TensorSignature *entries = nullptr;
  size_t numInputs = 0;
  size_t numOutputs = 0;

  const TensorSignature &input(size_t i) const { return entries[i]; }
  const TensorSignature &output(size_t i) const {
    return entries[numInputs + i];
  }
};

/// Parses `descriptor`'s signature text and checks it against its counts.
/// Fails with MIXER_ERROR_ABI and a message that starts with `path` and names
/// the line, or with MIXER_ERROR_OUT_OF_MEMORY. Reads nothing past the NUL.
mixer_status parseSignature(const char *path,
                            const mixer_abi_descriptor &descriptor,
                            Signature &out);

/// Frees what parseSignature allocated; safe on a default Signature.
void destroySignature(Signature &signature);

//===----------------------------------------------------------------------===//
// Tensors
//===----------------------------------------------------------------------===//

/// Bytes per element of the mixer_dtype whose code is `code`; 0 when no
/// mixer_dtype has that code. Takes an integer because C++ leaves converting
/// an out-of-range value to the enum undefined.
size_t dtypeSize(int64_t code);

/// Computes the element count and byte size of `shape`; false when a
/// dimension is negative or the byte size overflows size_t.
bool computeSizes(mixer_dtype dtype, size_t rank, const int64_t *shape,
                  size_t &numElements, size_t &byteSize);

/// Allocates a tensor of `dtype` and `rank` with no data and an unset shape;
/// the caller fills the rest. NULL when out of memory.
mixer_tensor *allocateTensor(mixer_dtype dtype, size_t rank);

/// Makes `tensor` own `block`, a model output's block that goes back through
/// `model`'s release function; the tensor keeps `model` alive.
void adoptModelBlock(mixer_tensor &tensor, mixer_model &model, void *block);

//===----------------------------------------------------------------------===//
// Models
//===----------------------------------------------------------------------===//

/// Takes one more reference on `model`.
void retainModel(mixer_model &model);

/// Drops one reference; the last one unmaps the library and frees the model.
void releaseModel(mixer_model &model);

/// A model from a descriptor already in memory, with no library (what
/// mixer_model_load does after dlopen and dlsym): checks the ABI version and
/// the functions, parses the signature. For the model-loader fuzzer, which
/// compiles the runtime's sources in.
mixer_status loadDescriptor(const char *name,
                            const mixer_abi_descriptor *descriptor,
                            mixer_model **out);

} // namespace mixer::runtime

/// A loaded model.so.
struct mixer_model {
  void *library = nullptr;
  const mixer_abi_descriptor *descriptor = nullptr;
  char *path = nullptr; ///< as given to mixer_model_load, for messages
  mixer::runtime::Signature signature;
  /// The handle plus one per live output tensor.
  std::atomic<size_t> references{1};
};

/// A dense row-major tensor.
struct mixer_tensor {
  mixer_dtype dtype;
  size_t rank;
  int64_t shape[MIXER_MAX_RANK];
  void *data;
  size_t numElements;
  size_t byteSize;
  /// What the tensor frees: a block from the runtime's allocator (model is
  /// null) or a model output's block (model is set); null when borrowed.
  void *ownedBlock;
  /// The model whose release() frees ownedBlock; holds a reference.
  mixer_model *model;
};

#endif // MIXER_RUNTIME_RUNTIME_H

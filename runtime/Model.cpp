//===- Model.cpp - Load, inspect and run a compiled model.so --------------===//
//
// A model is a dlopen()ed library plus its checked descriptor and parsed
// signature. Loading trusts nothing: the ABI version is compared before any
// other field is read, and a null function or a malformed signature refuses
// the library. Running checks every input against the signature, since the
// compiled code does not, and every output the model hands back.
//
//===----------------------------------------------------------------------===//

#include "Runtime.h"

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <malloc.h>
#include <new>
#include <pthread.h>
#include <setjmp.h>
#include <sys/stat.h>

using namespace mixer::runtime;

//===----------------------------------------------------------------------===//
// Out of memory inside a run
//===----------------------------------------------------------------------===//

namespace {
/// The run in progress on this thread: where the model's out-of-memory
/// handler jumps back to.
struct ActiveRun {
  jmp_buf resume;
  volatile int64_t bytes = 0;
};
thread_local ActiveRun *activeRun = nullptr;
/// OpenMP's omp_in_parallel, from the first model that links libomp.
int (*inParallel)() = nullptr;
} // namespace

/// Called by a model whose malloc failed (mixer_abi.h). Ends the run on the
/// thread that started it, outside parallel regions; elsewhere it returns
/// and the model aborts, after this message.
static void outOfMemory(int64_t bytes) {
  ActiveRun *run = activeRun;
  if (run && !(inParallel && inParallel())) {
    run->bytes = bytes;
    longjmp(run->resume, 1);
  }
  std::fprintf(stderr,
               "mixer runtime: out of memory: a model could not allocate %" PRId64
               " bytes in a parallel region; aborting\n",
               bytes);
}

/// Points the model's out-of-memory handler (if it has the slot) at ours.
static void installOutOfMemoryHandler(mixer_model &model) {
  if (!model.library)
    return;
  if (auto **slot = static_cast<void (**)(int64_t)>(
          dlsym(model.library, MIXER_ABI_OUT_OF_MEMORY_HANDLER_SYMBOL)))
    *slot = outOfMemory;
  if (!inParallel)
    inParallel = reinterpret_cast<int (*)()>(
        dlsym(model.library, "omp_in_parallel"));
}

//===----------------------------------------------------------------------===//
// Lifetime
//===----------------------------------------------------------------------===//

void mixer::runtime::retainModel(mixer_model &model) {
  model.references.fetch_add(1, std::memory_order_relaxed);
}

void mixer::runtime::releaseModel(mixer_model &model) {
  if (model.references.fetch_sub(1, std::memory_order_acq_rel) != 1)
    return;
  destroySignature(model.signature);
  if (model.library)
    dlclose(model.library);
  std::free(model.path);
  model.~mixer_model();
  std::free(&model);
}

/// Allocates a model that knows only its path; NULL when out of memory.
static mixer_model *newModel(const char *path) {
  void *memory = std::malloc(sizeof(mixer_model));
  if (!memory)
    return nullptr;
  auto *model = new (memory) mixer_model();
  model->path = strdup(path);
  if (!model->path) {
    releaseModel(*model);
    return nullptr;
  }
  return model;
}

//===----------------------------------------------------------------------===//
// Loading
//===----------------------------------------------------------------------===//

/// dlopen()s `model.path` as a file: a path without '/' would otherwise be
/// searched for along the library path.
static mixer_status openLibrary(mixer_model &model) {
  const char *path = model.path;
  char *relative = nullptr;
  if (!std::strchr(path, '/')) {
    size_t length = std::strlen(path);
    relative = static_cast<char *>(std::malloc(length + 3));
    if (!relative)
      return fail(MIXER_ERROR_OUT_OF_MEMORY, "%s: out of memory", path);
    std::memcpy(relative, "./", 2);
    std::memcpy(relative + 2, path, length + 1);
  }
  const char *file = relative ? relative : path;
  model.library = dlopen(file, RTLD_NOW | RTLD_LOCAL);
  mixer_status status = MIXER_OK;
  if (!model.library) {
    const char *reason = dlerror();
    if (!reason)
      reason = "unknown dlopen error";
    // dlerror() usually starts with the file name again; keep the reason.
    size_t fileLength = std::strlen(file);
    if (!std::strncmp(reason, file, fileLength) &&
        !std::strncmp(reason + fileLength, ": ", 2))
      reason += fileLength + 2;
    status =
        fail(MIXER_ERROR_IO, "%s: cannot load the library: %s", path, reason);
  }
  std::free(relative);
  return status;
}

/// Checks a descriptor (version, functions) and parses its signature into
/// `model`.
static mixer_status adoptDescriptor(mixer_model &model,
                                    const mixer_abi_descriptor *descriptor) {
  const char *path = model.path;
  if (descriptor->abi_version != MIXER_ABI_VERSION)
    return fail(MIXER_ERROR_ABI,
                "%s: ABI version %" PRIu32 ", this runtime reads version %d",
                path, descriptor->abi_version, MIXER_ABI_VERSION);
  const char *nullFunction = !descriptor->run               ? "run"
                             : !descriptor->release         ? "release"
                             : !descriptor->set_num_threads ? "set_num_threads"
                                                            : nullptr;
  if (nullFunction)
    return fail(MIXER_ERROR_ABI, "%s: the descriptor's %s function is null",
                path, nullFunction);
  model.descriptor = descriptor;
  return parseSignature(path, *descriptor, model.signature);
}

/// Finds the descriptor in the library, then adopts it.
static mixer_status readDescriptor(mixer_model &model) {
  const auto *descriptor = static_cast<const mixer_abi_descriptor *>(
      dlsym(model.library, MIXER_ABI_DESCRIPTOR_SYMBOL));
  if (!descriptor)
    return fail(MIXER_ERROR_ABI,
                "%s: no symbol '%s': not a model compiled by mixer-compile",
                model.path, MIXER_ABI_DESCRIPTOR_SYMBOL);
  return adoptDescriptor(model, descriptor);
}

mixer_status mixer::runtime::loadDescriptor(
    const char *name, const mixer_abi_descriptor *descriptor,
    mixer_model **out) {
  *out = nullptr;
  mixer_model *model = newModel(name);
  if (!model)
    return fail(MIXER_ERROR_OUT_OF_MEMORY, "%s: out of memory", name);
  if (mixer_status status = adoptDescriptor(*model, descriptor)) {
    releaseModel(*model);
    return status;
  }
  *out = model;
  return MIXER_OK;
}

/// A compiled model allocates its intermediate buffers with malloc on every
/// run. glibc serves blocks above 128 KiB with mmap and returns them with
/// munmap, so every run would take page faults on fresh pages (a fifth of the
/// time of a 2048-token GEMM). Raising the mmap and trim thresholds once
/// keeps freed blocks in the heap for the next run, as an arena allocator
/// would. MIXER_KEEP_MALLOC_DEFAULTS=1 leaves glibc's settings alone.
static void keepFreedBuffersForReuse() {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, [] {
    const char *keep = std::getenv("MIXER_KEEP_MALLOC_DEFAULTS");
    if (keep && std::strcmp(keep, "1") == 0)
      return;
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
  });
}

extern "C" mixer_status mixer_model_load(const char *path, mixer_model **out) {
  if (!out)
    return fail(MIXER_ERROR_INVALID_ARGUMENT, "mixer_model_load: out is null");
  *out = nullptr;
  if (!path)
    return fail(MIXER_ERROR_INVALID_ARGUMENT, "mixer_model_load: path is null");
  struct stat info;
  if (stat(path, &info) != 0)
    return fail(MIXER_ERROR_IO, "%s: %s", path, std::strerror(errno));

  keepFreedBuffersForReuse();
  mixer_model *model = newModel(path);
  if (!model)
    return fail(MIXER_ERROR_OUT_OF_MEMORY, "%s: out of memory", path);
  mixer_status status = openLibrary(*model);
  if (!status)
    status = readDescriptor(*model);
  if (!status)
    installOutOfMemoryHandler(*model);
  if (status) {
    releaseModel(*model);
    return status;
  }
  *out = model;
  return MIXER_OK;
}

extern "C" void mixer_model_unload(mixer_model *model) {
  if (model)
    releaseModel(*model);
}

//===----------------------------------------------------------------------===//
// Signature queries
//===----------------------------------------------------------------------===//

extern "C" const char *mixer_model_report_info(const mixer_model *model) {
  if (!model || !model->library)
    return "";
  const char *info = static_cast<const char *>(
      dlsym(model->library, MIXER_ABI_REPORT_INFO_SYMBOL));
  return info ? info : "";
}

extern "C" size_t mixer_model_num_inputs(const mixer_model *model) {
  return model ? model->signature.numInputs : 0;
}

extern "C" size_t mixer_model_num_outputs(const mixer_model *model) {
  return model ? model->signature.numOutputs : 0;
}

/// The inputs or the outputs of `model`'s signature, as one array.
static const TensorSignature *entriesOf(const mixer_model &model, bool isInput,
                                        size_t &count) {
  const Signature &signature = model.signature;
  count = isInput ? signature.numInputs : signature.numOutputs;
  return isInput ? signature.entries : signature.entries + signature.numInputs;
}

static mixer_status describe(const char *function, const mixer_model *model,
                             bool isInput, size_t index,
                             mixer_tensor_info *out) {
  if (!model || !out)
    return fail(MIXER_ERROR_INVALID_ARGUMENT, "%s: %s is null", function,
                model ? "out" : "model");
  size_t count;
  const TensorSignature *entries = entriesOf(*model, isInput, count);
  if (index >= count)
    return fail(MIXER_ERROR_INVALID_ARGUMENT,
                "%s: index %zu is out of range, the model has %zu %s(s)",
                function, index, count, isInput ? "input" : "output");
  const TensorSignature &entry = entries[index];
  *out = {entry.name, entry.dtype, entry.rank, entry.shape};
  return MIXER_OK;
}

extern "C" mixer_status mixer_model_input_info(const mixer_model *model,
                                               size_t index,
                                               mixer_tensor_info *out) {
  return describe("mixer_model_input_info", model, true, index, out);
}

extern "C" mixer_status mixer_model_output_info(const mixer_model *model,
                                                size_t index,
                                                mixer_tensor_info *out) {
  return describe("mixer_model_output_info", model, false, index, out);
}

static mixer_status findByName(const char *function, const mixer_model *model,
                               bool isInput, const char *name, size_t *index) {
  if (!model || !name || !index)
    return fail(MIXER_ERROR_INVALID_ARGUMENT, "%s: %s is null", function,
                !model  ? "model"
                : !name ? "name"
                        : "index");
  size_t count;
  const TensorSignature *entries = entriesOf(*model, isInput, count);
  for (size_t i = 0; i < count; ++i) {
    if (!std::strcmp(entries[i].name, name)) {
      *index = i;
      return MIXER_OK;
    }
  }
  // List the names the model does have, as far as the message has room.
  char names[1024] = "";
  size_t used = 0;
  for (size_t i = 0; i < count && used < sizeof(names); ++i)
    used += std::snprintf(names + used, sizeof(names) - used, "%s'%s'",
                          i ? ", " : "", quote(entries[i].name).text);
  const char *kind = isInput ? "input" : "output";
  return fail(MIXER_ERROR_INVALID_ARGUMENT,
              "the model has no %s '%s'; its %ss: %s", kind, quote(name).text,
              kind, count ? names : "none");
}

extern "C" mixer_status mixer_model_find_input(const mixer_model *model,
                                               const char *name,
                                               size_t *index) {
  return findByName("mixer_model_find_input", model, true, name, index);
}

extern "C" mixer_status mixer_model_find_output(const mixer_model *model,
                                                const char *name,
                                                size_t *index) {
  return findByName("mixer_model_find_output", model, false, name, index);
}

extern "C" mixer_status mixer_model_set_num_threads(mixer_model *model,
                                                    int32_t num_threads) {
  if (!model)
    return fail(MIXER_ERROR_INVALID_ARGUMENT,
                "mixer_model_set_num_threads: model is null");
  if (num_threads < 1)
    return fail(MIXER_ERROR_INVALID_ARGUMENT,
                "mixer_model_set_num_threads: %" PRId32
                " threads; at least 1 is needed",
                num_threads);
  model->descriptor->set_num_threads(num_threads);
  return MIXER_OK;
}

//===----------------------------------------------------------------------===//
// Running
//===----------------------------------------------------------------------===//

/// Checks one input tensor against its signature entry.
static mixer_status checkInput(const mixer_tensor *tensor, size_t index,
                               const TensorSignature &entry) {
  if (!tensor)
    return fail(MIXER_ERROR_INVALID_ARGUMENT, "input %zu is null", index);
  QuotedName quoted = quote(entry.name);
  const char *name = quoted.text;
  if (tensor->dtype != entry.dtype)
    return fail(MIXER_ERROR_DTYPE, "input '%s' is %s, the model needs %s", name,
                mixer_dtype_name(tensor->dtype), mixer_dtype_name(entry.dtype));
  if (tensor->rank != entry.rank)
    return fail(MIXER_ERROR_SHAPE,
                "input '%s' has rank %zu, the model needs rank %zu", name,
                tensor->rank, entry.rank);
  for (size_t d = 0; d < entry.rank; ++d)
    if (entry.shape[d] >= 0 && tensor->shape[d] != entry.shape[d])
      return fail(MIXER_ERROR_SHAPE,
                  "input '%s' dimension %zu is %" PRId64
                  ", the model needs %" PRId64,
                  name, d, tensor->shape[d], entry.shape[d]);
  return MIXER_OK;
}

/// Checks the call's arguments and every input.
static mixer_status checkRunArguments(const mixer_model *model,
                                      mixer_tensor *const *inputs,
                                      size_t numInputs, mixer_tensor **outputs,
                                      size_t numOutputs) {
  if (!model)
    return fail(MIXER_ERROR_INVALID_ARGUMENT, "mixer_model_run: model is null");
  const Signature &signature = model->signature;
  if (numInputs != signature.numInputs)
    return fail(MIXER_ERROR_INVALID_ARGUMENT,
                "mixer_model_run: %zu inputs given, the model takes %zu",
                numInputs, signature.numInputs);
  if (numOutputs != signature.numOutputs)
    return fail(MIXER_ERROR_INVALID_ARGUMENT,
                "mixer_model_run: room for %zu outputs, the model returns %zu",
                numOutputs, signature.numOutputs);
  if (numInputs && !inputs)
    return fail(MIXER_ERROR_INVALID_ARGUMENT,
                "mixer_model_run: inputs is null");
  if (numOutputs && !outputs)
    return fail(MIXER_ERROR_INVALID_ARGUMENT,
                "mixer_model_run: outputs is null");
  for (size_t i = 0; i < numInputs; ++i)
    if (mixer_status status = checkInput(inputs[i], i, signature.input(i)))
      return status;
  return MIXER_OK;
}

/// Checks what the model wrote into output `tensor` and sets its sizes.
static mixer_status checkOutput(const mixer_model &model, mixer_tensor &tensor,
                                const TensorSignature &entry) {
  QuotedName quoted = quote(entry.name);
  const char *name = quoted.text;
  for (size_t d = 0; d < entry.rank; ++d)
    if (tensor.shape[d] < 0 ||
        (entry.shape[d] >= 0 && tensor.shape[d] != entry.shape[d]))
      return fail(MIXER_ERROR_ABI,
                  "%s: output '%s' came back with dimension %zu = %" PRId64
                  ", the signature says %" PRId64,
                  model.path, name, d, tensor.shape[d], entry.shape[d]);
  if (!computeSizes(tensor.dtype, tensor.rank, tensor.shape, tensor.numElements,
                    tensor.byteSize))
    return fail(MIXER_ERROR_ABI,
                "%s: output '%s' came back with a shape whose size overflows",
                model.path, name);
  if (!tensor.data && tensor.numElements)
    return fail(MIXER_ERROR_ABI,
                "%s: output '%s' came back with null data for %zu elements",
                model.path, name, tensor.numElements);
  return MIXER_OK;
}

/// Frees output tensors that never reached the caller; `blocks` holds the
/// model's blocks to give back (null when the model failed and kept them).
static void discardOutputs(const mixer_model &model, mixer_tensor **tensors,
                           const mixer_abi_buffer *blocks, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    if (blocks && blocks[i].allocated)
      model.descriptor->release(blocks[i].allocated);
    std::free(tensors[i]);
    tensors[i] = nullptr;
  }
}

/// Allocates the output tensors and points each ABI buffer's shape into one.
static mixer_status prepareOutputs(const mixer_model &model,
                                   mixer_tensor **tensors,
                                   mixer_abi_buffer *buffers) {
  const Signature &signature = model.signature;
  for (size_t i = 0; i < signature.numOutputs; ++i) {
    const TensorSignature &entry = signature.output(i);
    tensors[i] = allocateTensor(entry.dtype, entry.rank);
    if (!tensors[i]) {
      discardOutputs(model, tensors, nullptr, i);
      return fail(MIXER_ERROR_OUT_OF_MEMORY, "mixer_model_run: out of memory");
    }
    buffers[i] = {nullptr, tensors[i]->shape, nullptr};
  }
  return MIXER_OK;
}

/// Calls the model with `buffers` (inputs, then outputs) and hands the
/// outputs to `outputs`, or frees them all.
static mixer_status invoke(mixer_model &model, mixer_tensor *const *inputs,
                           mixer_tensor **outputs, mixer_abi_buffer *buffers) {
  const Signature &signature = model.signature;
  for (size_t i = 0; i < signature.numInputs; ++i)
    buffers[i] = {inputs[i]->data, inputs[i]->shape, nullptr};
  mixer_abi_buffer *outputBuffers = buffers + signature.numInputs;
  if (mixer_status status = prepareOutputs(model, outputs, outputBuffers))
    return status;

  // A failed allocation inside the run comes back here (longjmp): the
  // outputs are discarded; whatever the run had allocated before is lost.
  ActiveRun run;
  activeRun = &run;
  int32_t code = 0;
  if (setjmp(run.resume) == 0) {
    code = model.descriptor->run(buffers, outputBuffers);
  } else {
    activeRun = nullptr;
    discardOutputs(model, outputs, nullptr, signature.numOutputs);
    return fail(MIXER_ERROR_OUT_OF_MEMORY,
                "%s: out of memory: the model could not allocate a buffer of "
                "%" PRId64 " bytes during the run",
                model.path, static_cast<int64_t>(run.bytes));
  }
  activeRun = nullptr;
  if (code) {
    discardOutputs(model, outputs, nullptr, signature.numOutputs);
    return fail(MIXER_ERROR_RUNTIME, "%s: the model's run failed with code %d",
                model.path, code);
  }
  for (size_t i = 0; i < signature.numOutputs; ++i) {
    outputs[i]->data = outputBuffers[i].data;
    if (mixer_status status =
            checkOutput(model, *outputs[i], signature.output(i))) {
      discardOutputs(model, outputs, outputBuffers, signature.numOutputs);
      return status;
    }
  }
  for (size_t i = 0; i < signature.numOutputs; ++i)
    adoptModelBlock(*outputs[i], model, outputBuffers[i].allocated);
  return MIXER_OK;
}

extern "C" mixer_status
mixer_model_run(mixer_model *model, mixer_tensor *const *inputs,
                size_t num_inputs, mixer_tensor **outputs, size_t num_outputs) {
  if (outputs)
    for (size_t i = 0; i < num_outputs; ++i)
      outputs[i] = nullptr;
  if (mixer_status status =
          checkRunArguments(model, inputs, num_inputs, outputs, num_outputs))
    return status;
  size_t numBuffers = num_inputs + num_outputs;
  auto *buffers = static_cast<mixer_abi_buffer *>(
      std::calloc(numBuffers ? numBuffers : 1, sizeof(mixer_abi_buffer)));
  if (!buffers)
    return fail(MIXER_ERROR_OUT_OF_MEMORY, "mixer_model_run: out of memory");
  mixer_status status = invoke(*model, inputs, outputs, buffers);
  std::free(buffers);
  return status;
}

//===- model-loader-fuzzer.cpp - libFuzzer target for the model loader ----===//
//
// Fuzzes what the runtime reads from a model.so: its ABI descriptor. The
// input is a descriptor, not a shared object (dlopen of arbitrary bytes runs
// the dynamic loader, not Mixer's code):
//
//   byte 0      flags: bit 0 wrong ABI version (version = byte 1 + 2),
//               bits 1-3 a null run / release / set_num_threads, bit 4 a
//               null signature; bits 5-6 what run() does: 0 fail, 1 write
//               outputs that follow the signature, 2 write outputs one
//               element longer in their first dim than the signature allows
//   byte 1, 2   the declared number of inputs and outputs
//   bytes 3...  the signature text (mixer_abi.h), up to the first NUL
//
// A descriptor the loader accepts is then queried (every input and output,
// by index and by name) and run with inputs made from its signature (dynamic
// dims 2), through the fake run() above: the runtime must check what the
// model hands back and release it. Seeds: tools/mixer-fuzz/corpus/
// model-loader (signatures of the shipped models).
//
//===----------------------------------------------------------------------===//

#include "../../runtime/Runtime.h"

#include "mixer/runtime/mixer_abi.h"
#include "mixer/runtime/mixer_runtime.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

int runMode = 0;
const mixer_model *current = nullptr;

int32_t fakeRun(const mixer_abi_buffer *, mixer_abi_buffer *outputs) {
  if (runMode == 0)
    return 3;
  for (size_t o = 0, e = mixer_model_num_outputs(current); o < e; ++o) {
    mixer_tensor_info info;
    if (mixer_model_output_info(current, o, &info))
      return 4;
    size_t elements = 1;
    for (size_t d = 0; d < info.rank; ++d) {
      int64_t dim = info.shape[d] < 0 ? 2 : info.shape[d];
      if (d == 0 && runMode == 2)
        ++dim;
      outputs[o].shape[d] = dim;
      // A model that cannot allocate its output fails (and frees the rest).
      if (dim > (1 << 16) || (elements *= dim ? dim : 1) > (1 << 16)) {
        for (size_t p = 0; p < o; ++p)
          std::free(outputs[p].allocated);
        return 5;
      }
    }
    size_t bytes = elements * mixer_dtype_size(info.dtype);
    outputs[o].allocated = std::calloc(bytes ? bytes : 1, 1);
    outputs[o].data = outputs[o].allocated;
  }
  return 0;
}

void fakeRelease(void *allocated) { std::free(allocated); }
void fakeSetThreads(int32_t) {}

/// Inputs from the signature (dynamic dims 2); false when too large.
bool makeInputs(const mixer_model *model, std::vector<mixer_tensor *> &inputs) {
  for (size_t i = 0, e = mixer_model_num_inputs(model); i < e; ++i) {
    mixer_tensor_info info;
    if (mixer_model_input_info(model, i, &info))
      return false;
    int64_t shape[MIXER_MAX_RANK];
    int64_t elements = 1;
    for (size_t d = 0; d < info.rank; ++d) {
      shape[d] = info.shape[d] < 0 ? 2 : info.shape[d];
      if (shape[d] > (1 << 16) || (elements *= shape[d] ? shape[d] : 1) > (1 << 16))
        return false;
    }
    mixer_tensor *tensor = nullptr;
    if (mixer_tensor_create(info.dtype, info.rank, shape, &tensor))
      return false;
    inputs.push_back(tensor);
  }
  return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 3)
    return 0;
  uint8_t flags = data[0];
  std::string text(reinterpret_cast<const char *>(data + 3), size - 3);
  text.resize(std::strlen(text.c_str()));
  mixer_abi_descriptor descriptor;
  descriptor.abi_version = flags & 1 ? data[1] + 2u : MIXER_ABI_VERSION;
  descriptor.num_inputs = data[1];
  descriptor.num_outputs = data[2];
  descriptor.signature = flags & 16 ? nullptr : text.c_str();
  descriptor.run = flags & 2 ? nullptr : fakeRun;
  descriptor.release = flags & 4 ? nullptr : fakeRelease;
  descriptor.set_num_threads = flags & 8 ? nullptr : fakeSetThreads;
  runMode = (flags >> 5) & 3;

  mixer_model *model = nullptr;
  if (mixer::runtime::loadDescriptor("fuzz.so", &descriptor, &model)) {
    (void)mixer_last_error();
    return 0;
  }
  current = model;
  size_t numInputs = mixer_model_num_inputs(model);
  size_t numOutputs = mixer_model_num_outputs(model);
  for (size_t i = 0; i <= numInputs; ++i) { // one past the end: an error
    mixer_tensor_info info;
    size_t index;
    if (!mixer_model_input_info(model, i, &info))
      (void)mixer_model_find_input(model, info.name, &index);
  }
  for (size_t o = 0; o <= numOutputs; ++o) {
    mixer_tensor_info info;
    size_t index;
    if (!mixer_model_output_info(model, o, &info))
      (void)mixer_model_find_output(model, info.name, &index);
  }
  size_t index;
  (void)mixer_model_find_input(model, "no such input", &index);
  (void)mixer_model_set_num_threads(model, 2);

  std::vector<mixer_tensor *> inputs;
  if (makeInputs(model, inputs)) {
    std::vector<mixer_tensor *> outputs(numOutputs, nullptr);
    if (!mixer_model_run(model, inputs.data(), inputs.size(), outputs.data(),
                         outputs.size()))
      for (mixer_tensor *t : outputs)
        (void)mixer_tensor_byte_size(t);
    for (mixer_tensor *t : outputs)
      mixer_tensor_destroy(t);
  }
  for (mixer_tensor *t : inputs)
    mixer_tensor_destroy(t);
  mixer_model_unload(model);
  current = nullptr;
  return 0;
}

//===- RuntimeTestSupport.h - Helpers of the runtime's gtests ---*- C++ -*-===//
//
// Error expectations, and loading and probing the fixture models built in
// unittests/Runtime/Fixtures.
//
//===----------------------------------------------------------------------===//

#ifndef MIXER_UNITTESTS_RUNTIME_RUNTIMETESTSUPPORT_H
#define MIXER_UNITTESTS_RUNTIME_RUNTIMETESTSUPPORT_H

#include "mixer/runtime/mixer_runtime.h"

#include "gtest/gtest.h"

#include <dlfcn.h>
#include <initializer_list>
#include <string>

namespace mixer::testing {

using runtime::ModelPtr;
using runtime::TensorPtr;

/// Expects `status` to be `expected` with a last error containing `message`.
inline void expectError(mixer_status status, mixer_status expected,
                        const std::string &message) {
  EXPECT_EQ(status, expected) << mixer_status_name(status);
  EXPECT_NE(std::string(mixer_last_error()).find(message), std::string::npos)
      << "message: " << mixer_last_error();
}

/// The path of fixture `name`.so.
inline std::string fixturePath(const std::string &name) {
  return std::string(MIXER_FIXTURE_DIR) + "/" + name + ".so";
}

/// Loads fixture `name`, or returns null after recording a gtest failure.
inline ModelPtr loadFixture(const std::string &name) {
  mixer_model *model = nullptr;
  mixer_status status = mixer_model_load(fixturePath(name).c_str(), &model);
  if (status != MIXER_OK)
    ADD_FAILURE() << "cannot load " << name << ": " << mixer_last_error();
  return ModelPtr(model);
}

/// Looks up `symbol` (a fixture_* probe) in fixture `name`, which the test
/// has loaded already. Fixtures are linked with -z nodelete, so probes keep
/// answering after the model is unloaded.
template <typename Function>
Function *fixtureProbe(const std::string &name, const char *symbol) {
  void *library =
      dlopen(fixturePath(name).c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
  if (!library)
    return nullptr;
  auto *probe = reinterpret_cast<Function *>(dlsym(library, symbol));
  dlclose(library);
  return probe;
}

/// A runtime-owned tensor, or null after recording a gtest failure.
inline TensorPtr makeTensor(mixer_dtype dtype,
                            std::initializer_list<int64_t> shape) {
  mixer_tensor *tensor = nullptr;
  if (mixer_tensor_create(dtype, shape.size(), shape.begin(), &tensor))
    ADD_FAILURE() << "mixer_tensor_create: " << mixer_last_error();
  return TensorPtr(tensor);
}

} // namespace mixer::testing

#endif // MIXER_UNITTESTS_RUNTIME_RUNTIMETESTSUPPORT_H

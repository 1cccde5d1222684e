//===- CUDARuntimeTest.cpp - Tests of the host half of CUDA models --------===//
//
// runtime/cuda/CUDARuntime.c must never abort: without a driver or a device
// every entry point records why and does nothing, and the device status says
// so. On a machine with a GPU the same calls must work instead; which case
// applies is decided by whether libcuda.so.1 loads and reports a device, so
// neither case passes vacuously on the other kind of machine.
//
//===----------------------------------------------------------------------===//

#include "gtest/gtest.h"

#include <cstdint>
#include <cstring>
#include <dlfcn.h>
#include <string>

extern "C" {
int32_t mixer_model_device_status(char *message, uint64_t size);
void *mixer_cuda_alloc(uint64_t size);
void mixer_cuda_free(void *p);
void *mixer_cuda_constant(const void *host, uint64_t size);
int32_t mixer_cuda_failed(void);
void *mgpuModuleGetFunction(void *module, const char *name);
void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, size_t paramsCount);
}

namespace {

/// Whether this machine has a CUDA driver that sees a device.
bool haveDevice() {
  void *driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!driver)
    return false;
  using InitFn = int (*)(unsigned);
  using CountFn = int (*)(int *);
  auto init = reinterpret_cast<InitFn>(dlsym(driver, "cuInit"));
  auto count = reinterpret_cast<CountFn>(dlsym(driver, "cuDeviceGetCount"));
  int devices = 0;
  return init && count && init(0) == 0 && count(&devices) == 0 && devices > 0;
}

TEST(CUDARuntime, DeviceStatusMatchesTheMachine) {
  char message[512] = "untouched";
  int32_t status = mixer_model_device_status(message, sizeof message);
  if (haveDevice()) {
    EXPECT_EQ(status, 0) << message;
    EXPECT_EQ(mixer_cuda_failed(), 0);
    return;
  }
  EXPECT_NE(status, 0);
  EXPECT_EQ(mixer_cuda_failed(), 1);
  std::string text = message;
  // No driver at all, or a driver without a device: either says which.
  EXPECT_TRUE(text.rfind("no CUDA driver: cannot load libcuda.so.1", 0) == 0 ||
              text.find("no device") != std::string::npos ||
              text.find("failed") != std::string::npos)
      << text;
  // A short buffer gets a truncated, terminated message.
  char tiny[8];
  std::memset(tiny, 'x', sizeof tiny);
  EXPECT_NE(mixer_model_device_status(tiny, sizeof tiny), 0);
  EXPECT_EQ(std::strlen(tiny), sizeof tiny - 1);
}

TEST(CUDARuntime, WithoutADeviceNothingRunsAndNothingAborts) {
  if (haveDevice())
    GTEST_SKIP() << "this machine has a CUDA device";
  EXPECT_EQ(mixer_cuda_alloc(1024), nullptr);
  mixer_cuda_free(nullptr);
  static const float weights[4] = {1, 2, 3, 4};
  // Without a device the host copy is handed back (the run is refused
  // before any kernel could read it).
  EXPECT_EQ(mixer_cuda_constant(weights, sizeof weights), weights);
  EXPECT_EQ(mgpuModuleGetFunction(nullptr, "kernel"), nullptr);
  mgpuLaunchKernel(nullptr, 1, 1, 1, 32, 1, 1, 0, nullptr, nullptr, nullptr,
                   0);
  EXPECT_EQ(mixer_cuda_failed(), 1);
}

TEST(CUDARuntime, WithADeviceWeightsAreCopiedOnce) {
  if (!haveDevice())
    GTEST_SKIP() << "no CUDA device on this machine";
  static const float weights[4] = {1, 2, 3, 4};
  void *first = mixer_cuda_constant(weights, sizeof weights);
  ASSERT_NE(first, nullptr);
  EXPECT_NE(first, weights);
  EXPECT_EQ(mixer_cuda_constant(weights, sizeof weights), first);
  EXPECT_EQ(std::memcmp(first, weights, sizeof weights), 0); // managed memory
  void *buffer = mixer_cuda_alloc(4096);
  ASSERT_NE(buffer, nullptr);
  std::memset(buffer, 0, 4096);
  mixer_cuda_free(buffer);
  EXPECT_EQ(mixer_cuda_failed(), 0);
}

} // namespace

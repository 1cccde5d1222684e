/*===- CUDARuntime.c - What a CUDA model.so calls on the host -------------===*\
|*                                                                            *|
|* Linked into every model compiled with --target=cuda (a static archive,    *|
|* hidden symbols), this file provides:                                       *|
|*                                                                            *|
|*  - the `mgpu*` functions that MLIR's gpu-to-llvm lowering calls (module    *|
|*    loading from the global constructors that embed the kernels, kernel     *|
|*    launches, streams, allocations), with the signatures of upstream's      *|
|*    CudaRuntimeWrappers.cpp;                                                *|
|*  - the allocation functions of the model ABI (managed memory, which the    *|
|*    host code between kernels may also read and write) and device copies   *|
|*    of the weights, made once per process;                                 *|
|*  - MIXER_ABI_DEVICE_STATUS_SYMBOL, exported, through which the runtime     *|
|*    asks whether a device is there before it runs the model.               *|
|*                                                                            *|
|* The CUDA driver is dlopen()ed on first use, never linked: a model.so      *|
|* loads on a machine without a GPU or driver, and every entry point then    *|
|* records why it cannot work instead of aborting. The first failure is      *|
|* kept (it is what the user needs to read); later calls do nothing.          *|
\*===----------------------------------------------------------------------===*/

#include "mixer/runtime/mixer_abi.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HIDDEN __attribute__((visibility("hidden")))
#define EXPORTED __attribute__((visibility("default")))

/* The few driver API types and functions used, as in cuda.h (not included:
 * the archive builds where no CUDA toolkit is installed). */
typedef int CUresult;
typedef int CUdevice;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef uint64_t CUdeviceptr;
enum {
  CUDA_SUCCESS = 0,
  CU_MEM_ATTACH_GLOBAL = 1,
  CU_JIT_OPTIMIZATION_LEVEL = 7,
};

static struct {
  CUresult (*init)(unsigned);
  CUresult (*deviceGetCount)(int *);
  CUresult (*deviceGet)(CUdevice *, int);
  CUresult (*primaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*ctxSetCurrent)(CUcontext);
  CUresult (*ctxSynchronize)(void);
  CUresult (*moduleLoadData)(CUmodule *, const void *);
  CUresult (*moduleLoadDataEx)(CUmodule *, const void *, unsigned, int *,
                               void **);
  CUresult (*moduleUnload)(CUmodule);
  CUresult (*moduleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*launchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                           unsigned, unsigned, unsigned, CUstream, void **,
                           void **);
  CUresult (*streamSynchronize)(CUstream);
  CUresult (*memAllocManaged)(CUdeviceptr *, size_t, unsigned);
  CUresult (*memFree)(CUdeviceptr);
  CUresult (*memcpy)(CUdeviceptr, CUdeviceptr, size_t);
  CUresult (*memsetD32)(CUdeviceptr, unsigned, size_t);
  CUresult (*memsetD16)(CUdeviceptr, unsigned short, size_t);
  CUresult (*getErrorString)(CUresult, const char **);
} cu;

static pthread_once_t initOnce = PTHREAD_ONCE_INIT;
static pthread_mutex_t errorLock = PTHREAD_MUTEX_INITIALIZER;
static char firstError[512];
static _Atomic bool failed; /* read without the lock */
static CUcontext context;

static void recordError(const char *format, ...) {
  pthread_mutex_lock(&errorLock);
  if (!failed) {
    va_list args;
    va_start(args, format);
    vsnprintf(firstError, sizeof firstError, format, args);
    va_end(args);
    failed = true;
  }
  pthread_mutex_unlock(&errorLock);
}

/* Whether `result` is a success; records the failure of `what` otherwise. */
static bool check(CUresult result, const char *what) {
  if (result == CUDA_SUCCESS)
    return true;
  const char *text = NULL;
  if (cu.getErrorString)
    cu.getErrorString(result, &text);
  recordError("%s failed: %s (CUDA error %d)", what,
              text ? text : "unknown error", result);
  return false;
}

static void initialize(void) {
  void *driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!driver) {
    const char *reason = dlerror();
    recordError("no CUDA driver: cannot load libcuda.so.1 (%s)",
                reason ? reason : "not found");
    return;
  }
  struct {
    void **slot;
    const char *name;
  } symbols[] = {
      {(void **)&cu.init, "cuInit"},
      {(void **)&cu.deviceGetCount, "cuDeviceGetCount"},
      {(void **)&cu.deviceGet, "cuDeviceGet"},
      {(void **)&cu.primaryCtxRetain, "cuDevicePrimaryCtxRetain"},
      {(void **)&cu.ctxSetCurrent, "cuCtxSetCurrent"},
      {(void **)&cu.ctxSynchronize, "cuCtxSynchronize"},
      {(void **)&cu.moduleLoadData, "cuModuleLoadData"},
      {(void **)&cu.moduleLoadDataEx, "cuModuleLoadDataEx"},
      {(void **)&cu.moduleUnload, "cuModuleUnload"},
      {(void **)&cu.moduleGetFunction, "cuModuleGetFunction"},
      {(void **)&cu.launchKernel, "cuLaunchKernel"},
      {(void **)&cu.streamSynchronize, "cuStreamSynchronize"},
      {(void **)&cu.memAllocManaged, "cuMemAllocManaged"},
      {(void **)&cu.memFree, "cuMemFree_v2"},
      {(void **)&cu.memcpy, "cuMemcpy"},
      {(void **)&cu.memsetD32, "cuMemsetD32_v2"},
      {(void **)&cu.memsetD16, "cuMemsetD16_v2"},
      {(void **)&cu.getErrorString, "cuGetErrorString"},
  };
  for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; ++i) {
    *symbols[i].slot = dlsym(driver, symbols[i].name);
    if (!*symbols[i].slot) {
      recordError("the CUDA driver lacks %s (too old a driver?)",
                  symbols[i].name);
      return;
    }
  }
  if (!check(cu.init(0), "cuInit"))
    return;
  int count = 0;
  if (!check(cu.deviceGetCount(&count), "cuDeviceGetCount"))
    return;
  if (count == 0) {
    recordError("the CUDA driver sees no device");
    return;
  }
  CUdevice device;
  if (check(cu.deviceGet(&device, 0), "cuDeviceGet") &&
      check(cu.primaryCtxRetain(&context, device), "cuDevicePrimaryCtxRetain"))
    check(cu.ctxSetCurrent(context), "cuCtxSetCurrent");
}

/* Whether the driver and a context are usable on this thread. */
static bool ready(void) {
  /* The primary context is made current once per thread, not per call:
   * every launch asks. */
  static _Thread_local bool current;
  pthread_once(&initOnce, initialize);
  if (failed)
    return false;
  if (!current)
    current = check(cu.ctxSetCurrent(context), "cuCtxSetCurrent");
  return current;
}

EXPORTED int32_t mixer_model_device_status(char *message, uint64_t size) {
  if (ready())
    return 0;
  if (message && size) {
    pthread_mutex_lock(&errorLock);
    snprintf(message, size, "%s", firstError);
    pthread_mutex_unlock(&errorLock);
  }
  return 1;
}

/*===----------------------------------------------------------------------===*
 * MLIR's gpu-to-llvm calls
 *===----------------------------------------------------------------------===*/

HIDDEN CUmodule mgpuModuleLoad(void *data, size_t size) {
  (void)size;
  CUmodule module = NULL;
  if (ready())
    check(cu.moduleLoadData(&module, data), "loading the kernels");
  return module;
}

HIDDEN CUmodule mgpuModuleLoadJIT(void *data, int optLevel) {
  CUmodule module = NULL;
  if (!ready())
    return NULL;
  int options[] = {CU_JIT_OPTIMIZATION_LEVEL};
  void *values[] = {(void *)(intptr_t)optLevel};
  check(cu.moduleLoadDataEx(&module, data, 1, options, values),
        "compiling the kernels' PTX");
  return module;
}

HIDDEN void mgpuModuleUnload(CUmodule module) {
  /* At exit the driver may already be gone; a failure is of no interest. */
  if (module && !failed)
    cu.moduleUnload(module);
}

HIDDEN CUfunction mgpuModuleGetFunction(CUmodule module, const char *name) {
  CUfunction function = NULL;
  if (!module) {
    recordError("kernel %s: its module was not loaded", name);
    return NULL;
  }
  if (ready())
    check(cu.moduleGetFunction(&function, module, name), name);
  return function;
}

HIDDEN void mgpuLaunchKernel(CUfunction function, intptr_t gridX,
                             intptr_t gridY, intptr_t gridZ, intptr_t blockX,
                             intptr_t blockY, intptr_t blockZ, int32_t smem,
                             CUstream stream, void **params, void **extra,
                             size_t paramsCount) {
  (void)paramsCount;
  if (!function || !ready())
    return;
  /* Dynamic sizes may leave nothing to do; the driver refuses empty grids. */
  if (gridX <= 0 || gridY <= 0 || gridZ <= 0 || blockX <= 0 || blockY <= 0 ||
      blockZ <= 0)
    return;
  check(cu.launchKernel(function, (unsigned)gridX, (unsigned)gridY,
                        (unsigned)gridZ, (unsigned)blockX, (unsigned)blockY,
                        (unsigned)blockZ, (unsigned)smem, stream, params,
                        extra),
        "launching a kernel");
}

/* One stream, the default (null) one: the lowering creates, synchronizes and
 * destroys a stream around every launch, and the host code between kernels
 * reads their results, so every launch is synchronous anyway. */
HIDDEN CUstream mgpuStreamCreate(void) { return NULL; }
HIDDEN void mgpuStreamDestroy(CUstream stream) { (void)stream; }
HIDDEN void mgpuStreamSynchronize(CUstream stream) {
  if (ready())
    check(cu.streamSynchronize(stream), "running a kernel");
}
HIDDEN void mgpuStreamWaitEvent(CUstream stream, void *event) {
  (void)stream;
  (void)event;
}
HIDDEN void *mgpuEventCreate(void) { return NULL; }
HIDDEN void mgpuEventDestroy(void *event) { (void)event; }
HIDDEN void mgpuEventSynchronize(void *event) {
  (void)event;
  if (ready())
    check(cu.ctxSynchronize(), "running a kernel");
}
HIDDEN void mgpuEventRecord(void *event, CUstream stream) {
  (void)event;
  (void)stream;
}

/* Managed memory: the host code between kernels (shape computations, small
 * loops the lowering left on the host) reads and writes it too. */
HIDDEN void *mixer_cuda_alloc(uint64_t size) {
  CUdeviceptr p = 0;
  if (size == 0 || !ready())
    return NULL;
  if (cu.memAllocManaged(&p, size, CU_MEM_ATTACH_GLOBAL) != CUDA_SUCCESS)
    return NULL; /* the model's out-of-memory path reports it */
  return (void *)(uintptr_t)p;
}

HIDDEN void mixer_cuda_free(void *p) {
  if (p && !failed)
    check(cu.memFree((CUdeviceptr)(uintptr_t)p), "cuMemFree");
}

HIDDEN void *mgpuMemAlloc(uint64_t size, CUstream stream, bool hostShared) {
  (void)stream;
  (void)hostShared;
  return mixer_cuda_alloc(size);
}
HIDDEN void mgpuMemFree(void *p, CUstream stream) {
  (void)stream;
  mixer_cuda_free(p);
}
HIDDEN void mgpuMemcpy(void *dst, void *src, size_t size, CUstream stream) {
  (void)stream;
  if (ready())
    check(cu.memcpy((CUdeviceptr)(uintptr_t)dst, (CUdeviceptr)(uintptr_t)src,
                    size),
          "cuMemcpy");
}
HIDDEN void mgpuMemset32(void *dst, unsigned value, size_t count,
                         CUstream stream) {
  (void)stream;
  if (ready())
    check(cu.memsetD32((CUdeviceptr)(uintptr_t)dst, value, count),
          "cuMemsetD32");
}
HIDDEN void mgpuMemset16(void *dst, unsigned short value, size_t count,
                         CUstream stream) {
  (void)stream;
  if (ready())
    check(cu.memsetD16((CUdeviceptr)(uintptr_t)dst, value, count),
          "cuMemsetD16");
}

/*===----------------------------------------------------------------------===*
 * Weights
 *===----------------------------------------------------------------------===*/

/* Device copies of the model's constants, by host address: an open-addressed
 * table that grows by doubling. A model has a few hundred weights. */
static pthread_mutex_t constantsLock = PTHREAD_MUTEX_INITIALIZER;
static struct {
  const void *host;
  void *device;
} *constants;
static size_t constantsCapacity, constantsCount;

static size_t slotOf(const void *host, size_t capacity) {
  uintptr_t h = (uintptr_t)host;
  h ^= h >> 17;
  h *= 0x9E3779B97F4A7C15ull;
  return (size_t)(h >> 20) & (capacity - 1);
}

/* The slot of `table` that holds `host`, or the empty one where it goes. */
static size_t findSlot(__typeof__(constants) table, size_t capacity,
                       const void *host) {
  size_t s = slotOf(host, capacity);
  while (table[s].host && table[s].host != host)
    s = (s + 1) & (capacity - 1);
  return s;
}

static bool growConstants(void) {
  size_t capacity = constantsCapacity ? 2 * constantsCapacity : 256;
  void *table = calloc(capacity, sizeof *constants);
  if (!table)
    return false;
  __typeof__(constants) old = constants;
  size_t oldCapacity = constantsCapacity;
  constants = table;
  constantsCapacity = capacity;
  for (size_t i = 0; i < oldCapacity; ++i) {
    if (!old[i].host)
      continue;
    constants[findSlot(constants, capacity, old[i].host)] = old[i];
  }
  free(old);
  return true;
}

/* The device copy of the `size` bytes of constant data at `host` (made on the
 * first call), or `host` itself when there is no device: the run is refused
 * before any kernel starts in that case. */
HIDDEN void *mixer_cuda_constant(const void *host, uint64_t size) {
  if (size == 0 || !ready())
    return (void *)(uintptr_t)host;
  pthread_mutex_lock(&constantsLock);
  void *device = NULL;
  if (2 * (constantsCount + 1) > constantsCapacity && !growConstants()) {
    pthread_mutex_unlock(&constantsLock);
    recordError("out of host memory for the weights' table");
    return (void *)(uintptr_t)host;
  }
  size_t s = findSlot(constants, constantsCapacity, host);
  if (constants[s].host) {
    device = constants[s].device;
  } else if ((device = mixer_cuda_alloc(size))) {
    memcpy(device, host, size);
    constants[s].host = host;
    constants[s].device = device;
    ++constantsCount;
  } else {
    recordError("out of device memory for a weight of %llu bytes",
                (unsigned long long)size);
  }
  pthread_mutex_unlock(&constantsLock);
  return device ? device : (void *)(uintptr_t)host;
}

/* Whether an error happened since the process started (sticky: CUDA's own
 * errors are sticky for the context too). */
HIDDEN int32_t mixer_cuda_failed(void) { return failed ? 1 : 0; }

/* dlclose() of the model: its weights' device copies go with it. */
__attribute__((destructor)) static void releaseConstants(void) {
  if (failed || !cu.memFree)
    return;
  for (size_t i = 0; i < constantsCapacity; ++i)
    if (constants[i].host)
      cu.memFree((CUdeviceptr)(uintptr_t)constants[i].device);
  free(constants);
  constants = NULL;
  constantsCapacity = constantsCount = 0;
}

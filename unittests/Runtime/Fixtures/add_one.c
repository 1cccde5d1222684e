/*===- add_one.c - A hand-written model.so computing y = x + 1 ------------===*\
|*                                                                            *|
|* f32 x[-1, 4] -> f32 y[-1, 4], written against mixer_abi.h the way         *|
|* mixer-compile's output is. CMake builds it once per FIXTURE_* macro below; *|
|* all but FIXTURE_ADD_ONE break the descriptor or the run in one way that    *|
|* the runtime must catch. fixture_* functions let tests look inside, and are *|
|* exported so that no variant leaves one unused.                             *|
\*===----------------------------------------------------------------------===*/

#include "mixer/runtime/mixer_abi.h"

#include <stddef.h>
#include <stdlib.h>

#define LINE_X "input 1 2 -1 4 1 x\n"
#define LINE_Y "output 1 2 -1 4 1 y\n"

#if defined(FIXTURE_NULL_SIGNATURE)
#define SIGNATURE NULL
#elif defined(FIXTURE_BAD_KEYWORD)
#define SIGNATURE "inputs 1 2 -1 4 1 x\n" LINE_Y
#elif defined(FIXTURE_BAD_NUMBER)
#define SIGNATURE "input 1 2 -1 x4 1 x\n" LINE_Y
#elif defined(FIXTURE_HUGE_NUMBER)
#define SIGNATURE "input 1 2 -1 99999999999999999999 1 x\n" LINE_Y
#elif defined(FIXTURE_RANK_TOO_BIG)
#define SIGNATURE "input 1 33 -1 4 1 x\n" LINE_Y
#elif defined(FIXTURE_NEGATIVE_RANK)
#define SIGNATURE "input 1 -1 -1 4 1 x\n" LINE_Y
#elif defined(FIXTURE_BAD_DIM)
#define SIGNATURE "input 1 2 -2 4 1 x\n" LINE_Y
#elif defined(FIXTURE_UNKNOWN_DTYPE)
#define SIGNATURE "input 8 2 -1 4 1 x\n" LINE_Y
#elif defined(FIXTURE_EMPTY_NAME)
#define SIGNATURE "input 1 2 -1 4 0 \n" LINE_Y
#elif defined(FIXTURE_NAME_PAST_END)
#define SIGNATURE LINE_X "output 1 2 -1 4 9 y"
#elif defined(FIXTURE_TRAILING_GARBAGE)
#define SIGNATURE "input 1 2 -1 4 1 xyz\n" LINE_Y
#elif defined(FIXTURE_INPUT_AFTER_OUTPUT)
#define SIGNATURE LINE_Y LINE_X
#else
#define SIGNATURE LINE_X LINE_Y
#endif

#if defined(FIXTURE_ABI_VERSION_999)
#define ABI_VERSION 999
#else
#define ABI_VERSION MIXER_ABI_VERSION
#endif

#if defined(FIXTURE_COUNT_MISMATCH)
#define NUM_INPUTS 2
#else
#define NUM_INPUTS 1
#endif

static int32_t numThreads = 1;
static int64_t liveBlocks = 0;

int32_t fixture_num_threads(void) { return numThreads; }
int64_t fixture_live_blocks(void) { return liveBlocks; }

int32_t fixture_run(const mixer_abi_buffer *inputs, mixer_abi_buffer *outputs) {
#if defined(FIXTURE_RUN_FAILS)
  return 3;
#endif
  int64_t rows = inputs[0].shape[0];
  const float *x = (const float *)inputs[0].data;
  float *y = (float *)malloc((size_t)rows * 4 * sizeof(float) + 1);
  if (!y)
    return 1;
  for (int64_t i = 0; i < rows * 4; ++i)
    y[i] = x[i] + 1.0f;
  outputs[0].shape[0] = rows;
  outputs[0].shape[1] = 4;
#if defined(FIXTURE_BAD_OUTPUT_SHAPE)
  outputs[0].shape[1] = 5;
#endif
  outputs[0].data = y;
  outputs[0].allocated = y;
  ++liveBlocks;
  return 0;
}

void fixture_release(void *block) {
  free(block);
  --liveBlocks;
}

void fixture_set_num_threads(int32_t n) { numThreads = n; }

const mixer_abi_descriptor mixer_model_descriptor = {
    ABI_VERSION, NUM_INPUTS, 1, SIGNATURE,
#if defined(FIXTURE_NULL_RUN)
    NULL,
#else
    fixture_run,
#endif
#if defined(FIXTURE_NULL_RELEASE)
    NULL,
#else
    fixture_release,
#endif
#if defined(FIXTURE_NULL_SET_NUM_THREADS)
    NULL,
#else
    fixture_set_num_threads,
#endif
};

/*===- two_inputs.c - A hand-written model.so with two inputs and outputs -===*\
|*                                                                            *|
|*   i64 ids[-1, 3], f32 scale[]  ->  f32 scaled[-1, 3] = ids * scale,        *|
|*                                    i64 "stats/sum"[] = sum(ids)            *|
|*                                                                            *|
|* A static dimension, a scalar, two dtypes, and an output name with a '/'.   *|
\*===----------------------------------------------------------------------===*/

#include "mixer/runtime/mixer_abi.h"

#include <stdlib.h>

static int32_t run(const mixer_abi_buffer *inputs, mixer_abi_buffer *outputs) {
  int64_t rows = inputs[0].shape[0];
  const int64_t *ids = (const int64_t *)inputs[0].data;
  float scale = *(const float *)inputs[1].data;
  float *scaled = (float *)malloc((size_t)rows * 3 * sizeof(float) + 1);
  int64_t *sum = (int64_t *)malloc(sizeof(int64_t));
  if (!scaled || !sum) {
    free(scaled);
    free(sum);
    return 1;
  }
  *sum = 0;
  for (int64_t i = 0; i < rows * 3; ++i) {
    scaled[i] = (float)ids[i] * scale;
    *sum += ids[i];
  }
  outputs[0].shape[0] = rows;
  outputs[0].shape[1] = 3;
  outputs[0].data = outputs[0].allocated = scaled;
  outputs[1].data = outputs[1].allocated = sum;
  return 0;
}

static void release(void *block) { free(block); }

static void setNumThreads(int32_t n) { (void)n; }

const mixer_abi_descriptor mixer_model_descriptor = {
    MIXER_ABI_VERSION,
    2,
    2,
    "input 7 2 -1 3 3 ids\n"
    "input 1 0 5 scale\n"
    "output 1 2 -1 3 6 scaled\n"
    "output 7 0 9 stats/sum\n",
    run,
    release,
    setNumThreads,
};

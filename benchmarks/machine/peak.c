// Measures this machine's limits for the benchmark reports (BENCHMARKS.md):
//   peak   FP32 FLOP/s of one thread: independent FMA chains at the widest
//          vector width the compiler targets (-march=native)
//   stream bytes/s of one thread reading and writing a buffer far larger
//          than the caches (a copy: read + write counted)
// Prints one JSON object. Built and run by benchmarks/run.py.
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

#if defined(__AVX512F__)
typedef __m512 vec;
#define LANES 16
#define FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define SET1(x) _mm512_set1_ps(x)
#define REDUCE(v) _mm512_reduce_add_ps(v)
#else
typedef __m256 vec;
#define LANES 8
#define FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define SET1(x) _mm256_set1_ps(x)
static float REDUCE(vec v) {
  float t[8];
  _mm256_storeu_ps(t, v);
  return t[0] + t[1] + t[2] + t[3] + t[4] + t[5] + t[6] + t[7];
}
#endif

static double peak_flops(long iterations) {
  vec a[12];
  for (int i = 0; i < 12; ++i)
    a[i] = SET1(1.0f + i * 1e-3f);
  vec x = SET1(0.999999f), y = SET1(1e-7f);
  double t = now();
  for (long n = 0; n < iterations; ++n) {
    for (int i = 0; i < 12; ++i)
      a[i] = FMA(a[i], x, y);
    __asm__ volatile("" : "+v"(a[0]), "+v"(a[1]), "+v"(a[2]), "+v"(a[3]),
                     "+v"(a[4]), "+v"(a[5]), "+v"(a[6]), "+v"(a[7]),
                     "+v"(a[8]), "+v"(a[9]), "+v"(a[10]), "+v"(a[11]));
  }
  t = now() - t;
  float sink = 0;
  for (int i = 0; i < 12; ++i)
    sink += REDUCE(a[i]);
  if (sink == 12345.0f)
    puts("");
  return iterations * 12.0 * LANES * 2.0 / t;
}

static double stream_bytes(size_t bytes, int repeats) {
  char *src = malloc(bytes), *dst = malloc(bytes);
  memset(src, 1, bytes);
  memset(dst, 2, bytes);
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    double t = now();
    memcpy(dst, src, bytes);
    __asm__ volatile("" : : "r"(dst) : "memory");
    t = now() - t;
    if (t < best)
      best = t;
  }
  volatile char sink = dst[bytes / 2];
  (void)sink;
  free(src);
  free(dst);
  return 2.0 * bytes / best;
}

int main(void) {
  double best = 0;
  for (int r = 0; r < 5; ++r) {
    double f = peak_flops(50000000);
    if (f > best)
      best = f;
  }
  double bw = stream_bytes((size_t)512 << 20, 5);
  printf("{\"vector_lanes\": %d, \"peak_gflops_per_thread\": %.1f, "
         "\"stream_gbytes_per_s\": %.1f}\n",
         LANES, best * 1e-9, bw * 1e-9);
  return 0;
}

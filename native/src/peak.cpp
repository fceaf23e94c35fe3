// The machine's measured FMA peak, the yardstick the benchmark harness reports kernel GFLOP/s against.
#include <atomic>
#include <chrono>

#include "edgewise/edgewise.h"
#include "thread_pool.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace edgewise {
namespace {

// flops per call of each chain loop: iterations x chains x lanes x 2
#if defined(__x86_64__)
__attribute__((target("avx512f"))) float chains_avx512(int64_t iters) {
  __m512 acc[16];
  for (int i = 0; i < 16; ++i) acc[i] = _mm512_set1_ps(static_cast<float>(i));
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (int64_t k = 0; k < iters; ++k)
    for (int i = 0; i < 16; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  __m512 s = acc[0];
  for (int i = 1; i < 16; ++i) s = _mm512_add_ps(s, acc[i]);
  float out[16];
  _mm512_storeu_ps(out, s);
  return out[0];
}

__attribute__((target("avx2,fma"))) float chains_avx2(int64_t iters) {
  __m256 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(static_cast<float>(i));
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (int64_t k = 0; k < iters; ++k)
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  float out[8];
  __m256 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm256_add_ps(s, acc[i]);
  _mm256_storeu_ps(out, s);
  return out[0];
}
#endif

float chains_scalar(int64_t iters) {
  float acc[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  for (int64_t k = 0; k < iters; ++k)
    for (float& v : acc) v = v * 0.999999f + 1e-7f;
  return acc[0] + acc[7];
}

}  // namespace
}  // namespace edgewise

extern "C" double ew_measure_peak_gflops(int threads, int millis) noexcept {
  using namespace edgewise;
  try {
    float (*fn)(int64_t) = chains_scalar;
    double flops_per_iter = 8 * 2;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) {
      fn = chains_avx512;
      flops_per_iter = 16 * 16 * 2;
    } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
      fn = chains_avx2;
      flops_per_iter = 12 * 8 * 2;
    }
#endif
    const int previous = num_threads();
    set_num_threads(threads);
    // calibrate the iteration count on one thread, then run every thread at once
    int64_t iters = 1 << 16;
    std::atomic<float> sink{0};
    for (;;) {
      auto t0 = std::chrono::steady_clock::now();
      sink = sink + fn(iters);
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (s * 1000 >= millis / 4.0 || iters > (int64_t(1) << 36)) break;
      iters *= 2;
    }
    auto t0 = std::chrono::steady_clock::now();
    parallel_for(threads, [&](int64_t) { sink = sink + fn(iters); });
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    set_num_threads(previous);
    return threads * iters * flops_per_iter / s / 1e9 + 0.0 * sink.load();
  } catch (...) {
    return 0;
  }
}

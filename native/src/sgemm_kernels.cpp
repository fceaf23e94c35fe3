#include "sgemm_kernels.h"

#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace edgewise {
namespace {

// Portable kernel: 4 x 16, written so compilers vectorize the inner loop on any target (NEON on aarch64).
constexpr int kScalarMr = 4;
constexpr int kScalarNr = 16;
void kernel_scalar(int64_t kc, const float* a, const float* b, float* c, int64_t ldc) {
  float acc[kScalarMr][kScalarNr] = {};
  for (int64_t k = 0; k < kc; ++k) {
    for (int i = 0; i < kScalarMr; ++i) {
      const float av = a[k * kScalarMr + i];
      for (int j = 0; j < kScalarNr; ++j) acc[i][j] += av * b[k * kScalarNr + j];
    }
  }
  for (int i = 0; i < kScalarMr; ++i)
    for (int j = 0; j < kScalarNr; ++j) c[i * ldc + j] += acc[i][j];
}

#if defined(__x86_64__)
// AVX2 + FMA: 6 x 16 tile, 12 accumulators in ymm registers.
__attribute__((target("avx2,fma"))) void kernel_avx2(int64_t kc, const float* a, const float* b, float* c,
                                                      int64_t ldc) {
  __m256 acc[6][2];
  for (int i = 0; i < 6; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_loadu_ps(b + k * 16);
    const __m256 b1 = _mm256_loadu_ps(b + k * 16 + 8);
    for (int i = 0; i < 6; ++i) {
      const __m256 av = _mm256_broadcast_ss(a + k * 6 + i);
      acc[i][0] = _mm256_fmadd_ps(av, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(av, b1, acc[i][1]);
    }
  }
  for (int i = 0; i < 6; ++i) {
    float* row = c + i * ldc;
    _mm256_storeu_ps(row, _mm256_add_ps(_mm256_loadu_ps(row), acc[i][0]));
    _mm256_storeu_ps(row + 8, _mm256_add_ps(_mm256_loadu_ps(row + 8), acc[i][1]));
  }
}

// AVX-512: 12 x 32 tile, 24 accumulators in zmm registers; two B vectors and one broadcast per row each step.
__attribute__((target("avx512f"))) void kernel_avx512(int64_t kc, const float* a, const float* b, float* c,
                                                       int64_t ldc) {
  __m512 acc[12][2];
  for (int i = 0; i < 12; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    const __m512 b0 = _mm512_loadu_ps(b + k * 32);
    const __m512 b1 = _mm512_loadu_ps(b + k * 32 + 16);
    const float* ak = a + k * 12;
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) {
      const __m512 av = _mm512_set1_ps(ak[i]);
      acc[i][0] = _mm512_fmadd_ps(av, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(av, b1, acc[i][1]);
    }
  }
  for (int i = 0; i < 12; ++i) {
    float* row = c + i * ldc;
    _mm512_storeu_ps(row, _mm512_add_ps(_mm512_loadu_ps(row), acc[i][0]));
    _mm512_storeu_ps(row + 16, _mm512_add_ps(_mm512_loadu_ps(row + 16), acc[i][1]));
  }
}
#endif

GemmConfig choose() {
#if defined(__x86_64__) && !defined(EDGEWISE_FORCE_SCALAR)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return {12, 32, kernel_avx512, "avx512"};
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return {6, 16, kernel_avx2, "avx2"};
#endif
  return {kScalarMr, kScalarNr, kernel_scalar, "scalar"};
}

}  // namespace

const GemmConfig& gemm_config() {
  static const GemmConfig config = choose();
  return config;
}

}  // namespace edgewise

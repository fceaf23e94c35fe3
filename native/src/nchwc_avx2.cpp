// The NCHWc kernels for AVX2 + FMA (B = 8, 16 ymm registers). Compiled with -mavx2 -mfma and called only where
// the CPU has both (nchwc_kernels() checks).
#include <algorithm>
#include <new>

#include "nchwc.h"

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

namespace edgewise {
namespace {

struct V {
  using T = __m256;
  static constexpr int B = 8;
  static constexpr int kRegs = 16;
  static constexpr const char* kName = "avx2";
  static T load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, T v) { _mm256_storeu_ps(p, v); }
  static T set1(float v) { return _mm256_set1_ps(v); }
  static T zero() { return _mm256_setzero_ps(); }
  static T fma(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static T add(T a, T b) { return _mm256_add_ps(a, b); }
  static T mul(T a, T b) { return _mm256_mul_ps(a, b); }
  static T max(T a, T b) { return _mm256_max_ps(a, b); }
  static T min(T a, T b) { return _mm256_min_ps(a, b); }
  static T div(T a, T b) { return _mm256_div_ps(a, b); }
  // p * 2^n for whole numbers n in [-127, 127], 2^n built in the exponent bits (a NaN n gives some finite
  // power: the callers pass a NaN through p)
  static T scale_pow2(T p, T n) {
    const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
  }
  // a lane selection (see NchwcGatherGroup): vpermps, then a blend under the lane mask
  struct Lanes {
    __m256i idx;
    __m256 mask;
  };
  static Lanes lanes(const int32_t* idx, uint32_t mask) {
    alignas(32) int32_t m[8];
    for (int l = 0; l < 8; ++l) m[l] = (mask >> l & 1) ? -1 : 0;
    return {_mm256_loadu_si256(reinterpret_cast<const __m256i*>(idx)),
            _mm256_castsi256_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(m)))};
  }
  static T select(T acc, const Lanes& l, T src) {
    return _mm256_blendv_ps(acc, _mm256_permutevar8x32_ps(src, l.idx), l.mask);
  }
  // r[j][k] becomes r[k][j]: pairs (unpack), quadruples (shuffle_ps), then the 128-bit halves (permute2f128)
  static void transpose(T (&r)[8]) {
    T t[8], u[8];
    for (int i = 0; i < 4; ++i) {
      t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
      t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 2; ++i) {
      u[4 * i + 0] = _mm256_shuffle_ps(t[4 * i + 0], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
      u[4 * i + 1] = _mm256_shuffle_ps(t[4 * i + 0], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
      u[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
      u[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int k = 0; k < 4; ++k) {
      r[k] = _mm256_permute2f128_ps(u[k], u[4 + k], 0x20);
      r[4 + k] = _mm256_permute2f128_ps(u[k], u[4 + k], 0x31);
    }
  }
};

#include "nchwc_kernels.inl"

}  // namespace

const NchwcKernels* nchwc_kernels_avx2() { return &kTable; }

}  // namespace edgewise

#else

namespace edgewise {
const NchwcKernels* nchwc_kernels_avx2() { return nullptr; }
}  // namespace edgewise

#endif

// The NCHWc kernels for AVX-512 (B = 16, 32 zmm registers). Compiled with -mavx512f -mfma and called only where
// the CPU has AVX-512F (nchwc_kernels() checks).
#include <algorithm>
#include <new>

#include "nchwc.h"

#if defined(__x86_64__) && defined(__AVX512F__)
#include <immintrin.h>

namespace edgewise {
namespace {

struct V {
  using T = __m512;
  static constexpr int B = 16;
  static constexpr int kRegs = 32;
  static constexpr const char* kName = "avx512";
  static T load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, T v) { _mm512_storeu_ps(p, v); }
  static T set1(float v) { return _mm512_set1_ps(v); }
  static T zero() { return _mm512_setzero_ps(); }
  static T fma(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static T add(T a, T b) { return _mm512_add_ps(a, b); }
  static T mul(T a, T b) { return _mm512_mul_ps(a, b); }
  static T max(T a, T b) { return _mm512_max_ps(a, b); }
  static T min(T a, T b) { return _mm512_min_ps(a, b); }
  static T div(T a, T b) { return _mm512_div_ps(a, b); }
  // p * 2^n for whole numbers n in [-127, 127] (the sigmoid's exponent); vscalefps passes a NaN through
  static T scale_pow2(T p, T n) { return _mm512_scalef_ps(p, n); }
  // a lane selection (see NchwcGatherGroup): one masked vpermps per source vector
  struct Lanes {
    __m512i idx;
    __mmask16 mask;
  };
  static Lanes lanes(const int32_t* idx, uint32_t mask) {
    return {_mm512_loadu_si512(idx), static_cast<__mmask16>(mask)};
  }
  static T select(T acc, const Lanes& l, T src) { return _mm512_mask_permutexvar_ps(acc, l.mask, l.idx, src); }
  // r[j][k] becomes r[k][j]: pairs interleaved within 128-bit lanes (unpack), then quadruples (shuffle_ps), then
  // the 128-bit lanes across rows four apart and eight apart (shuffle_f32x4)
  static void transpose(T (&r)[16]) {
    T t[16], u[16];
    for (int i = 0; i < 8; ++i) {
      t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
      t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; ++i) {
      u[4 * i + 0] = _mm512_shuffle_ps(t[4 * i + 0], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
      u[4 * i + 1] = _mm512_shuffle_ps(t[4 * i + 0], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
      u[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
      u[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    // u[4i + k], 128-bit lane L: rows 4i..4i+3 at column 4L + k
    for (int k = 0; k < 4; ++k) {
      const T v0 = _mm512_shuffle_f32x4(u[k], u[4 + k], 0x88);       // lanes 0, 2 of rows 0-3 and 4-7
      const T v1 = _mm512_shuffle_f32x4(u[k], u[4 + k], 0xDD);       // lanes 1, 3
      const T v2 = _mm512_shuffle_f32x4(u[8 + k], u[12 + k], 0x88);  // lanes 0, 2 of rows 8-11 and 12-15
      const T v3 = _mm512_shuffle_f32x4(u[8 + k], u[12 + k], 0xDD);
      r[k] = _mm512_shuffle_f32x4(v0, v2, 0x88);       // column k
      r[8 + k] = _mm512_shuffle_f32x4(v0, v2, 0xDD);   // column 8 + k
      r[4 + k] = _mm512_shuffle_f32x4(v1, v3, 0x88);   // column 4 + k
      r[12 + k] = _mm512_shuffle_f32x4(v1, v3, 0xDD);  // column 12 + k
    }
  }
};

#include "nchwc_kernels.inl"

}  // namespace

const NchwcKernels* nchwc_kernels_avx512() { return &kTable; }

}  // namespace edgewise

#else

namespace edgewise {
const NchwcKernels* nchwc_kernels_avx512() { return nullptr; }
}  // namespace edgewise

#endif

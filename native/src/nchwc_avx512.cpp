// The NCHWc kernels for AVX-512 (B = 16, 32 zmm registers). Compiled with -mavx512f -mfma and called only where
// the CPU has AVX-512F (nchwc_kernels() checks).
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

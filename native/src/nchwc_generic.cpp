// The portable NCHWc kernels (B = 8) in GCC/Clang vector extensions: NEON on aarch64, SSE on baseline x86-64,
// plain loops elsewhere. The fallback wherever no hand-targeted set applies.
#include <cstdint>
#include <cstring>

#include <algorithm>
#include <new>

#include "nchwc.h"

namespace edgewise {
namespace {

struct V {
  typedef float T __attribute__((vector_size(32)));
  static constexpr int B = 8;
  static constexpr int kRegs = 16;
  static constexpr const char* kName = "generic";
  static T load(const float* p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }
  static void store(float* p, T v) { std::memcpy(p, &v, sizeof v); }
  static T set1(float v) { return T{} + v; }
  static T zero() { return T{}; }
  static T fma(T a, T b, T c) { return a * b + c; }
  static T add(T a, T b) { return a + b; }
  static T mul(T a, T b) { return a * b; }
  static T max(T a, T b) { return a > b ? a : b; }
  static T min(T a, T b) { return a < b ? a : b; }
  static T div(T a, T b) { return a / b; }
  // p * 2^n for whole numbers n in [-127, 127], 2^n built in the exponent bits; a NaN n converts as 0 (a NaN float
  // to int is undefined), and the callers pass the NaN through p
  static T scale_pow2(T p, T n) {
    typedef int32_t I __attribute__((vector_size(32)));
    const I e = (__builtin_convertvector(n == n ? n : T{}, I) + 127) << 23;
    T scale;
    std::memcpy(&scale, &e, sizeof scale);
    return p * scale;
  }
  // a lane selection (see NchwcGatherGroup), lane by lane
  struct Lanes {
    int32_t idx[8];
    uint32_t mask;
  };
  static Lanes lanes(const int32_t* idx, uint32_t mask) {
    Lanes l{{}, mask};
    std::memcpy(l.idx, idx, sizeof l.idx);
    return l;
  }
  static T select(T acc, const Lanes& l, T src) {
    for (int j = 0; j < B; ++j)
      if (l.mask >> j & 1) acc[j] = src[l.idx[j]];
    return acc;
  }
  // r[j][k] becomes r[k][j], lane by lane
  static void transpose(T (&r)[8]) {
    T t[8];
    for (int j = 0; j < B; ++j)
      for (int k = 0; k < B; ++k) t[k][j] = r[j][k];
    for (int j = 0; j < B; ++j) r[j] = t[j];
  }
};

#include "nchwc_kernels.inl"

}  // namespace

const NchwcKernels* nchwc_kernels_generic() { return &kTable; }

}  // namespace edgewise

// QuantizeLinear, DequantizeLinear and 8-bit table lookups for the cpu device: the nodes a QDQ model leaves around
// the ops that stay float, and the DequantizeLinear -> float elementwise ops -> QuantizeLinear runs that the cpu
// device folds into one 256-entry table per channel (CpuQuantKernels, QuantizedTables on the Java side).
//
// Exactness (the reference kernels' arithmetic, QuantOps.java):
// - quantize: q = rint(x / s) + z saturated, the quotient a float32 division (correctly rounded: the reference's
//   double quotient rounded once to float is the same value), rint half to even; a NaN stores 0 (Java's (long) NaN).
// - dequantize: y = (q - z) * s as one float32 multiply; (q - z) has at most 9 bits, so the exact product fits a
//   double and the reference's double product rounded to float equals the float product.
// x is viewed as [outer][channels][inner]: parameter c applies to channel c (per-axis), or params = 1 (per-tensor).
#include <algorithm>
#include <cmath>
#include <cstdint>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "edgewise/edgewise.h"
#include "isa_clones.h"
#include "thread_pool.h"

namespace {

constexpr int64_t kChunk = 16384;  // elements per parallel task

template <typename T>
EW_CLONES void quantize_run(int64_t n, const float* x, float s, float z, float lo, float hi, T* y) {
  for (int64_t i = 0; i < n; ++i) {
    const float q = std::nearbyint(x[i] / s) + z;
    // NaN fails both comparisons of the clamp and is stored as 0
    y[i] = q != q ? T(0) : static_cast<T>(std::min(hi, std::max(lo, q)));
  }
}

template <typename T>
EW_CLONES void dequantize_run(int64_t n, const T* x, float z, float s, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = (static_cast<float>(x[i]) - z) * s;
}

void lookup_scalar(int64_t n, const uint8_t* x, const uint8_t* table, uint8_t* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = table[x[i]];
}

#if defined(__x86_64__)
// 64 lookups per step with AVX-512 VBMI: two 128-byte permutes (vpermi2b) pick from the table's halves, the top bit
// of each index chooses between them.
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) void lookup_vbmi(int64_t n, const uint8_t* x,
                                                                          const uint8_t* table, uint8_t* y) {
  const __m512i t0 = _mm512_loadu_si512(table), t1 = _mm512_loadu_si512(table + 64);
  const __m512i t2 = _mm512_loadu_si512(table + 128), t3 = _mm512_loadu_si512(table + 192);
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    const __m512i v = _mm512_loadu_si512(x + i);
    const __m512i lo = _mm512_permutex2var_epi8(t0, v, t1);
    const __m512i hi = _mm512_permutex2var_epi8(t2, v, t3);
    _mm512_storeu_si512(y + i, _mm512_mask_blend_epi8(_mm512_movepi8_mask(v), lo, hi));
  }
  lookup_scalar(n - i, x + i, table, y + i);
}

bool has_vbmi() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vbmi");
}

void lookup_run(int64_t n, const uint8_t* x, const uint8_t* table, uint8_t* y) {
  static const bool vbmi = has_vbmi();
  if (vbmi)
    lookup_vbmi(n, x, table, y);
  else
    lookup_scalar(n, x, table, y);
}
#else
void lookup_run(int64_t n, const uint8_t* x, const uint8_t* table, uint8_t* y) { lookup_scalar(n, x, table, y); }
#endif

bool bad_view(int64_t outer, int64_t channels, int64_t inner, int64_t params) {
  return outer < 0 || channels < 0 || inner < 0 || (params != 1 && params != channels);
}

// fn(channel, start, count) over [outer][channels][inner] cut into tasks of at most kChunk elements per plane
template <typename Fn>
void for_runs(int64_t outer, int64_t channels, int64_t inner, const Fn& fn) {
  const int64_t pieces = (inner + kChunk - 1) / kChunk;
  const int64_t planes = outer * channels;
  if (planes == 0 || inner == 0) return;
  edgewise::parallel_for_work(planes * inner * 4, planes * pieces, [&](int64_t task) {
    const int64_t plane = task / pieces, piece = task % pieces;
    const int64_t start = piece * kChunk;
    fn(plane % channels, plane * inner + start, std::min(kChunk, inner - start));
  });
}

}  // namespace

extern "C" int ew_quantize_linear(int64_t outer, int64_t channels, int64_t inner, const float* x, const float* scale,
                                  const int32_t* zero, int64_t params, int y_signed, void* y) noexcept {
  if (bad_view(outer, channels, inner, params) || scale == nullptr || zero == nullptr) return EW_INVALID_ARGUMENT;
  if (outer * channels * inner > 0 && (x == nullptr || y == nullptr)) return EW_INVALID_ARGUMENT;
  for (int64_t c = 0; c < params; ++c)
    if (y_signed ? zero[c] < -128 || zero[c] > 127 : zero[c] < 0 || zero[c] > 255) return EW_INVALID_ARGUMENT;
  try {
    for_runs(outer, channels, inner, [&](int64_t c, int64_t at, int64_t n) {
      const int64_t p = params == 1 ? 0 : c;
      const float s = scale[p], z = static_cast<float>(zero[p]);
      if (y_signed)
        quantize_run(n, x + at, s, z, -128.0f, 127.0f, static_cast<int8_t*>(y) + at);
      else
        quantize_run(n, x + at, s, z, 0.0f, 255.0f, static_cast<uint8_t*>(y) + at);
    });
    return EW_OK;
  } catch (...) {
    return EW_INTERNAL;
  }
}

extern "C" int ew_dequantize_linear(int64_t outer, int64_t channels, int64_t inner, int x_signed, const void* x,
                                    const float* scale, const int32_t* zero, int64_t params, float* y) noexcept {
  if (bad_view(outer, channels, inner, params) || scale == nullptr || zero == nullptr) return EW_INVALID_ARGUMENT;
  if (outer * channels * inner > 0 && (x == nullptr || y == nullptr)) return EW_INVALID_ARGUMENT;
  try {
    for_runs(outer, channels, inner, [&](int64_t c, int64_t at, int64_t n) {
      const int64_t p = params == 1 ? 0 : c;
      const float s = scale[p], z = static_cast<float>(zero[p]);
      if (x_signed)
        dequantize_run(n, static_cast<const int8_t*>(x) + at, z, s, y + at);
      else
        dequantize_run(n, static_cast<const uint8_t*>(x) + at, z, s, y + at);
    });
    return EW_OK;
  } catch (...) {
    return EW_INTERNAL;
  }
}

extern "C" int ew_lookup8(int64_t outer, int64_t channels, int64_t inner, const uint8_t* tables, int64_t params,
                          const void* x, void* y) noexcept {
  if (bad_view(outer, channels, inner, params) || tables == nullptr) return EW_INVALID_ARGUMENT;
  if (outer * channels * inner > 0 && (x == nullptr || y == nullptr)) return EW_INVALID_ARGUMENT;
  try {
    for_runs(outer, channels, inner, [&](int64_t c, int64_t at, int64_t n) {
      lookup_run(n, static_cast<const uint8_t*>(x) + at, tables + (params == 1 ? 0 : c) * 256,
                 static_cast<uint8_t*>(y) + at);
    });
    return EW_OK;
  } catch (...) {
    return EW_INTERNAL;
  }
}

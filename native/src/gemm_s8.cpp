// 8-bit integer GEMM and convolution for the cpu device (MatMulInteger, ConvInteger, QLinearConv).
//
// Exactness. Both operands are re-expressed so that the inner product is one u8 x s8 dot product, the operand
// types of AVX-512 VNNI's vpdpbusd: A becomes u8 (an int8 value v is stored as v ^ 0x80 = v + 128) and B becomes
// s8 (a uint8 value v is stored as v ^ 0x80 = v - 128). The zero points absorb the offsets:
//   a - za = u - za'  with za' = za + (A signed ? 128 : 0),   b - zb = s - zb'  with zb' = zb - (B unsigned ? 128 : 0)
// and   sum_k (u - za')(s - zb') = sum_k u*s - zb' * rowsum(u) - za' * colsum(s) + K * za' * zb'.
// The raw sum u*s runs in the kernels; the corrections are applied in int64 in the epilogue.
// Bounds: |u * s| <= 255 * 128 = 32640, so the raw int32 sums (vpdpbusd adds four products into int32 without
// saturation) cannot overflow for K <= 65793; the exact result |sum (a-za)(b-zb)| <= K * 255 * 255 fits int32 for
// K <= 33025 (kMaxInt8K), which the entry points enforce. Padding of K to a multiple of 4 stores u = 0 and s = 0,
// and rowsum/colsum cover the real K only, so padded steps contribute nothing.
//
// Layout: A is packed in blocks of kMr rows as [K/4][kMr][4] bytes, B per task in panels of kNr columns as
// [K/4][kNr][4] bytes; a kMr x kNr tile is 8 x 2 zmm accumulators. Work is split over column blocks and row chunks.
#include "gemm_s8.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <new>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "edgewise/edgewise.h"
#include "conv_geometry.h"
#include "isa_clones.h"
#include "thread_pool.h"

namespace edgewise {
namespace {

constexpr int kMr = 8;
constexpr int kNr = 32;
constexpr int64_t kNcb = 256;  // columns of one task's B block (a multiple of kNr)
constexpr int64_t kMcb = 64;   // rows of one task (a multiple of kMr)

std::atomic<bool> force_scalar{false};

// C tile (kMr x kNr, row-major, ld kNr) = sum over kq quads of a (u8) . b (s8), quad q's B panel ([kNr][4] s8) at
// panel(q): contiguous panels (kernel_scalar) or panels read in place through an offset table (kernel_scalar_off)
// share this one loop; the lambda inlines, so each kernel compiles to its own addressing.
template <class PanelAt>
inline void tile_scalar(int64_t kq, const uint8_t* __restrict a, PanelAt panel, int32_t* __restrict c) {
  std::fill(c, c + kMr * kNr, 0);
  for (int64_t q = 0; q < kq; ++q) {
    const uint8_t* aq = a + q * kMr * 4;
    const int8_t* bq = panel(q);
    for (int i = 0; i < kMr; ++i) {
      int32_t* ci = c + i * kNr;
      const int32_t a0 = aq[i * 4], a1 = aq[i * 4 + 1], a2 = aq[i * 4 + 2], a3 = aq[i * 4 + 3];
      for (int j = 0; j < kNr; ++j) {
        const int8_t* bj = bq + j * 4;
        ci[j] += a0 * bj[0] + a1 * bj[1] + a2 * bj[2] + a3 * bj[3];
      }
    }
  }
}

void kernel_scalar(int64_t kq, const uint8_t* __restrict a, const int8_t* __restrict b, int32_t* __restrict c) {
  tile_scalar(kq, a, [b](int64_t q) { return b + q * kNr * 4; }, c);
}

#if defined(__x86_64__)
// tile_scalar with vpdpbusd: one broadcast quad of a row times the panel's 32 columns per instruction pair.
template <class PanelAt>
__attribute__((target("avx512f,avx512bw,avx512vnni"), always_inline)) inline void tile_vnni(int64_t kq,
                                                                                            const uint8_t* a,
                                                                                            PanelAt panel,
                                                                                            int32_t* c) {
  __m512i acc[kMr][2];
  for (int i = 0; i < kMr; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_si512();
  for (int64_t q = 0; q < kq; ++q) {
    const int8_t* bq = panel(q);
    const __m512i b0 = _mm512_loadu_si512(bq);
    const __m512i b1 = _mm512_loadu_si512(bq + 64);
    const uint8_t* aq = a + q * kMr * 4;
    for (int i = 0; i < kMr; ++i) {
      int32_t quad;
      std::memcpy(&quad, aq + i * 4, 4);
      const __m512i av = _mm512_set1_epi32(quad);
      acc[i][0] = _mm512_dpbusd_epi32(acc[i][0], av, b0);
      acc[i][1] = _mm512_dpbusd_epi32(acc[i][1], av, b1);
    }
  }
  for (int i = 0; i < kMr; ++i) {
    _mm512_storeu_si512(c + i * kNr, acc[i][0]);
    _mm512_storeu_si512(c + i * kNr + 16, acc[i][1]);
  }
}

__attribute__((target("avx512f,avx512bw,avx512vnni"))) void kernel_vnni(int64_t kq, const uint8_t* a,
                                                                          const int8_t* b, int32_t* c) {
  tile_vnni(kq, a, [b](int64_t q) { return b + q * kNr * 4; }, c);
}

// The column sums of packed B panels ([kq][kNr][4] s8 each, padding 0) for nc columns: one vpdpbusd of all-ones
// bytes per 16 columns and quad, so the sums cost a fraction of the packing (|sum| <= K * 128 fits int32).
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void colsum_vnni(int64_t kq, int64_t nc, const int8_t* panels,
                                                                          int32_t* colsum) {
  const __m512i ones = _mm512_set1_epi8(1);
  for (int64_t jp = 0; jp < nc; jp += kNr) {
    const int8_t* p = panels + jp * kq * 4;
    __m512i s0 = _mm512_setzero_si512(), s1 = _mm512_setzero_si512();
    for (int64_t q = 0; q < kq; ++q) {
      s0 = _mm512_dpbusd_epi32(s0, ones, _mm512_loadu_si512(p + q * kNr * 4));
      s1 = _mm512_dpbusd_epi32(s1, ones, _mm512_loadu_si512(p + q * kNr * 4 + 64));
    }
    _mm512_storeu_si512(colsum + jp, s0);
    _mm512_storeu_si512(colsum + jp + 16, s1);
  }
}

bool cpu_has_vnni() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
}
#else
bool cpu_has_vnni() { return false; }
#endif

using Kernel = void (*)(int64_t, const uint8_t*, const int8_t*, int32_t*);

Kernel choose_kernel() {
#if defined(__x86_64__)
  static const bool vnni = cpu_has_vnni();
  if (vnni && !force_scalar.load(std::memory_order_relaxed)) return kernel_vnni;
#endif
  return kernel_scalar;
}

// A rows [0, M) into blocks of kMr rows, [kq][kMr][4], as u8; rowsum[m] = sum of the stored u over the real K.
// Row by row, four bytes at a time (the stores of one row are 4 bytes every kMr * 4).
void pack_a(int64_t M, int64_t K, const uint8_t* A, int64_t lda, uint8_t flip, uint8_t* out, int64_t* rowsum) {
  const int64_t kq = (K + 3) / 4;
  const uint32_t flip4 = flip * 0x01010101u;
  for (int64_t i0 = 0; i0 < M; i0 += kMr) {
    uint8_t* block = out + i0 * kq * 4;
    for (int i = 0; i < kMr; ++i) {
      const int64_t m = i0 + i;
      if (m >= M) {
        for (int64_t q = 0; q < kq; ++q) std::memset(block + q * kMr * 4 + i * 4, 0, 4);
        continue;
      }
      const uint8_t* row = A + m * lda;
      int64_t sum = 0;
      int64_t q = 0;
      for (; q < K / 4; ++q) {
        uint32_t v;
        std::memcpy(&v, row + q * 4, 4);
        v ^= flip4;
        std::memcpy(block + q * kMr * 4 + i * 4, &v, 4);
      }
      for (int64_t k = 0; k < K; ++k) sum += static_cast<uint8_t>(row[k] ^ flip);
      if (q < kq) {
        uint8_t tail[4] = {0, 0, 0, 0};
        for (int64_t k = q * 4; k < K; ++k) tail[k - q * 4] = static_cast<uint8_t>(row[k] ^ flip);
        std::memcpy(block + q * kMr * 4 + i * 4, tail, 4);
      }
      rowsum[m] = sum;
    }
  }
}

// B given as the im2col matrix of one image and group of a convolution rather than as a matrix in memory: row
// k = (ci, ky, kx), column n = (oy, ox); a padded position holds `pad` (the x zero point, so it contributes zero).
struct Im2colS8 {
  const ConvGeometry* g;
  const uint8_t* x;  // the group's first input channel
  uint8_t pad;
};

// Columns [j0, j0 + nc) of row k of that matrix into d: runs along output rows, a copy when the stride is 1, so
// padding costs a fill, not a branch per element (the same bytes im2col writes).
inline void im2col_row_s8(const Im2colS8& im, int64_t k, int64_t j0, int64_t nc, uint8_t* __restrict d) {
  const ConvGeometry& g = *im.g;
  const int64_t kx = k % g.kw;
  const int64_t ky = (k / g.kw) % g.kh;
  const int64_t ci = k / (g.kw * g.kh);
  const uint8_t* src = im.x + ci * g.h * g.w;
  const int64_t offset = kx * g.dw - g.pl;
  int64_t lo, hi;
  inside_range(offset, g.sw, g.w, g.ow, &lo, &hi);
  int64_t oy = j0 / g.ow, ox = j0 % g.ow;
  for (int64_t j = 0; j < nc; ox = 0, ++oy) {
    const int64_t run = std::min(nc - j, g.ow - ox);
    const int64_t iy = oy * g.sh - g.pt + ky * g.dh;
    uint8_t* seg = d + j;  // seg[o - ox] for output column o of this row
    if (iy < 0 || iy >= g.h) {
      std::memset(seg, im.pad, static_cast<size_t>(run));
    } else {
      const uint8_t* row = src + iy * g.w;
      const int64_t a = std::min(std::max(lo, ox), ox + run);  // [ox, a): left padding
      const int64_t b = std::max(a, std::min(hi, ox + run));   // [a, b): inside; [b, ox + run): right padding
      std::memset(seg, im.pad, static_cast<size_t>(a - ox));
      if (g.sw == 1) {
        if (b > a) std::memcpy(seg + (a - ox), row + a + offset, static_cast<size_t>(b - a));
      } else {
        for (int64_t o = a; o < b; ++o) seg[o - ox] = row[o * g.sw + offset];
      }
      std::memset(seg + (b - ox), im.pad, static_cast<size_t>(ox + run - b));
    }
    j += run;
  }
}

// B columns [j0, j0 + nc) into panels of kNr columns, [kq][kNr][4], as s8; colsum[j] for j in [0, nc).
// Four rows of B are interleaved at a time (each column's 4 bytes stored as one 32-bit word), a loop over the
// columns that the compiler vectorizes; the column sums are plain row additions.
// colsum null: the caller sums the packed panels itself (colsum_vnni). im non-null: B's rows are gathered from the
// image four at a time into a small buffer that stays in L1 (implicit im2col: the K x N matrix is never written).
EW_CLONES void pack_b(int64_t K, int64_t j0, int64_t nc, const uint8_t* B, int64_t ldb, uint8_t flip, int8_t* out,
                      int64_t* colsum, const Im2colS8* im = nullptr) {
  const int64_t kq = (K + 3) / 4;
  int32_t sums[kNcb];
  if (colsum != nullptr) std::fill(sums, sums + nc, 0);
  alignas(64) uint8_t gathered[4][kNcb];
  static const uint8_t zeros[kNcb] = {};
  for (int64_t q = 0; q < kq; ++q) {
    const uint8_t* r[4];
    for (int t = 0; t < 4; ++t) {
      const int64_t k = q * 4 + t;
      if (k >= K) {
        r[t] = zeros;
        continue;
      }
      if (im != nullptr) {
        im2col_row_s8(*im, k, j0, nc, gathered[t]);
        r[t] = gathered[t];
      } else {
        r[t] = B + k * ldb + j0;
      }
      if (colsum != nullptr)
        for (int64_t j = 0; j < nc; ++j) sums[j] += static_cast<int8_t>(r[t][j] ^ flip);
    }
    const uint32_t f4 = q * 4 + 3 < K ? flip * 0x01010101u : 0;
    for (int64_t jp = 0; jp < nc; jp += kNr) {
      uint32_t* dst = reinterpret_cast<uint32_t*>(out + jp * kq * 4 + q * kNr * 4);
      const int64_t cols = std::min<int64_t>(kNr, nc - jp);
      int64_t j = 0;
#if defined(__x86_64__)
      if (q * 4 + 3 < K) {
        // 16 columns of 4 real rows at a time: byte then 16-bit unpacks give each column's 4 bytes as one word
        // (SSE2, so every clone has it); the detector's 3x3 convolutions spent more here than in the kernel
        const __m128i f = _mm_set1_epi8(static_cast<char>(flip));
        for (; j + 16 <= cols; j += 16) {
          const __m128i r0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r[0] + jp + j));
          const __m128i r1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r[1] + jp + j));
          const __m128i r2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r[2] + jp + j));
          const __m128i r3 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r[3] + jp + j));
          const __m128i a = _mm_unpacklo_epi8(r0, r1), b = _mm_unpackhi_epi8(r0, r1);
          const __m128i c = _mm_unpacklo_epi8(r2, r3), d = _mm_unpackhi_epi8(r2, r3);
          __m128i* o = reinterpret_cast<__m128i*>(dst + j);
          _mm_storeu_si128(o, _mm_xor_si128(_mm_unpacklo_epi16(a, c), f));
          _mm_storeu_si128(o + 1, _mm_xor_si128(_mm_unpackhi_epi16(a, c), f));
          _mm_storeu_si128(o + 2, _mm_xor_si128(_mm_unpacklo_epi16(b, d), f));
          _mm_storeu_si128(o + 3, _mm_xor_si128(_mm_unpackhi_epi16(b, d), f));
        }
      }
#endif
      for (; j < cols; ++j) {
        const uint32_t v = uint32_t(r[0][jp + j]) | uint32_t(r[1][jp + j]) << 8 | uint32_t(r[2][jp + j]) << 16 |
                           uint32_t(r[3][jp + j]) << 24;
        dst[j] = v ^ f4;
      }
      if (f4 == 0 && flip != 0) {
        // the last quad: flip only the real rows, padding stays 0
        for (int64_t j = 0; j < cols; ++j) {
          uint8_t* b = reinterpret_cast<uint8_t*>(dst + j);
          for (int t = 0; t < 4 && q * 4 + t < K; ++t) b[t] ^= flip;
        }
      }
      for (int64_t j = cols; j < kNr; ++j) dst[j] = 0;
    }
  }
  if (colsum != nullptr)
    for (int64_t j = 0; j < nc; ++j) colsum[j] = sums[j];
}

// What QLinearConv does with a tile's exact sums: y = saturate(rint((acc + bias[m]) * scale[m]) + y_zero) in double,
// stored as 8 bits. Null for plain int32 output (ConvInteger, MatMulInteger).
struct Requant {
  const int32_t* bias;  // per row of C (output channel), may be null
  const double* scale;  // per row of C
  int32_t y_zero;
  bool y_signed;
  uint8_t* y;           // row-major like C, leading dimension ldc
  // Optional: a byte map applied to each stored byte while it is in cache (the QuantizedLookup that followed the
  // convolution, fused): 256 bytes per row of C (table_params rows), or one map for all (table_params 1).
  const uint8_t* table = nullptr;
  int64_t table_params = 0;
};

#if defined(__x86_64__)
// 64 lookups per step with AVX-512 VBMI (ew_lookup8's method: two 128-byte permutes pick from the table's halves,
// the top bit of each index chooses), masked for the row's rest; the bytes were just stored, so they are in L1.
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) void table_vbmi(int64_t n, const uint8_t* t, uint8_t* y) {
  const __m512i t0 = _mm512_loadu_si512(t), t1 = _mm512_loadu_si512(t + 64);
  const __m512i t2 = _mm512_loadu_si512(t + 128), t3 = _mm512_loadu_si512(t + 192);
  for (int64_t i = 0; i < n; i += 64) {
    const int64_t left = std::min<int64_t>(64, n - i);
    const __mmask64 mask = left == 64 ? ~__mmask64(0) : (__mmask64(1) << left) - 1;
    const __m512i v = _mm512_maskz_loadu_epi8(mask, y + i);
    const __m512i lo = _mm512_permutex2var_epi8(t0, v, t1);
    const __m512i hi = _mm512_permutex2var_epi8(t2, v, t3);
    _mm512_mask_storeu_epi8(y + i, mask, _mm512_mask_blend_epi8(_mm512_movepi8_mask(v), lo, hi));
  }
}

bool cpu_has_vbmi() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vbmi");
}
#endif

// y[i] = the row's table[y[i]] for n bytes just stored for row m (nothing without a table).
inline void apply_table(const Requant& rq, int64_t m, int64_t n, uint8_t* y) {
  if (rq.table == nullptr) return;
  const uint8_t* t = rq.table + (rq.table_params == 1 ? 0 : m * 256);
#if defined(__x86_64__)
  static const bool vbmi = cpu_has_vbmi();
  if (vbmi && !force_scalar.load(std::memory_order_relaxed)) {
    table_vbmi(n, t, y);
    return;
  }
#endif
  for (int64_t i = 0; i < n; ++i) y[i] = t[y[i]];
}

// One row of a tile: the exact sums from the raw ones (see the top of this file). The terms are taken modulo 2^32:
// the true value fits int32 (K <= kMaxInt8K), so the wrapped arithmetic gives it exactly.
EW_CLONES void exact_row(int64_t cols, const int32_t* tile, const int32_t* zb2, const int32_t* colsum, uint32_t zam,
                         uint32_t rs, uint32_t kzam, int32_t* c) {
  for (int64_t j = 0; j < cols; ++j) {
    const uint32_t zbn = static_cast<uint32_t>(zb2[j]);
    c[j] = static_cast<int32_t>(static_cast<uint32_t>(tile[j]) - zbn * rs - zam * static_cast<uint32_t>(colsum[j]) +
                                kzam * zbn);
  }
}

// The requantization of n exact sums with the reference's arithmetic (rint half to even, NaN stored as 0).
// A finite scale cannot make a NaN here (acc + bias is a finite integer), so the clamp needs no NaN test; a NaN or
// infinite scale (0 * inf is NaN) takes the checked loop.
template <typename T>
EW_CLONES void requant_run(int64_t n, const int32_t* acc, double bias, double s, double yz, double lo, double hi,
                           T* y) {
  if (std::isfinite(s)) {
    for (int64_t i = 0; i < n; ++i) {
      const double q = std::nearbyint((static_cast<double>(acc[i]) + bias) * s) + yz;
      y[i] = static_cast<T>(static_cast<int32_t>(std::max(lo, std::min(hi, q))));
    }
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    const double q = std::nearbyint((static_cast<double>(acc[i]) + bias) * s) + yz;
    y[i] = q != q ? T(0) : static_cast<T>(static_cast<int32_t>(std::max(lo, std::min(hi, q))));
  }
}

#if defined(__x86_64__)
// requant_run for a finite scale in 512-bit registers, 16 sums at a time (the compiler's clone of the loop above
// uses 256-bit ones): the same double arithmetic step by step (int32 -> double exact, one rounded product,
// vrndscalepd to nearest even = nearbyint, the clamp), so the same bytes. The clamped value is an integer in the
// type's range, so the truncating conversions are exact.
__attribute__((target("avx512f,avx512bw,avx512vl"))) inline __m256i requant8_avx512(__m256i a, __m512d vb, __m512d vs,
                                                                                 __m512d vz, __m512d vlo,
                                                                                 __m512d vhi) {
  __m512d v = _mm512_mul_pd(_mm512_add_pd(_mm512_cvtepi32_pd(a), vb), vs);
  v = _mm512_add_pd(_mm512_roundscale_pd(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), vz);
  return _mm512_cvttpd_epi32(_mm512_max_pd(vlo, _mm512_min_pd(vhi, v)));
}

// The float screen: the same bytes as the double arithmetic above, 16 sums per step in single precision, with the
// double path redone only for the sums the screen cannot decide. With v = acc + bias (exact in int32, see
// screen_ok), L = lo - yz, H = hi - yz (integers, |L|, |H| <= 255) and q = clamp(rint(v * s), L, H) in double
// (= rint(clamp(v * s, L, H)): rint is monotone and fixes integers):
// - r = fl32(fl32(v) * fl32(s)) (s in float's normal range, or 0) differs from the double product by at most
//   |v s| * (3 * 2^-24 + 2^-48 + 2^-53) < |r| * 2^-22.4, since each float rounding is relative 2^-24 and the double one
//   2^-53;
// - c = clamp(r, L, H). Where c is inside (L, H), |r| <= 255 and the two products are less than 2^-14 apart, so if c
//   is more than 2^-14 from every half-integer (|c - rint(c)| < 0.5 - 2^-14; the difference is exact, Sterbenz),
//   both lie strictly between the same two half-integers and round alike. Where c was clamped to H (r > H), the
//   double product exceeds H - 0.375 (|r| < 2^21: error < 0.375) or H itself (|r| >= 2^21), so it also rounds to H
//   or above and clamps to H; likewise at L. A clamped c is an integer, never flagged.
// - the other lanes (within 2^-14 of a tie; a double product that is exactly k + 0.5 is one) take the double path.
// Proven bit-exact, not approximately so; test_int8 checks near-tie scales against the naive double loop.
constexpr float kTieGuard = 0.5f - 0x1p-14f;

// The screen's preconditions for one row: acc + bias cannot leave int32 (|acc| <= k * 255 * 255 for a sum of k
// products), and s is 0 or in float's normal range with room (so fl32(s) has relative error 2^-24 and no product of
// an int32 by it overflows float).
inline bool screen_ok(double bias, double s, int64_t k) {
  const double a = std::fabs(s);
  return (s == 0.0 || (a >= 0x1p-100 && a <= 0x1p90)) &&
         std::fabs(bias) + static_cast<double>(k) * 65025.0 <= 2147483647.0;
}

// One row's constants for requant16.
struct Screen {
  __m512i vbias, vyz;
  __m512 vs, vL, vH;
};

__attribute__((target("avx512f,avx512bw,avx512vl"))) inline Screen make_screen(double bias, double s, double yz,
                                                                               double lo, double hi) {
  return Screen{_mm512_set1_epi32(static_cast<int32_t>(bias)), _mm512_set1_epi32(static_cast<int32_t>(yz)),
                _mm512_set1_ps(static_cast<float>(s)), _mm512_set1_ps(static_cast<float>(lo - yz)),
                _mm512_set1_ps(static_cast<float>(hi - yz))};
}

// 16 exact sums a (lanes outside mask ignored) requantized and stored as bytes: the float screen, then the double
// path (vb .. vhi: requant8_avx512's constants) for the lanes it flags.
__attribute__((target("avx512f,avx512bw,avx512vl"), always_inline)) inline void requant16(
    __m512i a, __mmask16 mask, const Screen& sc, __m512d vb, __m512d vs, __m512d vz, __m512d vlo, __m512d vhi,
    uint8_t* y) {
  const __m512i v = _mm512_add_epi32(a, sc.vbias);
  const __m512 c = _mm512_min_ps(sc.vH, _mm512_max_ps(sc.vL, _mm512_mul_ps(_mm512_cvtepi32_ps(v), sc.vs)));
  const __m512 ri = _mm512_roundscale_ps(c, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __mmask16 near =
      _mm512_mask_cmp_ps_mask(mask, _mm512_abs_ps(_mm512_sub_ps(c, ri)), _mm512_set1_ps(kTieGuard), _CMP_GE_OQ);
  __m512i q = _mm512_add_epi32(_mm512_cvttps_epi32(ri), sc.vyz);
  if (near != 0) {
    const __m256i lo8 = requant8_avx512(_mm512_castsi512_si256(a), vb, vs, vz, vlo, vhi);
    const __m256i hi8 = requant8_avx512(_mm512_extracti64x4_epi64(a, 1), vb, vs, vz, vlo, vhi);
    q = _mm512_mask_blend_epi32(near, q, _mm512_inserti64x4(_mm512_castsi256_si512(lo8), hi8, 1));
  }
  _mm_mask_storeu_epi8(y, mask, _mm512_cvtepi32_epi8(q));
}

// k: the number of products in each sum (for screen_ok).
__attribute__((target("avx512f,avx512bw,avx512vl"))) void requant_run_avx512(int64_t n, const int32_t* acc,
                                                                             double bias, double s, double yz,
                                                                             double lo, double hi, int64_t k,
                                                                             uint8_t* y) {
  const __m512d vb = _mm512_set1_pd(bias), vs = _mm512_set1_pd(s), vz = _mm512_set1_pd(yz);
  const __m512d vlo = _mm512_set1_pd(lo), vhi = _mm512_set1_pd(hi);
  if (screen_ok(bias, s, k)) {
    const Screen sc = make_screen(bias, s, yz, lo, hi);
    for (int64_t i = 0; i < n; i += 16) {
      const int64_t left = std::min<int64_t>(16, n - i);
      const __mmask16 mask = left == 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1);
      requant16(_mm512_maskz_loadu_epi32(mask, acc + i), mask, sc, vb, vs, vz, vlo, vhi, y + i);
    }
    return;
  }
  for (int64_t i = 0; i < n; i += 16) {
    const int64_t left = std::min<int64_t>(16, n - i);
    const __mmask16 mask = left == 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1);
    const __m512i a = _mm512_maskz_loadu_epi32(mask, acc + i);
    const __m256i lo8 = requant8_avx512(_mm512_castsi512_si256(a), vb, vs, vz, vlo, vhi);
    const __m256i hi8 = requant8_avx512(_mm512_extracti64x4_epi64(a, 1), vb, vs, vz, vlo, vhi);
    const __m512i q = _mm512_inserti64x4(_mm512_castsi256_si512(lo8), hi8, 1);
    _mm_mask_storeu_epi8(y + i, mask, _mm512_cvtepi32_epi8(q));
  }
}
#endif

#if defined(__x86_64__)
// exact_row then requant_run_avx512 in one pass over a tile row, 16 columns at a time in registers: the wrapped
// 32-bit correction (vpmulld keeps the low 32 bits, as the scalar uint32 arithmetic does), then the same double
// requantization.
__attribute__((target("avx512f,avx512bw,avx512vl"))) void exact_requant_row_avx512(
    int64_t cols, const int32_t* tile, const int32_t* zb2, const int32_t* colsum, uint32_t zam, uint32_t rs,
    uint32_t kzam, double bias, double s, double yz, double lo, double hi, int64_t k, uint8_t* y) {
  const __m512i vzam = _mm512_set1_epi32(static_cast<int32_t>(zam));
  const __m512i vrk = _mm512_set1_epi32(static_cast<int32_t>(rs - kzam));
  const __m512d vb = _mm512_set1_pd(bias), vs = _mm512_set1_pd(s), vz = _mm512_set1_pd(yz);
  const __m512d vlo = _mm512_set1_pd(lo), vhi = _mm512_set1_pd(hi);
  const bool screen = screen_ok(bias, s, k);
  const Screen sc = make_screen(screen ? bias : 0.0, s, yz, lo, hi);
  for (int64_t j = 0; j < cols; j += 16) {
    const int64_t left = std::min<int64_t>(16, cols - j);
    const __mmask16 mask = left == 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1);
    const __m512i t = _mm512_maskz_loadu_epi32(mask, tile + j);
    const __m512i zb = _mm512_maskz_loadu_epi32(mask, zb2 + j);
    const __m512i cs = _mm512_maskz_loadu_epi32(mask, colsum + j);
    // tile - zb * rs - zam * colsum + kzam * zb = tile - zb * (rs - kzam) - zam * colsum (mod 2^32)
    const __m512i a = _mm512_sub_epi32(_mm512_sub_epi32(t, _mm512_mullo_epi32(zb, vrk)), _mm512_mullo_epi32(vzam, cs));
    if (screen) {
      requant16(a, mask, sc, vb, vs, vz, vlo, vhi, y + j);
      continue;
    }
    const __m256i lo8 = requant8_avx512(_mm512_castsi512_si256(a), vb, vs, vz, vlo, vhi);
    const __m256i hi8 = requant8_avx512(_mm512_extracti64x4_epi64(a, 1), vb, vs, vz, vlo, vhi);
    _mm_mask_storeu_epi8(y + j, mask, _mm512_cvtepi32_epi8(_mm512_inserti64x4(_mm512_castsi256_si512(lo8), hi8, 1)));
  }
}
#endif

void requant(const Requant& rq, int64_t m, int64_t n, const int32_t* acc, int64_t k, uint8_t* y);

#if defined(__x86_64__)
// Per-row constants of a GEMM's requantized rows, prepared once per call (not per tile): the tile epilogue below
// reads them with broadcasts instead of redoing the set-up (zero-point products, the screen's preconditions, scale
// conversions) for every 32 columns of every row.
struct RowRq {
  std::vector<int32_t> zam, rk, bias;  // za', rowsum - K * za' (mod 2^32), bias (0 where the screen is off)
  std::vector<float> sf;               // the scale in single precision
  std::vector<uint8_t> screen;         // the float screen applies to the row (screen_ok and a finite scale)
};

void prepare_rows(int64_t M, int64_t K, const int32_t* za2, const int64_t* rowsum, const Requant& rq, RowRq* r) {
  r->zam.resize(M);
  r->rk.resize(M);
  r->bias.resize(M);
  r->sf.resize(M);
  r->screen.resize(M);
  for (int64_t m = 0; m < M; ++m) {
    const uint32_t zam = static_cast<uint32_t>(za2[m]);
    r->zam[m] = static_cast<int32_t>(zam);
    r->rk[m] = static_cast<int32_t>(static_cast<uint32_t>(rowsum[m]) - static_cast<uint32_t>(K) * zam);
    const double bias = rq.bias == nullptr ? 0.0 : rq.bias[m];
    const double s = rq.scale[m];
    const bool ok = std::isfinite(s) && screen_ok(bias, s, K);
    r->screen[m] = ok;
    r->bias[m] = ok ? static_cast<int32_t>(bias) : 0;
    r->sf[m] = ok ? static_cast<float>(s) : 0.0f;
  }
}

// Rows [0, rows) of a kMr x kNr tile of raw sums (columns [0, cols)), rows m0 + i of the GEMM, requantized into
// y + i * ldy: the exact sums (the wrapped 32-bit correction of exact_row), then the float screen; rows the screen
// does not take, and the lanes it flags, go through the double arithmetic (requant8_avx512 / requant_run).
__attribute__((target("avx512f,avx512bw,avx512vl"))) void requant_tile_avx512(
    int64_t rows, int64_t cols, const int32_t* tile, const int32_t* zb2, const int32_t* colsum, const RowRq& r,
    int64_t m0, const Requant& rq, int64_t K, uint8_t* y, int64_t ldy) {
  const double yz = rq.y_zero, lo = rq.y_signed ? -128.0 : 0.0, hi = rq.y_signed ? 127.0 : 255.0;
  const __m512 vL = _mm512_set1_ps(static_cast<float>(lo - yz)), vH = _mm512_set1_ps(static_cast<float>(hi - yz));
  const __m512i vyz = _mm512_set1_epi32(rq.y_zero);
  const __m512 guard = _mm512_set1_ps(kTieGuard);
  for (int64_t j = 0; j < cols; j += 16) {
    const int64_t left = std::min<int64_t>(16, cols - j);
    const __mmask16 mask = left == 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1);
    const __m512i zb = _mm512_maskz_loadu_epi32(mask, zb2 + j);
    const __m512i cs = _mm512_maskz_loadu_epi32(mask, colsum + j);
    for (int64_t i = 0; i < rows; ++i) {
      const int64_t m = m0 + i;
      const __m512i t = _mm512_maskz_loadu_epi32(mask, tile + i * kNr + j);
      // tile - zb * rs - zam * colsum + kzam * zb = tile - zb * (rs - kzam) - zam * colsum (mod 2^32)
      const __m512i a = _mm512_sub_epi32(_mm512_sub_epi32(t, _mm512_mullo_epi32(zb, _mm512_set1_epi32(r.rk[m]))),
                                         _mm512_mullo_epi32(_mm512_set1_epi32(r.zam[m]), cs));
      uint8_t* out = y + i * ldy + j;
      if (!r.screen[m]) {
        alignas(64) int32_t exact[16];
        _mm512_store_si512(exact, a);
        Requant plain = rq;
        plain.table = nullptr;
        requant(plain, m, left, exact, K, out);
        continue;
      }
      const __m512i v = _mm512_add_epi32(a, _mm512_set1_epi32(r.bias[m]));
      const __m512 c =
          _mm512_min_ps(vH, _mm512_max_ps(vL, _mm512_mul_ps(_mm512_cvtepi32_ps(v), _mm512_set1_ps(r.sf[m]))));
      const __m512 ri = _mm512_roundscale_ps(c, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      const __mmask16 near = _mm512_mask_cmp_ps_mask(mask, _mm512_abs_ps(_mm512_sub_ps(c, ri)), guard, _CMP_GE_OQ);
      const __m128i q8 = _mm512_cvtepi32_epi8(_mm512_add_epi32(_mm512_cvttps_epi32(ri), vyz));
      _mm_mask_storeu_epi8(out, mask, q8);
      if (near != 0) {
        // the double path for the flagged lanes (rare: within 2^-14 of a tie)
        alignas(64) int32_t exact[16];
        _mm512_store_si512(exact, a);
        const double bias = rq.bias == nullptr ? 0.0 : rq.bias[m];
        for (int l = 0; l < 16; ++l) {
          if (((near >> l) & 1) == 0) continue;
          const double q = std::nearbyint((static_cast<double>(exact[l]) + bias) * rq.scale[m]) + yz;
          const int32_t v8 = static_cast<int32_t>(std::max(lo, std::min(hi, q)));
          out[l] = static_cast<uint8_t>(v8);
        }
      }
    }
  }
  if (rq.table != nullptr)
    for (int64_t i = 0; i < rows; ++i) apply_table(rq, m0 + i, cols, y + i * ldy);
}
#endif

// The requantization of row m's n sums (each of at most k products) into y, then its table if any.
void requant(const Requant& rq, int64_t m, int64_t n, const int32_t* acc, int64_t k, uint8_t* y) {
  const double bias = rq.bias == nullptr ? 0.0 : rq.bias[m];
#if defined(__x86_64__)
  // where the VNNI kernel runs, the CPU has AVX-512 F/BW/VL
  if (choose_kernel() == kernel_vnni && std::isfinite(rq.scale[m])) {
    if (rq.y_signed)
      requant_run_avx512(n, acc, bias, rq.scale[m], rq.y_zero, -128.0, 127.0, k, y);
    else
      requant_run_avx512(n, acc, bias, rq.scale[m], rq.y_zero, 0.0, 255.0, k, y);
    apply_table(rq, m, n, y);
    return;
  }
#endif
  if (rq.y_signed)
    requant_run(n, acc, bias, rq.scale[m], rq.y_zero, -128.0, 127.0, reinterpret_cast<int8_t*>(y));
  else
    requant_run(n, acc, bias, rq.scale[m], rq.y_zero, 0.0, 255.0, y);
  apply_table(rq, m, n, y);
}

}  // namespace

void set_int8_force_scalar(bool force) { force_scalar.store(force); }

const char* int8_kernel_name() { return choose_kernel() == kernel_scalar ? "scalar" : "avx512vnni"; }

void requantize_for_test(int64_t n, const int32_t* acc, int32_t bias, double scale, int32_t y_zero, bool y_signed,
                         int64_t k, uint8_t* y) {
  const Requant rq{&bias, &scale, y_zero, y_signed, y};
  requant(rq, 0, n, acc, k, y);
}

namespace {

// A packed once (pack_a's output and its row sums), for weights that do not change between calls.
struct PackedA {
  const uint8_t* pack;
  const int64_t* rowsum;
};

// C = the exact sums, or with rq their requantization into rq->y (same row-major indexing, ldc). With pa, A is
// not read: its packed form is (A must still be of the type a_signed says, which the packing used). With im, B is
// not read either: its panels are packed from the image (B may be null).
void gemm_s8_impl(int64_t M, int64_t N, int64_t K, const uint8_t* A, int64_t lda, bool a_signed, const int32_t* za,
                  const uint8_t* B, int64_t ldb, bool b_signed, const int32_t* zb, int32_t* C, int64_t ldc,
                  const Requant* rq, const PackedA* pa = nullptr, const Im2colS8* im = nullptr) {
  if (M <= 0 || N <= 0) return;
  if (K == 0) {
    alignas(64) int32_t zero_row[kNr] = {};
    for (int64_t m = 0; m < M; ++m) {
      if (rq == nullptr) {
        std::fill(C + m * ldc, C + m * ldc + N, 0);
      } else {
        for (int64_t j = 0; j < N; j += kNr) requant(*rq, m, std::min<int64_t>(kNr, N - j), zero_row, 0, rq->y + m * ldc + j);
      }
    }
    return;
  }
  const Kernel kernel = choose_kernel();
  const int64_t kq = (K + 3) / 4;
  const int64_t mp = (M + kMr - 1) / kMr * kMr;
  std::vector<uint8_t> a_own;
  std::vector<int64_t> rowsum_own;
  const uint8_t* a_pack = pa == nullptr ? nullptr : pa->pack;
  const int64_t* rowsum = pa == nullptr ? nullptr : pa->rowsum;
  if (pa == nullptr) {
    a_own.resize(static_cast<size_t>(mp * kq * 4));
    rowsum_own.resize(static_cast<size_t>(M));
    pack_a(M, K, A, lda, a_signed ? 0x80 : 0, a_own.data(), rowsum_own.data());
    a_pack = a_own.data();
    rowsum = rowsum_own.data();
  }
  std::vector<int32_t> za2(static_cast<size_t>(M)), zb2(static_cast<size_t>(N));
  for (int64_t m = 0; m < M; ++m) za2[m] = za[m] + (a_signed ? 128 : 0);
  for (int64_t n = 0; n < N; ++n) zb2[n] = zb[n] - (b_signed ? 0 : 128);
  const int64_t col_blocks = (N + kNcb - 1) / kNcb;
  const int64_t row_chunks = (M + kMcb - 1) / kMcb;
#if defined(__x86_64__)
  const bool tile_epilogue = rq != nullptr && kernel == kernel_vnni;
  RowRq rows_rq;
  if (tile_epilogue) prepare_rows(M, K, za2.data(), rowsum, *rq, &rows_rq);
#endif
  parallel_for_work(2 * M * N * K, col_blocks * row_chunks, [&](int64_t task) {
    const int64_t j0 = (task / row_chunks) * kNcb;
    const int64_t nc = std::min(kNcb, N - j0);
    const int64_t m0 = (task % row_chunks) * kMcb;
    const int64_t m1 = std::min(M, m0 + kMcb);
    thread_local std::vector<int8_t> b_pack;
    thread_local std::vector<int64_t> colsum64;
    b_pack.resize(static_cast<size_t>(kNcb * kq * 4));
    colsum64.resize(static_cast<size_t>(kNcb));
    alignas(64) int32_t colsum[kNcb];
#if defined(__x86_64__)
    if (kernel == kernel_vnni) {
      pack_b(K, j0, nc, B, ldb, b_signed ? 0 : 0x80, b_pack.data(), nullptr, im);
      colsum_vnni(kq, nc, b_pack.data(), colsum);  // whole panels: colsum has room for kNcb columns
    } else
#endif
    {
      pack_b(K, j0, nc, B, ldb, b_signed ? 0 : 0x80, b_pack.data(), colsum64.data(), im);
      for (int64_t j = 0; j < nc; ++j) colsum[j] = static_cast<int32_t>(colsum64[j]);
    }
    alignas(64) int32_t tile[kMr * kNr];
    alignas(64) int32_t exact[kNr];
    for (int64_t jr = 0; jr < nc; jr += kNr) {
      const int64_t cols = std::min<int64_t>(kNr, nc - jr);
      const int8_t* bp = b_pack.data() + jr * kq * 4;
      for (int64_t ir = m0; ir < m1; ir += kMr) {
        const int64_t rows = std::min<int64_t>(kMr, m1 - ir);
        kernel(kq, a_pack + ir * kq * 4, bp, tile);
#if defined(__x86_64__)
        if (tile_epilogue) {
          requant_tile_avx512(rows, cols, tile, zb2.data() + j0 + jr, colsum + jr, rows_rq, ir, *rq, K,
                              rq->y + ir * ldc + j0 + jr, ldc);
          continue;
        }
#endif
        for (int64_t i = 0; i < rows; ++i) {
          const int64_t m = ir + i;
          const uint32_t zam = static_cast<uint32_t>(za2[m]);
          const uint32_t rs = static_cast<uint32_t>(rowsum[m]);
          const uint32_t kzam = static_cast<uint32_t>(K) * zam;
          if (rq == nullptr) {
            exact_row(cols, tile + i * kNr, zb2.data() + j0 + jr, colsum + jr, zam, rs, kzam, C + m * ldc + j0 + jr);
          } else {
#if defined(__x86_64__)
            if (kernel == kernel_vnni && std::isfinite(rq->scale[m])) {
              exact_requant_row_avx512(cols, tile + i * kNr, zb2.data() + j0 + jr, colsum + jr, zam, rs, kzam,
                                       rq->bias == nullptr ? 0.0 : rq->bias[m], rq->scale[m], rq->y_zero,
                                       rq->y_signed ? -128.0 : 0.0, rq->y_signed ? 127.0 : 255.0, K,
                                       rq->y + m * ldc + j0 + jr);
              apply_table(*rq, m, cols, rq->y + m * ldc + j0 + jr);
              continue;
            }
#endif
            exact_row(cols, tile + i * kNr, zb2.data() + j0 + jr, colsum + jr, zam, rs, kzam, exact);
            requant(*rq, m, cols, exact, K, rq->y + m * ldc + j0 + jr);
          }
        }
      }
    }
  });
}

}  // namespace

void gemm_s8(int64_t M, int64_t N, int64_t K, const uint8_t* A, int64_t lda, bool a_signed, const int32_t* za,
             const uint8_t* B, int64_t ldb, bool b_signed, const int32_t* zb, int32_t* C, int64_t ldc) {
  gemm_s8_impl(M, N, K, A, lda, a_signed, za, B, ldb, b_signed, zb, C, ldc, nullptr);
}

namespace {

using Geometry = ConvGeometry;

// The shared checks, plus the K bound that keeps int32 accumulation exact (see the top of this file).
bool read_geometry(const int64_t* geometry, Geometry* g) {
  return read_conv_geometry(geometry, g) && (g->c / g->group) * g->kh * g->kw <= kMaxInt8K;
}

// One plane of a depthwise convolution (one input channel, one output channel): y[oy][ox] = sum over the window of
// (x - x_zero) * wv, wv the weights minus their zero point. Padding contributes nothing, so each kernel tap adds
// over the output columns whose input lies inside the row only (inside_range), a loop the compiler vectorizes.
template <typename TX>
EW_CLONES void depthwise_plane(const Geometry& g, const TX* __restrict x, int32_t x_zero, const int32_t* wv,
                               int32_t* __restrict y) {
  std::fill(y, y + g.oh * g.ow, 0);
  for (int64_t ky = 0; ky < g.kh; ++ky) {
    for (int64_t kx = 0; kx < g.kw; ++kx) {
      const int32_t wk = wv[ky * g.kw + kx];
      if (wk == 0) continue;
      const int64_t offset = kx * g.dw - g.pl;
      int64_t lo, hi;
      inside_range(offset, g.sw, g.w, g.ow, &lo, &hi);
      for (int64_t oy = 0; oy < g.oh; ++oy) {
        const int64_t iy = oy * g.sh - g.pt + ky * g.dh;
        if (iy < 0 || iy >= g.h) continue;
        const TX* __restrict row = x + iy * g.w;
        int32_t* __restrict out = y + oy * g.ow;
        if (g.sw == 1) {
          for (int64_t ox = lo; ox < hi; ++ox) out[ox] += wk * (int32_t(row[ox + offset]) - x_zero);
        } else {
          for (int64_t ox = lo; ox < hi; ++ox) out[ox] += wk * (int32_t(row[ox * g.sw + offset]) - x_zero);
        }
      }
    }
  }
}

// depthwise_plane in float: every product (x - x_zero) * wv is an integer of magnitude <= 255 * 255 and every partial
// sum of at most kMaxFloatTaps of them stays below 2^24, so float arithmetic (FMA included) is exact here and runs in
// the wide float units (a vectorized 32-bit integer multiply is several times slower on most x86 cores).
constexpr int64_t kMaxFloatTaps = (int64_t{1} << 24) / (255 * 255);

EW_CLONES void depthwise_plane_float(const Geometry& g, const float* __restrict x, const float* wv,
                                     float* __restrict y) {
  std::fill(y, y + g.oh * g.ow, 0.0f);
  for (int64_t ky = 0; ky < g.kh; ++ky) {
    for (int64_t kx = 0; kx < g.kw; ++kx) {
      const float wk = wv[ky * g.kw + kx];
      if (wk == 0.0f) continue;
      const int64_t offset = kx * g.dw - g.pl;
      int64_t lo, hi;
      inside_range(offset, g.sw, g.w, g.ow, &lo, &hi);
      for (int64_t oy = 0; oy < g.oh; ++oy) {
        const int64_t iy = oy * g.sh - g.pt + ky * g.dh;
        if (iy < 0 || iy >= g.h) continue;
        const float* __restrict row = x + iy * g.w;
        float* __restrict out = y + oy * g.ow;
        if (g.sw == 1) {
          for (int64_t ox = lo; ox < hi; ++ox) out[ox] += wk * row[ox + offset];
        } else {
          for (int64_t ox = lo; ox < hi; ++ox) out[ox] += wk * row[ox * g.sw + offset];
        }
      }
    }
  }
}

// Stride-1 depthwise plane over a zero-padded copy of the centered input (xp: rows of stride `ld`, each with at least
// 64 readable floats past the last one used): 64 outputs of a row at a time in accumulators that stay in registers
// through every tap, with no bounds checks (padding is 0 after centering, so it adds nothing).
// One run of kRun outputs of row oy starting at ox0 (kRun <= 64: the rows' spare zeros cover the overrun).
// always_inline: the caller is compiled per ISA (EW_CLONES); a call to an outlined copy would run baseline SSE code.
// A row of the buffer is sw phases of lp floats (column c at phase c % sw, index c / sw), so tap kx of the outputs
// ox0.. reads consecutive floats at any stride; with sw = 1 it is the plain padded row.
// kSw: the column stride as a constant (a division by a runtime stride per tap and run cost more than the FMAs).
template <int kRun, int kSw>
__attribute__((always_inline)) inline void depthwise_run_float(const Geometry& g, const float* __restrict xp, int64_t ld, int64_t lp, const float* wv,
                                int64_t oy, int64_t ox0, float* __restrict y) {
  float acc[kRun] = {};
  for (int64_t ky = 0; ky < g.kh; ++ky) {
    const float* row = xp + (oy * g.sh + ky * g.dh) * ld + ox0;
    for (int64_t kx = 0; kx < g.kw; ++kx) {
      const float wk = wv[ky * g.kw + kx];
      const int64_t c = kx * g.dw;
      const float* r = row + (c % kSw) * lp + c / kSw;
      for (int j = 0; j < kRun; ++j) acc[j] += wk * r[j];
    }
  }
  const int64_t n = std::min<int64_t>(kRun, g.ow - ox0);
  std::copy(acc, acc + n, y + oy * g.ow + ox0);
}

// Runs of 64 outputs, the row's rest in runs of 16: a row of 80 (the OCR recogniser's) computes 80 outputs, not 128.
template <int kSw>
EW_CLONES void depthwise_rows_float(const Geometry& g, const float* __restrict xp, int64_t ld, int64_t lp,
                                    const float* wv, float* __restrict y) {
  for (int64_t oy = 0; oy < g.oh; ++oy) {
    int64_t ox0 = 0;
    for (; ox0 + 64 <= g.ow; ox0 += 64) depthwise_run_float<64, kSw>(g, xp, ld, lp, wv, oy, ox0, y);
    for (; ox0 < g.ow; ox0 += 16) depthwise_run_float<16, kSw>(g, xp, ld, lp, wv, oy, ox0, y);
  }
}

template <typename TX>
EW_CLONES void centered_float(int64_t n, const TX* x, int32_t x_zero, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = static_cast<float>(int32_t(x[i]) - x_zero);
}

EW_CLONES void float_to_int(int64_t n, const float* x, int32_t* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = static_cast<int32_t>(x[i]);
}

// Even columns of a row to e, odd ones to o (a constant stride, which the compiler turns into vector permutes).
EW_CLONES void split_phases2(int64_t n, const float* __restrict x, float* __restrict e, float* __restrict o) {
  for (int64_t i = 0; i < n / 2; ++i) {
    e[i] = x[2 * i];
    o[i] = x[2 * i + 1];
  }
  if (n % 2 != 0) e[n / 2] = x[n - 1];
}

#if defined(__x86_64__)
// --- Depthwise convolution on the VNNI unit (kernel rows of up to 8 taps, column stride up to 3, no column dilation) ---
//
// A plane is copied once into a byte buffer of the rows and columns the windows reach, padded with the x zero point
// (as u8: x ^ 0x80 for int8 input, the zero point shifted alike), so that a padded tap adds (z - z) * w = 0 after the
// correction below. For 16 outputs ox0.. of one output row and one kernel row, the taps 4q .. 4q + 3 of output
// ox0 + j are the bytes at (ox0 + j) * sw + 4q + t of the buffer row: one 64-byte load and one vpermb (byte j * 4 + t
// <- j * sw + t) make them the u8 quads of vpdpbusd, the weights w - w_zero (which must fit s8) the s8 quad (taps past
// the kernel's width weigh 0, so whatever bytes they read add nothing). Then
//   sum over taps of (u - z')(w') = sum u w' - z' * sum w'
// exactly (|u w'| <= 255 * 128 and at most 64 taps: no int32 overflow), and the requantization reads the sums from
// registers. This replaced, for these shapes, a float copy of the plane, float FMAs and conversions back.
struct DwVnni {
  int64_t nq;   // quads per kernel row (1 or 2)
  int64_t ld;   // bytes per buffer row
  int64_t ph;   // buffer rows
};

bool cpu_has_vnni_vbmi() {
  static const bool ok = cpu_has_vnni() && cpu_has_vbmi();
  return ok;
}

DwVnni dw_vnni_layout(const Geometry& g) {
  DwVnni d;
  d.nq = (g.kw + 3) / 4;
  d.ph = (g.oh - 1) * g.sh + (g.kh - 1) * g.dh + 1;
  const int64_t groups = (g.ow + 15) / 16;
  // the last load starts at (groups - 1) * 16 * sw + 4 (nq - 1) and reads 64 bytes
  d.ld = ((groups - 1) * 16 * g.sw + 4 * (d.nq - 1) + 64 + 63) / 64 * 64;
  return d;
}

bool dw_vnni_fits(const Geometry& g) {
  return cpu_has_vnni_vbmi() && !force_scalar.load(std::memory_order_relaxed) && g.kw <= 8 && g.sw <= 3 &&
         g.dw == 1 && g.kh * g.kw <= 64;
}

// The padded plane: row r is input row r - pt, column c input column c - pl; z (the shifted zero point) elsewhere.
void dw_fill(const Geometry& g, const DwVnni& d, const uint8_t* x, uint8_t flip, uint8_t z, uint8_t* p) {
  for (int64_t r = 0; r < d.ph; ++r) {
    uint8_t* dst = p + r * d.ld;
    const int64_t iy = r - g.pt;
    if (iy < 0 || iy >= g.h) {
      std::memset(dst, z, static_cast<size_t>(d.ld));
      continue;
    }
    const int64_t c0 = std::min(d.ld, g.pl), c1 = std::min(d.ld, g.pl + g.w);
    std::memset(dst, z, static_cast<size_t>(c0));
    const uint8_t* src = x + iy * g.w;
    if (flip == 0) {
      std::memcpy(dst + c0, src, static_cast<size_t>(c1 - c0));
    } else {
      for (int64_t c = c0; c < c1; ++c) dst[c] = src[c - g.pl] ^ flip;
    }
    std::memset(dst + c1, z, static_cast<size_t>(d.ld - c1));
  }
}

// One plane: wq[ky * nq + q] the s8 weight quads, corr = z' * sum w'; the exact sums go to y32 (ConvInteger) or,
// with rq, requantized to y8 (the float screen where it applies, else through a row of int32 and requant()).
template <int kNq>
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx512vbmi"))) void dw_vnni_plane(
    const Geometry& g, const DwVnni& d, const uint8_t* p, const int32_t* wq, int32_t corr, const Requant* rq,
    int64_t m, int32_t* y32, uint8_t* y8) {
  alignas(64) int8_t index[64];
  for (int j = 0; j < 16; ++j)
    for (int t = 0; t < 4; ++t) index[j * 4 + t] = static_cast<int8_t>(j * g.sw + t);
  const __m512i idx = _mm512_load_si512(index);
  const __m512i vcorr = _mm512_set1_epi32(corr);
  const int64_t taps = g.kh * g.kw;
  const double bias = rq == nullptr || rq->bias == nullptr ? 0.0 : rq->bias[m];
  const double s = rq == nullptr ? 0.0 : rq->scale[m];
  const double lo = rq != nullptr && rq->y_signed ? -128.0 : 0.0, hi = rq != nullptr && rq->y_signed ? 127.0 : 255.0;
  const double yz = rq == nullptr ? 0.0 : rq->y_zero;
  const bool screen = rq != nullptr && std::isfinite(s) && screen_ok(bias, s, taps);
  const Screen sc = make_screen(screen ? bias : 0.0, screen ? s : 0.0, yz, lo, hi);
  const __m512d vb = _mm512_set1_pd(bias), vs = _mm512_set1_pd(s), vz = _mm512_set1_pd(yz);
  const __m512d vlo = _mm512_set1_pd(lo), vhi = _mm512_set1_pd(hi);
  alignas(64) int32_t row32[64];
  const int64_t groups = (g.ow + 15) / 16;
  const int64_t step = 16 * g.sw;
  for (int64_t oy = 0; oy < g.oh; ++oy) {
    const uint8_t* r0 = p + oy * g.sh * d.ld;
    for (int64_t j0 = 0; j0 < groups; j0 += 4) {
      const int64_t u = std::min<int64_t>(4, groups - j0);
      __m512i acc[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(),
                        _mm512_setzero_si512()};
      const uint8_t* base = r0 + j0 * step;
      if (u == 4) {
        for (int64_t ky = 0; ky < g.kh; ++ky) {
          const uint8_t* row = base + ky * g.dh * d.ld;
          for (int q = 0; q < kNq; ++q) {
            const __m512i w = _mm512_set1_epi32(wq[ky * kNq + q]);
            for (int t = 0; t < 4; ++t)
              acc[t] = _mm512_dpbusd_epi32(acc[t], _mm512_permutexvar_epi8(idx, _mm512_loadu_si512(row + t * step + 4 * q)), w);
          }
        }
      } else {
        for (int64_t ky = 0; ky < g.kh; ++ky) {
          const uint8_t* row = base + ky * g.dh * d.ld;
          for (int q = 0; q < kNq; ++q) {
            const __m512i w = _mm512_set1_epi32(wq[ky * kNq + q]);
            for (int t = 0; t < u; ++t)
              acc[t] = _mm512_dpbusd_epi32(acc[t], _mm512_permutexvar_epi8(idx, _mm512_loadu_si512(row + t * step + 4 * q)), w);
          }
        }
      }
      for (int t = 0; t < u; ++t) {
        const int64_t ox = (j0 + t) * 16;
        const int64_t left = std::min<int64_t>(16, g.ow - ox);
        const __mmask16 mask = left == 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1);
        const __m512i a = _mm512_sub_epi32(acc[t], vcorr);
        const int64_t at = oy * g.ow + ox;
        if (rq == nullptr) {
          _mm512_mask_storeu_epi32(y32 + at, mask, a);
        } else if (screen) {
          requant16(a, mask, sc, vb, vs, vz, vlo, vhi, y8 + at);
        } else {
          _mm512_store_si512(row32 + t * 16, a);
        }
      }
      if (rq != nullptr && !screen) {
        // the table, if any, is applied to the whole plane by the caller
        Requant plain = *rq;
        plain.table = nullptr;
        const int64_t ox = j0 * 16;
        requant(plain, m, std::min<int64_t>(u * 16, g.ow - ox), row32, taps, y8 + oy * g.ow + ox);
      }
    }
  }
}
#endif

// Depthwise convolution (group = in = out channels): one direct pass per plane instead of a GEMM of one row per
// group (which packed an 8-row tile for one row and handed the pool a region per channel).
void depthwise_s8(const Geometry& g, bool x_signed, const uint8_t* x, int32_t x_zero, bool w_signed, const uint8_t* w,
                  const int32_t* w_zero, int64_t w_zero_count, int32_t* y, const Requant* rq) {
  const int64_t taps = g.kh * g.kw;
  std::vector<int32_t> wv(static_cast<size_t>(g.m * taps));
  for (int64_t m = 0; m < g.m; ++m) {
    const int32_t z = w_zero == nullptr ? 0 : w_zero[w_zero_count == 1 ? 0 : m];
    for (int64_t t = 0; t < taps; ++t) {
      const uint8_t b = w[m * taps + t];
      wv[m * taps + t] = (w_signed ? int32_t(static_cast<int8_t>(b)) : int32_t(b)) - z;
    }
  }
#if defined(__x86_64__)
  if (dw_vnni_fits(g) &&
      std::all_of(wv.begin(), wv.end(), [](int32_t v) { return v >= -128 && v <= 127; })) {
    const DwVnni d = dw_vnni_layout(g);
    const int64_t nq = d.nq;
    std::vector<int32_t> wq(static_cast<size_t>(g.m * g.kh * nq), 0), corr(static_cast<size_t>(g.m));
    const int32_t z = (x_signed ? x_zero + 128 : x_zero);  // the zero point in the buffer's u8 form
    for (int64_t m = 0; m < g.m; ++m) {
      int32_t sum = 0;
      for (int64_t ky = 0; ky < g.kh; ++ky)
        for (int64_t kx = 0; kx < g.kw; ++kx) {
          const int32_t v = wv[m * taps + ky * g.kw + kx];
          sum += v;
          uint32_t& quad = reinterpret_cast<uint32_t&>(wq[(m * g.kh + ky) * nq + kx / 4]);
          quad |= (static_cast<uint32_t>(v) & 0xFFu) << (8 * (kx % 4));
        }
      corr[m] = z * sum;
    }
    const int64_t plane = g.oh * g.ow;
    parallel_for_work(g.n * g.m * plane * taps * 2, g.n * g.m, [&](int64_t job) {
      const int64_t m = job % g.m;
      thread_local std::vector<uint8_t> buf;
      buf.resize(static_cast<size_t>(d.ph * d.ld + 64));
      dw_fill(g, d, x + job * g.h * g.w, x_signed ? 0x80 : 0, static_cast<uint8_t>(z), buf.data());
      const int32_t* w = wq.data() + m * g.kh * nq;
      int32_t* y32 = rq == nullptr ? y + job * plane : nullptr;
      uint8_t* y8 = rq == nullptr ? nullptr : rq->y + job * plane;
      if (nq == 1)
        dw_vnni_plane<1>(g, d, buf.data(), w, corr[m], rq, m, y32, y8);
      else
        dw_vnni_plane<2>(g, d, buf.data(), w, corr[m], rq, m, y32, y8);
      if (rq != nullptr) apply_table(*rq, m, plane, y8);
    });
    return;
  }
#endif
  const std::vector<float> wf(wv.begin(), wv.end());
  const int64_t plane = g.oh * g.ow;
  parallel_for_work(g.n * g.m * plane * taps * 2, g.n * g.m, [&](int64_t job) {
    const int64_t m = job % g.m;
    const uint8_t* xin = x + job * g.h * g.w;
    // requantized: the plane's sums in a per-thread buffer that stays in cache, then stored as 8 bits
    thread_local std::vector<int32_t> sums;
    int32_t* acc = y + job * plane;
    if (rq != nullptr) {
      sums.resize(static_cast<size_t>(plane));
      acc = sums.data();
    }
    if (taps <= kMaxFloatTaps && g.sw <= 2) {
      // the input's rows and columns the windows reach, zero outside x; a row is sw phases (column c at phase
      // c % sw, index c / sw: a strided window's taps read consecutive floats), each phase followed by 64 spare
      // zeros
      const int64_t ph = (g.oh - 1) * g.sh + (g.kh - 1) * g.dh + 1;
      const int64_t pw = (g.ow - 1) * g.sw + (g.kw - 1) * g.dw + 1;
      const int64_t lp = (pw + g.sw - 1) / g.sw + 64;
      const int64_t ld = g.sw * lp;
      thread_local std::vector<float> xp, yf, line;
      xp.resize(static_cast<size_t>(ph * ld + 64));
      yf.resize(static_cast<size_t>(plane));
      line.resize(static_cast<size_t>(pw));
      // the columns of x inside [0, pw) after the left pad: c = ix + pl for ix in [c0 - pl, c1 - pl)
      const int64_t c0 = std::min(pw, g.pl), c1 = std::min(pw, std::max(c0, g.pl + g.w));
      float* xpd = xp.data();
      for (int64_t r = 0; r < ph; ++r) {
        float* dst = xpd + r * ld;
        const int64_t iy = r - g.pt;
        if (iy < 0 || iy >= g.h) {
          std::fill(dst, dst + ld, 0.0f);
          continue;
        }
        float* cols = g.sw == 1 ? dst : line.data();  // the row in column order
        std::fill(cols, cols + c0, 0.0f);
        if (x_signed)
          centered_float(c1 - c0, reinterpret_cast<const int8_t*>(xin) + iy * g.w + (c0 - g.pl), x_zero, cols + c0);
        else
          centered_float(c1 - c0, xin + iy * g.w + (c0 - g.pl), x_zero, cols + c0);
        if (g.sw == 1) {
          std::fill(dst + c1, dst + ld, 0.0f);
          continue;
        }
        std::fill(cols + c1, cols + pw, 0.0f);
        split_phases2(pw, cols, dst, dst + lp);
        std::fill(dst + (pw + 1) / 2, dst + lp, 0.0f);
        std::fill(dst + lp + pw / 2, dst + 2 * lp, 0.0f);
      }
      std::fill(xpd + ph * ld, xpd + ph * ld + 64, 0.0f);
      if (g.sw == 1)
        depthwise_rows_float<1>(g, xp.data(), ld, lp, wf.data() + m * taps, yf.data());
      else
        depthwise_rows_float<2>(g, xp.data(), ld, lp, wf.data() + m * taps, yf.data());
      float_to_int(plane, yf.data(), acc);
    } else if (taps <= kMaxFloatTaps) {
      thread_local std::vector<float> xf, yf;
      xf.resize(static_cast<size_t>(g.h * g.w));
      yf.resize(static_cast<size_t>(plane));
      if (x_signed)
        centered_float(g.h * g.w, reinterpret_cast<const int8_t*>(xin), x_zero, xf.data());
      else
        centered_float(g.h * g.w, xin, x_zero, xf.data());
      depthwise_plane_float(g, xf.data(), wf.data() + m * taps, yf.data());
      float_to_int(plane, yf.data(), acc);
    } else if (x_signed) {
      depthwise_plane(g, reinterpret_cast<const int8_t*>(xin), x_zero, wv.data() + m * taps, acc);
    } else {
      depthwise_plane(g, xin, x_zero, wv.data() + m * taps, acc);
    }
    if (rq != nullptr) requant(*rq, m, plane, acc, taps, rq->y + job * plane);
  });
}

bool is_depthwise(const Geometry& g) { return g.c == g.group && g.m == g.group && g.group > 1; }

// --- Convolutions on an input interleaved by 4 channels (no per-task B packing) ---
//
// A convolution that is not a plain GEMM on x (3x3 and the like, strided, or a padded 1x1). Its K is reordered as
// quads q = (cq, ky, kx) of 4 channels (ci = 4 cq + t; a group's channels padded up to a multiple of 4 with zeros),
// and the group's input is copied once into a zero-point-padded buffer xb[cq][r][phase][i][4] (as s8, the flip
// applied), padded column c stored at phase c % sw, index c / sw. Then quad q of output column (oy, ox) is the 4
// bytes at xb + off[q] + (oy * sh * row + ox) * 4 (tap kx reads phase kx * dw % sw at index ox + kx * dw / sw), and
// 32 consecutive output columns of one row are 128 consecutive bytes: exactly a packed B panel's quad ([kNr][4]),
// read in place. The kernel takes its panel quads from there instead of from a per-task pack (the detector's 3x3
// head convolutions, 24 output channels over K = 864, spent about as much packing B as multiplying; its stride-2
// stem on 3 channels gathered byte by byte). Columns past the row's end read the next bytes of the buffer (or its
// slack) and are computed but not stored. The weights are packed in the same K order (pack_weights) with the padded
// channels' weights stored as u = 0 and the padded channels' x as s = 0, so they add nothing to the raw sums, the
// row sums or the column sums: the exact sums, hence every output byte, are those of the other paths.
bool blocked_input(const Geometry& g) {
  const bool direct = g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0 && g.oh == g.h &&
                      g.ow == g.w;
  return !is_depthwise(g) && !direct && g.c > 0 && g.sw <= 4;
}

// The padded buffer's extent: rows [0, ph) hold input rows iy = r - pt, columns [0, pw) input columns c - pl; the
// windows of every output position lie inside (rows (oh - 1) * sh + (kh - 1) * dh + 1, columns likewise). Each row
// is sw phases of pwq 4-byte entries.
struct Blocked {
  int64_t ph, pw, pwq, cq;
  int64_t row_bytes(const Geometry& g) const { return g.sw * pwq * 4; }
  int64_t bytes(const Geometry& g) const { return cq * ph * row_bytes(g) + 4 * kNr * 4; }  // slack: the overrun
};

Blocked blocked_extent(const Geometry& g) {
  Blocked b;
  b.ph = (g.oh - 1) * g.sh + (g.kh - 1) * g.dh + 1;
  b.pw = (g.ow - 1) * g.sw + (g.kw - 1) * g.dw + 1;
  b.pwq = (b.pw + g.sw - 1) / g.sw;
  b.cq = (g.c / g.group + 3) / 4;
  return b;
}

// The blocked K of one group (channels rounded up to 4).
int64_t blocked_k(const Geometry& g) { return blocked_extent(g).cq * 4 * g.kh * g.kw; }

// xb[cq][r][c % sw][c / sw][t] = x[4 cq + t][r - pt][c - pl] ^ flip, or pad (the x zero point ^ flip) outside x;
// 0 for a padded channel 4 cq + t >= cg.
EW_CLONES void fill_blocked(const Geometry& g, const Blocked& b, const uint8_t* x, uint8_t flip, uint8_t pad,
                            uint8_t* xb) {
  const int64_t cg = g.c / g.group;
  const int64_t c0 = std::min(b.pw, g.pl), c1 = std::min(b.pw, std::max(c0, g.pl + g.w));
  const int64_t row = b.row_bytes(g);
  parallel_for_work(b.cq * b.ph * row, b.cq, [&](int64_t cq) {
    const int real = static_cast<int>(std::min<int64_t>(4, cg - cq * 4));  // channels of this quad inside cg
    uint32_t padword = 0;
    for (int t = 0; t < real; ++t) padword |= uint32_t(pad) << (8 * t);
    thread_local std::vector<uint32_t> line;  // one padded row, columns in order (before the phase split)
    line.resize(static_cast<size_t>(b.pw + 16));
    for (int64_t r = 0; r < b.ph; ++r) {
      uint32_t* words = g.sw == 1 ? reinterpret_cast<uint32_t*>(xb + (cq * b.ph + r) * row) : line.data();
      const int64_t iy = r - g.pt;
      if (iy < 0 || iy >= g.h) {
        std::fill(words, words + b.pw, padword);
      } else {
        std::fill(words, words + c0, padword);
        const uint8_t* s[4];
        for (int t = 0; t < 4; ++t) s[t] = x + ((cq * 4 + std::min(t, real - 1)) * g.h + iy) * g.w + (c0 - g.pl);
        uint8_t* d = reinterpret_cast<uint8_t*>(words + c0);
        const int64_t n = c1 - c0;
        int64_t i = 0;
#if defined(__x86_64__)
        if (real == 4) {
          const __m128i f = _mm_set1_epi8(static_cast<char>(flip));
          for (; i + 16 <= n; i += 16) {
            const __m128i r0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s[0] + i));
            const __m128i r1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s[1] + i));
            const __m128i r2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s[2] + i));
            const __m128i r3 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s[3] + i));
            const __m128i a = _mm_unpacklo_epi8(r0, r1), bb = _mm_unpackhi_epi8(r0, r1);
            const __m128i c = _mm_unpacklo_epi8(r2, r3), dd = _mm_unpackhi_epi8(r2, r3);
            __m128i* o = reinterpret_cast<__m128i*>(d + i * 4);
            _mm_storeu_si128(o, _mm_xor_si128(_mm_unpacklo_epi16(a, c), f));
            _mm_storeu_si128(o + 1, _mm_xor_si128(_mm_unpackhi_epi16(a, c), f));
            _mm_storeu_si128(o + 2, _mm_xor_si128(_mm_unpacklo_epi16(bb, dd), f));
            _mm_storeu_si128(o + 3, _mm_xor_si128(_mm_unpackhi_epi16(bb, dd), f));
          }
        }
#endif
        for (; i < n; ++i)
          for (int t = 0; t < 4; ++t) d[i * 4 + t] = t < real ? static_cast<uint8_t>(s[t][i] ^ flip) : 0;
        std::fill(words + c1, words + b.pw, padword);
      }
      if (g.sw > 1) {
        // the phase split: column c to phase c % sw, index c / sw (the phases' unused tails stay unread garbage)
        uint32_t* dst = reinterpret_cast<uint32_t*>(xb + (cq * b.ph + r) * row);
        for (int64_t p = 0; p < g.sw; ++p) {
          uint32_t* ph = dst + p * b.pwq;
          const int64_t count = (b.pw - p + g.sw - 1) / g.sw;
          for (int64_t i = 0; i < count; ++i) ph[i] = words[i * g.sw + p];
          std::fill(ph + count, ph + b.pwq, 0u);
        }
      }
    }
  });
}

// The weights of one group as a matrix in the blocked K order (blocked_k columns): wr[m][q * 4 + t] =
// w[m][ci = 4 cq + t][ky][kx] for q = (cq * kh + ky) * kw + kx; `zero` (u = 0 once packed) for padded channels.
void reorder_blocked_weights(const Geometry& g, const uint8_t* w, uint8_t zero, uint8_t* wr) {
  const int64_t mg = g.m / g.group;
  const int64_t cg = g.c / g.group;
  const int64_t taps = g.kh * g.kw;
  const int64_t k = cg * taps;
  const int64_t kb = blocked_k(g);
  std::fill(wr, wr + mg * kb, zero);
  for (int64_t m = 0; m < mg; ++m)
    for (int64_t ci = 0; ci < cg; ++ci)
      for (int64_t t = 0; t < taps; ++t) wr[m * kb + ((ci / 4) * taps + t) * 4 + ci % 4] = w[m * k + ci * taps + t];
}

// kernel_scalar / kernel_vnni with quad q's panel bytes at b + off[q] ([kNr][4] each).
void kernel_scalar_off(int64_t kq, const uint8_t* __restrict a, const int8_t* __restrict b, const int64_t* off,
                       int32_t* __restrict c) {
  tile_scalar(kq, a, [b, off](int64_t q) { return b + off[q]; }, c);
}

void colsum_scalar_off(int64_t kq, const int8_t* b, const int64_t* off, int32_t* colsum) {
  std::fill(colsum, colsum + kNr, 0);
  for (int64_t q = 0; q < kq; ++q)
    for (int j = 0; j < kNr; ++j)
      for (int t = 0; t < 4; ++t) colsum[j] += b[off[q] + j * 4 + t];
}

#if defined(__x86_64__)
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void kernel_vnni_off(int64_t kq, const uint8_t* a,
                                                                              const int8_t* b, const int64_t* off,
                                                                              int32_t* c) {
  tile_vnni(kq, a, [b, off](int64_t q) { return b + off[q]; }, c);
}

__attribute__((target("avx512f,avx512bw,avx512vnni"))) void colsum_vnni_off(int64_t kq, const int8_t* b,
                                                                              const int64_t* off, int32_t* colsum) {
  const __m512i ones = _mm512_set1_epi8(1);
  __m512i s0 = _mm512_setzero_si512(), s1 = _mm512_setzero_si512();
  for (int64_t q = 0; q < kq; ++q) {
    s0 = _mm512_dpbusd_epi32(s0, ones, _mm512_loadu_si512(b + off[q]));
    s1 = _mm512_dpbusd_epi32(s1, ones, _mm512_loadu_si512(b + off[q] + 64));
  }
  _mm512_storeu_si512(colsum, s0);
  _mm512_storeu_si512(colsum + 16, s1);
}
#endif

// One group of one image: y (int32, or rq's bytes) for the group's mg output channels, ld plane. A: the blocked
// weights packed by pack_a (rowsum their row sums), za2 / zb2 the shifted zero points (see the top of this file).
void conv_blocked_group(const Geometry& g, const Blocked& bl, const uint8_t* xb, const uint8_t* a_pack,
                        const int64_t* rowsum, const int32_t* za2, int32_t zb2, int32_t* y, const Requant* rq) {
  const int64_t mg = g.m / g.group;
  const int64_t k = (g.c / g.group) * g.kh * g.kw;  // the real K, for the zero-point terms
  const int64_t kq = blocked_k(g) / 4;
  const int64_t plane = g.oh * g.ow;
  const int64_t row = bl.row_bytes(g);
  std::vector<int64_t> off(static_cast<size_t>(kq));
  for (int64_t cq = 0; cq < bl.cq; ++cq)
    for (int64_t ky = 0; ky < g.kh; ++ky)
      for (int64_t kx = 0; kx < g.kw; ++kx) {
        const int64_t c = kx * g.dw;
        off[(cq * g.kh + ky) * g.kw + kx] = (cq * bl.ph + ky * g.dh) * row + ((c % g.sw) * bl.pwq + c / g.sw) * 4;
      }
  const bool vnni = choose_kernel() != kernel_scalar;
  const int64_t row_chunks = (mg + kMcb - 1) / kMcb;
#if defined(__x86_64__)
  const bool tile_epilogue = rq != nullptr && vnni;
  RowRq rows_rq;
  if (tile_epilogue) prepare_rows(mg, k, za2, rowsum, *rq, &rows_rq);
#endif
  // a task: one output row (oy stepping by sh over the buffer's rows) and one chunk of output channels
  parallel_for_work(2 * mg * plane * k, g.oh * row_chunks, [&](int64_t task) {
    const int64_t oy = task / row_chunks;
    const int64_t m0 = (task % row_chunks) * kMcb;
    const int64_t m1 = std::min(mg, m0 + kMcb);
    const int8_t* line = reinterpret_cast<const int8_t*>(xb) + oy * g.sh * row;
    alignas(64) int32_t tile[kMr * kNr];
    alignas(64) int32_t colsum[kNr];
    alignas(64) int32_t zbv[kNr];
    std::fill(zbv, zbv + kNr, zb2);
    for (int64_t ox = 0; ox < g.ow; ox += kNr) {
      const int64_t cols = std::min<int64_t>(kNr, g.ow - ox);
      const int8_t* b = line + ox * 4;
#if defined(__x86_64__)
      if (vnni)
        colsum_vnni_off(kq, b, off.data(), colsum);
      else
#endif
        colsum_scalar_off(kq, b, off.data(), colsum);
      for (int64_t ir = m0; ir < m1; ir += kMr) {
        const int64_t rows = std::min<int64_t>(kMr, m1 - ir);
#if defined(__x86_64__)
        if (vnni)
          kernel_vnni_off(kq, a_pack + ir * kq * 4, b, off.data(), tile);
        else
#endif
          kernel_scalar_off(kq, a_pack + ir * kq * 4, b, off.data(), tile);
#if defined(__x86_64__)
        if (tile_epilogue) {
          requant_tile_avx512(rows, cols, tile, zbv, colsum, rows_rq, ir, *rq, k, rq->y + ir * plane + oy * g.ow + ox,
                              plane);
          continue;
        }
#endif
        for (int64_t i = 0; i < rows; ++i) {
          const int64_t m = ir + i;
          const uint32_t zam = static_cast<uint32_t>(za2[m]);
          const uint32_t rs = static_cast<uint32_t>(rowsum[m]);
          const uint32_t kzam = static_cast<uint32_t>(k) * zam;
          const int64_t at = m * plane + oy * g.ow + ox;
          if (rq == nullptr) {
            exact_row(cols, tile + i * kNr, zbv, colsum, zam, rs, kzam, y + at);
            continue;
          }
#if defined(__x86_64__)
          if (vnni && std::isfinite(rq->scale[m])) {
            exact_requant_row_avx512(cols, tile + i * kNr, zbv, colsum, zam, rs, kzam,
                                     rq->bias == nullptr ? 0.0 : rq->bias[m], rq->scale[m], rq->y_zero,
                                     rq->y_signed ? -128.0 : 0.0, rq->y_signed ? 127.0 : 255.0, k, rq->y + at);
            apply_table(*rq, m, cols, rq->y + at);
            continue;
          }
#endif
          alignas(64) int32_t exact[kNr];
          exact_row(cols, tile + i * kNr, zbv, colsum, zam, rs, kzam, exact);
          requant(*rq, m, cols, exact, k, rq->y + at);
        }
      }
    }
  });
}

// The weights of a (non-depthwise) convolution packed once for gemm_s8_impl: int64 row sums [M], then per group the
// pack_a blocks of its mg rows ([mg rounded up to kMr][kq][4] bytes). Depends on the weights' type, not on their zero
// points, so one packing serves any zero point the call passes.
int64_t packed_group_bytes(const Geometry& g) {
  const int64_t mg = g.m / g.group;
  const int64_t kq = ((blocked_input(g) ? blocked_k(g) : (g.c / g.group) * g.kh * g.kw) + 3) / 4;
  return (mg + kMr - 1) / kMr * kMr * kq * 4;
}

int64_t packed_weights_bytes(const Geometry& g) {
  return is_depthwise(g) ? 0 : g.m * int64_t{sizeof(int64_t)} + g.group * packed_group_bytes(g);
}

void pack_weights(const Geometry& g, bool w_signed, const uint8_t* w, uint8_t* packed) {
  const int64_t mg = g.m / g.group;
  const int64_t k = (g.c / g.group) * g.kh * g.kw;
  int64_t* rowsum = reinterpret_cast<int64_t*>(packed);
  uint8_t* blocks = packed + g.m * sizeof(int64_t);
  const int64_t kb = blocked_input(g) ? blocked_k(g) : k;
  std::vector<uint8_t> wr(blocked_input(g) ? static_cast<size_t>(mg * kb) : 0);
  for (int64_t grp = 0; grp < g.group; ++grp) {
    const uint8_t* wg = w + grp * mg * k;
    if (!wr.empty()) {
      reorder_blocked_weights(g, wg, w_signed ? 0x80 : 0, wr.data());
      wg = wr.data();
    }
    pack_a(mg, kb, wg, kb, w_signed ? 0x80 : 0, blocks + grp * packed_group_bytes(g), rowsum + grp * mg);
  }
}

// conv_s8 for blocked_input(g): per image and group, the input copied once into the blocked buffer, then every
// tile reads its B panels from there.
void conv_s8_blocked(const Geometry& g, bool x_signed, const uint8_t* x, int32_t x_zero, bool w_signed,
                     const uint8_t* w, const int32_t* w_zero, int64_t w_zero_count, int32_t* y, const Requant* rq,
                     const uint8_t* packed) {
  const int64_t cg = g.c / g.group;
  const int64_t mg = g.m / g.group;
  const int64_t plane = g.oh * g.ow;
  const Blocked bl = blocked_extent(g);
  const uint8_t flip = x_signed ? 0 : 0x80;
  std::vector<uint8_t> xb(static_cast<size_t>(bl.bytes(g)));
  std::fill(xb.end() - 4 * kNr * 4, xb.end(), 0);  // the slack is read (columns past a row), never stored
  std::vector<uint8_t> own;
  if (packed == nullptr) {
    own.resize(static_cast<size_t>(packed_weights_bytes(g)));
    pack_weights(g, w_signed, w, own.data());
    packed = own.data();
  }
  std::vector<int32_t> za2(static_cast<size_t>(g.m));
  for (int64_t m = 0; m < g.m; ++m)
    za2[m] = (w_zero == nullptr ? 0 : w_zero[w_zero_count == 1 ? 0 : m]) + (w_signed ? 128 : 0);
  const int32_t zb2 = x_zero - (x_signed ? 0 : 128);
  for (int64_t img = 0; img < g.n; ++img) {
    for (int64_t grp = 0; grp < g.group; ++grp) {
      fill_blocked(g, bl, x + (img * g.c + grp * cg) * g.h * g.w, flip, static_cast<uint8_t>(x_zero) ^ flip,
                   xb.data());
      const int64_t at = (img * g.m + grp * mg) * plane;
      const int64_t* rowsum = reinterpret_cast<const int64_t*>(packed) + grp * mg;
      const uint8_t* a_pack = packed + g.m * sizeof(int64_t) + grp * packed_group_bytes(g);
      if (rq == nullptr) {
        conv_blocked_group(g, bl, xb.data(), a_pack, rowsum, za2.data() + grp * mg, zb2, y + at, nullptr);
      } else {
        const Requant part{rq->bias == nullptr ? nullptr : rq->bias + grp * mg, rq->scale + grp * mg, rq->y_zero,
                           rq->y_signed, rq->y + at,
                           rq->table == nullptr || rq->table_params == 1 ? rq->table : rq->table + grp * mg * 256,
                           rq->table_params};
        conv_blocked_group(g, bl, xb.data(), a_pack, rowsum, za2.data() + grp * mg, zb2, nullptr, &part);
      }
    }
  }
}

// y [N, M, OH, OW] int32 = conv(x - x_zero, w - w_zero); or with rq, its requantization into rq->y (8 bits, same
// layout), computed tile by tile without the int32 tensor. packed: the weights from pack_weights, or null (packed
// per call).
void conv_s8(const Geometry& g, bool x_signed, const uint8_t* x, int32_t x_zero, bool w_signed, const uint8_t* w,
             const int32_t* w_zero, int64_t w_zero_count, int32_t* y, const Requant* rq = nullptr,
             const uint8_t* packed = nullptr) {
  const int64_t cg = g.c / g.group;
  const int64_t mg = g.m / g.group;
  if (is_depthwise(g)) {
    depthwise_s8(g, x_signed, x, x_zero, w_signed, w, w_zero, w_zero_count, y, rq);
    return;
  }
  if (blocked_input(g)) {
    conv_s8_blocked(g, x_signed, x, x_zero, w_signed, w, w_zero, w_zero_count, y, rq, packed);
    return;
  }
  const int64_t plane = g.oh * g.ow;
  const int64_t k = cg * g.kh * g.kw;
  const bool direct = g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0 && g.oh == g.h &&
                      g.ow == g.w;
  std::vector<int32_t> zb(static_cast<size_t>(plane), x_zero);
  std::vector<int32_t> za(static_cast<size_t>(g.m));
  for (int64_t m = 0; m < g.m; ++m) za[m] = w_zero == nullptr ? 0 : w_zero[w_zero_count == 1 ? 0 : m];
  for (int64_t img = 0; img < g.n; ++img) {
    for (int64_t grp = 0; grp < g.group; ++grp) {
      const uint8_t* xin = x + (img * g.c + grp * cg) * g.h * g.w;
      // not a plain GEMM on x: B's panels are packed from the image (implicit im2col), with no K x N matrix
      const Im2colS8 source{&g, xin, static_cast<uint8_t>(x_zero)};
      const Im2colS8* im = direct ? nullptr : &source;
      const uint8_t* bmat = direct ? xin : nullptr;
      const int64_t at = (img * g.m + grp * mg) * plane;
      PackedA pa{};
      if (packed != nullptr) {
        pa.rowsum = reinterpret_cast<const int64_t*>(packed) + grp * mg;
        pa.pack = packed + g.m * sizeof(int64_t) + grp * packed_group_bytes(g);
      }
      const PackedA* pap = packed == nullptr ? nullptr : &pa;
      if (rq == nullptr) {
        gemm_s8_impl(mg, plane, k, w + grp * mg * k, k, w_signed, za.data() + grp * mg, bmat, plane, x_signed,
                     zb.data(), y + at, plane, nullptr, pap, im);
      } else {
        const Requant part{rq->bias == nullptr ? nullptr : rq->bias + grp * mg, rq->scale + grp * mg, rq->y_zero,
                           rq->y_signed, rq->y + at,
                           rq->table == nullptr || rq->table_params == 1 ? rq->table : rq->table + grp * mg * 256,
                           rq->table_params};
        gemm_s8_impl(mg, plane, k, w + grp * mg * k, k, w_signed, za.data() + grp * mg, bmat, plane, x_signed,
                     zb.data(), nullptr, plane, &part, pap, im);
      }
    }
  }
}

bool zero_in_range(int32_t z, bool is_signed) { return is_signed ? z >= -128 && z <= 127 : z >= 0 && z <= 255; }

}  // namespace
}  // namespace edgewise

extern "C" int ew_gemm_s8(int64_t M, int64_t N, int64_t K, int a_signed, const void* A, int64_t lda,
                          const int32_t* a_zero, int64_t a_zero_count, int b_signed, const void* B, int64_t ldb,
                          const int32_t* b_zero, int64_t b_zero_count, int32_t* C, int64_t ldc) noexcept {
  using namespace edgewise;
  if (M < 0 || N < 0 || K < 0 || K > kMaxInt8K || lda < K || ldb < N || ldc < N) return EW_INVALID_ARGUMENT;
  if ((M > 0 && K > 0 && A == nullptr) || (N > 0 && K > 0 && B == nullptr) || (M > 0 && N > 0 && C == nullptr))
    return EW_INVALID_ARGUMENT;
  if ((a_zero != nullptr && a_zero_count != 1 && a_zero_count != M) ||
      (b_zero != nullptr && b_zero_count != 1 && b_zero_count != N))
    return EW_INVALID_ARGUMENT;
  try {
    std::vector<int32_t> za(static_cast<size_t>(M)), zb(static_cast<size_t>(N));
    for (int64_t m = 0; m < M; ++m) {
      za[m] = a_zero == nullptr ? 0 : a_zero[a_zero_count == 1 ? 0 : m];
      if (!zero_in_range(za[m], a_signed != 0)) return EW_INVALID_ARGUMENT;
    }
    for (int64_t n = 0; n < N; ++n) {
      zb[n] = b_zero == nullptr ? 0 : b_zero[b_zero_count == 1 ? 0 : n];
      if (!zero_in_range(zb[n], b_signed != 0)) return EW_INVALID_ARGUMENT;
    }
    gemm_s8(M, N, K, static_cast<const uint8_t*>(A), lda, a_signed != 0, za.data(), static_cast<const uint8_t*>(B),
            ldb, b_signed != 0, zb.data(), C, ldc);
    return EW_OK;
  } catch (const std::bad_alloc&) {
    return EW_OUT_OF_MEMORY;
  } catch (...) {
    return EW_INTERNAL;
  }
}

extern "C" int ew_conv2d_s8(const int64_t* geometry, int x_signed, const void* x, int32_t x_zero, int w_signed,
                            const void* w, const int32_t* w_zero, int64_t w_zero_count, int32_t* y) noexcept {
  using namespace edgewise;
  Geometry g;
  if (!read_geometry(geometry, &g) || x == nullptr || w == nullptr || y == nullptr) return EW_INVALID_ARGUMENT;
  if (!zero_in_range(x_zero, x_signed != 0)) return EW_INVALID_ARGUMENT;
  if (w_zero != nullptr) {
    if (w_zero_count != 1 && w_zero_count != g.m) return EW_INVALID_ARGUMENT;
    for (int64_t i = 0; i < w_zero_count; ++i)
      if (!zero_in_range(w_zero[i], w_signed != 0)) return EW_INVALID_ARGUMENT;
  }
  try {
    conv_s8(g, x_signed != 0, static_cast<const uint8_t*>(x), x_zero, w_signed != 0, static_cast<const uint8_t*>(w),
            w_zero, w_zero_count, y);
    return EW_OK;
  } catch (const std::bad_alloc&) {
    return EW_OUT_OF_MEMORY;
  } catch (...) {
    return EW_INTERNAL;
  }
}

extern "C" int64_t ew_qlinear_packed_weights_size(const int64_t* geometry) noexcept {
  using namespace edgewise;
  Geometry g;
  if (!read_geometry(geometry, &g)) return -1;
  return packed_weights_bytes(g);
}

extern "C" int ew_qlinear_pack_weights(const int64_t* geometry, int w_signed, const void* w, void* packed) noexcept {
  using namespace edgewise;
  Geometry g;
  if (!read_geometry(geometry, &g) || w == nullptr || packed == nullptr || is_depthwise(g)) return EW_INVALID_ARGUMENT;
  pack_weights(g, w_signed != 0, static_cast<const uint8_t*>(w), static_cast<uint8_t*>(packed));
  return EW_OK;
}

extern "C" int ew_qlinear_conv2d(const int64_t* geometry, int x_signed, const void* x, int32_t x_zero, int w_signed,
                                 const void* w, const int32_t* w_zero, int64_t w_zero_count, const int32_t* bias,
                                 const double* scale, int32_t y_zero, int y_signed, void* y) noexcept {
  return ew_qlinear_conv2d_prepacked(geometry, x_signed, x, x_zero, w_signed, w, nullptr, w_zero, w_zero_count, bias,
                                     scale, y_zero, y_signed, y);
}

extern "C" int ew_qlinear_conv2d_prepacked(const int64_t* geometry, int x_signed, const void* x, int32_t x_zero,
                                           int w_signed, const void* w, const void* packed, const int32_t* w_zero,
                                           int64_t w_zero_count, const int32_t* bias, const double* scale,
                                           int32_t y_zero, int y_signed, void* y) noexcept {
  return ew_qlinear_conv2d_lookup(geometry, x_signed, x, x_zero, w_signed, w, packed, w_zero, w_zero_count, bias,
                                  scale, y_zero, y_signed, nullptr, 0, y);
}

extern "C" int ew_qlinear_conv2d_lookup(const int64_t* geometry, int x_signed, const void* x, int32_t x_zero,
                                        int w_signed, const void* w, const void* packed, const int32_t* w_zero,
                                        int64_t w_zero_count, const int32_t* bias, const double* scale,
                                        int32_t y_zero, int y_signed, const uint8_t* tables, int64_t table_params,
                                        void* y) noexcept {
  using namespace edgewise;
  Geometry g;
  if (!read_geometry(geometry, &g) || x == nullptr || w == nullptr || y == nullptr || scale == nullptr)
    return EW_INVALID_ARGUMENT;
  if (tables != nullptr && table_params != 1 && table_params != g.m) return EW_INVALID_ARGUMENT;
  if (!zero_in_range(x_zero, x_signed != 0) || !zero_in_range(y_zero, y_signed != 0)) return EW_INVALID_ARGUMENT;
  if (w_zero != nullptr) {
    if (w_zero_count != 1 && w_zero_count != g.m) return EW_INVALID_ARGUMENT;
    for (int64_t i = 0; i < w_zero_count; ++i)
      if (!zero_in_range(w_zero[i], w_signed != 0)) return EW_INVALID_ARGUMENT;
  }
  try {
    const Requant rq{bias, scale, y_zero, y_signed != 0, static_cast<uint8_t*>(y), tables, table_params};
    conv_s8(g, x_signed != 0, static_cast<const uint8_t*>(x), x_zero, w_signed != 0, static_cast<const uint8_t*>(w),
            w_zero, w_zero_count, nullptr, &rq, is_depthwise(g) ? nullptr : static_cast<const uint8_t*>(packed));
    return EW_OK;
  } catch (const std::bad_alloc&) {
    return EW_OUT_OF_MEMORY;
  } catch (...) {
    return EW_INTERNAL;
  }
}

extern "C" const char* ew_int8_kernel_name() noexcept { return edgewise::int8_kernel_name(); }

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

// C tile (kMr x kNr, row-major, ld kNr) = sum over kq quads of a (u8) . b (s8).
void kernel_scalar(int64_t kq, const uint8_t* __restrict a, const int8_t* __restrict b, int32_t* __restrict c) {
  std::fill(c, c + kMr * kNr, 0);
  for (int64_t q = 0; q < kq; ++q) {
    const uint8_t* aq = a + q * kMr * 4;
    const int8_t* bq = b + q * kNr * 4;
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

#if defined(__x86_64__)
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void kernel_vnni(int64_t kq, const uint8_t* a,
                                                                          const int8_t* b, int32_t* c) {
  __m512i acc[kMr][2];
  for (int i = 0; i < kMr; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_si512();
  for (int64_t q = 0; q < kq; ++q) {
    const __m512i b0 = _mm512_loadu_si512(b + q * kNr * 4);
    const __m512i b1 = _mm512_loadu_si512(b + q * kNr * 4 + 64);
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

bool cpu_has_vnni() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vnni");
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
void pack_a(int64_t M, int64_t K, const uint8_t* A, int64_t lda, uint8_t flip, uint8_t* out, int64_t* rowsum) {
  const int64_t kq = (K + 3) / 4;
  for (int64_t i0 = 0; i0 < M; i0 += kMr) {
    uint8_t* block = out + i0 * kq * 4;
    for (int i = 0; i < kMr; ++i) {
      const int64_t m = i0 + i;
      int64_t sum = 0;
      for (int64_t k = 0; k < kq * 4; ++k) {
        uint8_t v = 0;
        if (m < M && k < K) {
          v = static_cast<uint8_t>(A[m * lda + k] ^ flip);
          sum += v;
        }
        block[(k / 4) * kMr * 4 + i * 4 + (k % 4)] = v;
      }
      if (m < M) rowsum[m] = sum;
    }
  }
}

// B columns [j0, j0 + nc) into panels of kNr columns, [kq][kNr][4], as s8; colsum[j] for j in [0, nc).
void pack_b(int64_t K, int64_t j0, int64_t nc, const uint8_t* B, int64_t ldb, uint8_t flip, int8_t* out,
            int64_t* colsum) {
  const int64_t kq = (K + 3) / 4;
  std::fill(colsum, colsum + nc, 0);
  for (int64_t jp = 0; jp < nc; jp += kNr) {
    int8_t* panel = out + jp * kq * 4;
    const int64_t cols = std::min<int64_t>(kNr, nc - jp);
    for (int64_t k = 0; k < kq * 4; ++k) {
      int8_t* dst = panel + (k / 4) * kNr * 4 + (k % 4);
      if (k >= K) {
        for (int j = 0; j < kNr; ++j) dst[j * 4] = 0;
        continue;
      }
      const uint8_t* src = B + k * ldb + j0 + jp;
      for (int64_t j = 0; j < cols; ++j) {
        const int8_t v = static_cast<int8_t>(src[j] ^ flip);
        dst[j * 4] = v;
        colsum[jp + j] += v;
      }
      for (int64_t j = cols; j < kNr; ++j) dst[j * 4] = 0;
    }
  }
}

}  // namespace

void set_int8_force_scalar(bool force) { force_scalar.store(force); }

const char* int8_kernel_name() { return choose_kernel() == kernel_scalar ? "scalar" : "avx512vnni"; }

void gemm_s8(int64_t M, int64_t N, int64_t K, const uint8_t* A, int64_t lda, bool a_signed, const int32_t* za,
             const uint8_t* B, int64_t ldb, bool b_signed, const int32_t* zb, int32_t* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K == 0) {
    for (int64_t m = 0; m < M; ++m) std::fill(C + m * ldc, C + m * ldc + N, 0);
    return;
  }
  const Kernel kernel = choose_kernel();
  const int64_t kq = (K + 3) / 4;
  const int64_t mp = (M + kMr - 1) / kMr * kMr;
  std::vector<uint8_t> a_pack(static_cast<size_t>(mp * kq * 4));
  std::vector<int64_t> rowsum(static_cast<size_t>(M));
  pack_a(M, K, A, lda, a_signed ? 0x80 : 0, a_pack.data(), rowsum.data());
  std::vector<int64_t> za2(static_cast<size_t>(M)), zb2(static_cast<size_t>(N));
  for (int64_t m = 0; m < M; ++m) za2[m] = int64_t(za[m]) + (a_signed ? 128 : 0);
  for (int64_t n = 0; n < N; ++n) zb2[n] = int64_t(zb[n]) - (b_signed ? 0 : 128);
  const int64_t col_blocks = (N + kNcb - 1) / kNcb;
  const int64_t row_chunks = (M + kMcb - 1) / kMcb;
  parallel_for_work(2 * M * N * K, col_blocks * row_chunks, [&](int64_t task) {
    const int64_t j0 = (task / row_chunks) * kNcb;
    const int64_t nc = std::min(kNcb, N - j0);
    const int64_t m0 = (task % row_chunks) * kMcb;
    const int64_t m1 = std::min(M, m0 + kMcb);
    thread_local std::vector<int8_t> b_pack;
    thread_local std::vector<int64_t> colsum;
    b_pack.resize(static_cast<size_t>(kNcb * kq * 4));
    colsum.resize(static_cast<size_t>(kNcb));
    pack_b(K, j0, nc, B, ldb, b_signed ? 0 : 0x80, b_pack.data(), colsum.data());
    alignas(64) int32_t tile[kMr * kNr];
    for (int64_t jr = 0; jr < nc; jr += kNr) {
      const int64_t cols = std::min<int64_t>(kNr, nc - jr);
      const int8_t* bp = b_pack.data() + jr * kq * 4;
      for (int64_t ir = m0; ir < m1; ir += kMr) {
        const int64_t rows = std::min<int64_t>(kMr, m1 - ir);
        kernel(kq, a_pack.data() + ir * kq * 4, bp, tile);
        for (int64_t i = 0; i < rows; ++i) {
          const int64_t m = ir + i;
          const int64_t zam = za2[m], rs = rowsum[m];
          int32_t* c = C + m * ldc + j0 + jr;
          for (int64_t j = 0; j < cols; ++j) {
            const int64_t zbn = zb2[j0 + jr + j];
            const int64_t v = int64_t(tile[i * kNr + j]) - zbn * rs - zam * colsum[jr + j] + K * zam * zbn;
            c[j] = static_cast<int32_t>(v);
          }
        }
      }
    }
  });
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

// Depthwise convolution (group = in = out channels): one direct pass per plane instead of a GEMM of one row per
// group (which packed an 8-row tile for one row and handed the pool a region per channel).
void depthwise_s8(const Geometry& g, bool x_signed, const uint8_t* x, int32_t x_zero, bool w_signed, const uint8_t* w,
                  const int32_t* w_zero, int64_t w_zero_count, int32_t* y) {
  const int64_t taps = g.kh * g.kw;
  std::vector<int32_t> wv(static_cast<size_t>(g.m * taps));
  for (int64_t m = 0; m < g.m; ++m) {
    const int32_t z = w_zero == nullptr ? 0 : w_zero[w_zero_count == 1 ? 0 : m];
    for (int64_t t = 0; t < taps; ++t) {
      const uint8_t b = w[m * taps + t];
      wv[m * taps + t] = (w_signed ? int32_t(static_cast<int8_t>(b)) : int32_t(b)) - z;
    }
  }
  const int64_t plane = g.oh * g.ow;
  parallel_for_work(g.n * g.m * plane * taps * 2, g.n * g.m, [&](int64_t job) {
    const int64_t m = job % g.m;
    const uint8_t* xin = x + job * g.h * g.w;
    if (x_signed)
      depthwise_plane(g, reinterpret_cast<const int8_t*>(xin), x_zero, wv.data() + m * taps, y + job * plane);
    else
      depthwise_plane(g, xin, x_zero, wv.data() + m * taps, y + job * plane);
  });
}

// y [N, M, OH, OW] int32 = conv(x - x_zero, w - w_zero).
void conv_s8(const Geometry& g, bool x_signed, const uint8_t* x, int32_t x_zero, bool w_signed, const uint8_t* w,
             const int32_t* w_zero, int64_t w_zero_count, int32_t* y) {
  const int64_t cg = g.c / g.group;
  const int64_t mg = g.m / g.group;
  if (cg == 1 && mg == 1 && g.group > 1) {
    depthwise_s8(g, x_signed, x, x_zero, w_signed, w, w_zero, w_zero_count, y);
    return;
  }
  const int64_t plane = g.oh * g.ow;
  const int64_t k = cg * g.kh * g.kw;
  const bool direct = g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0 && g.oh == g.h &&
                      g.ow == g.w;
  std::vector<int32_t> zb(static_cast<size_t>(plane), x_zero);
  std::vector<int32_t> za(static_cast<size_t>(g.m));
  for (int64_t m = 0; m < g.m; ++m) za[m] = w_zero == nullptr ? 0 : w_zero[w_zero_count == 1 ? 0 : m];
  std::vector<uint8_t> cols;
  if (!direct) cols.resize(static_cast<size_t>(k * plane));
  for (int64_t img = 0; img < g.n; ++img) {
    for (int64_t grp = 0; grp < g.group; ++grp) {
      const uint8_t* xin = x + (img * g.c + grp * cg) * g.h * g.w;
      const uint8_t* bmat = xin;
      if (!direct) {
        im2col(g, xin, cg, static_cast<uint8_t>(x_zero), cols.data());
        bmat = cols.data();
      }
      gemm_s8(mg, plane, k, w + grp * mg * k, k, w_signed, za.data() + grp * mg, bmat, plane, x_signed, zb.data(),
              y + (img * g.m + grp * mg) * plane, plane);
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

extern "C" int ew_qlinear_conv2d(const int64_t* geometry, int x_signed, const void* x, int32_t x_zero, int w_signed,
                                 const void* w, const int32_t* w_zero, int64_t w_zero_count, const int32_t* bias,
                                 const double* scale, int32_t y_zero, int y_signed, void* y) noexcept {
  using namespace edgewise;
  Geometry g;
  if (!read_geometry(geometry, &g) || x == nullptr || w == nullptr || y == nullptr || scale == nullptr)
    return EW_INVALID_ARGUMENT;
  if (!zero_in_range(x_zero, x_signed != 0) || !zero_in_range(y_zero, y_signed != 0)) return EW_INVALID_ARGUMENT;
  if (w_zero != nullptr) {
    if (w_zero_count != 1 && w_zero_count != g.m) return EW_INVALID_ARGUMENT;
    for (int64_t i = 0; i < w_zero_count; ++i)
      if (!zero_in_range(w_zero[i], w_signed != 0)) return EW_INVALID_ARGUMENT;
  }
  try {
    const int64_t plane = g.oh * g.ow;
    std::vector<int32_t> acc(static_cast<size_t>(g.n * g.m * plane));
    conv_s8(g, x_signed != 0, static_cast<const uint8_t*>(x), x_zero, w_signed != 0, static_cast<const uint8_t*>(w),
            w_zero, w_zero_count, acc.data());
    const double lo = y_signed ? -128 : 0;
    const double hi = y_signed ? 127 : 255;
    // exactly the reference's arithmetic: q = rint((acc + bias) * scale[m]) + y_zero in double (rint rounds half to
    // even in the default rounding mode), then saturate; acc + bias is an exact integer in double. A NaN (a NaN
    // scale) stores 0, as Java's (long) NaN does.
    parallel_for_work(g.n * g.m * plane * 8, g.n * g.m, [&](int64_t job) {
      const int64_t m = job % g.m;
      const double s = scale[m];
      const int64_t b = bias == nullptr ? 0 : bias[m];
      const int32_t* src = acc.data() + job * plane;
      if (y_signed) {
        int8_t* dst = static_cast<int8_t*>(y) + job * plane;
        for (int64_t i = 0; i < plane; ++i) {
          const double q = std::rint(static_cast<double>(src[i] + b) * s) + y_zero;
          dst[i] = std::isnan(q) ? 0 : static_cast<int8_t>(std::max(lo, std::min(hi, q)));
        }
      } else {
        uint8_t* dst = static_cast<uint8_t*>(y) + job * plane;
        for (int64_t i = 0; i < plane; ++i) {
          const double q = std::rint(static_cast<double>(src[i] + b) * s) + y_zero;
          dst[i] = std::isnan(q) ? 0 : static_cast<uint8_t>(std::max(lo, std::min(hi, q)));
        }
      }
    });
    return EW_OK;
  } catch (const std::bad_alloc&) {
    return EW_OUT_OF_MEMORY;
  } catch (...) {
    return EW_INTERNAL;
  }
}

extern "C" const char* ew_int8_kernel_name() noexcept { return edgewise::int8_kernel_name(); }

// Packed single-precision GEMM in the BLIS/GotoBLAS scheme: B is packed into KC x NC panels of NR columns, A into
// MC x KC panels of MR rows, and a register-blocked micro-kernel (sgemm_kernels.cpp, chosen per ISA at run time)
// computes each MR x NR tile. Work is split across the thread pool along N (or M when N is narrow).
#include <algorithm>
#include <cstring>
#include <new>
#include <vector>

#include "edgewise/edgewise.h"
#include "gemm_internal.h"
#include "sgemm_kernels.h"
#include "isa_clones.h"
#include "thread_pool.h"

namespace edgewise {
namespace {

constexpr int64_t kKc = 256;   // a KC x NR panel of B stays in L1 across the A panels
constexpr int64_t kMc = 144;   // an MC x KC block of A (144 KiB) stays in L2; a multiple of every MR
constexpr int64_t kNc = 3072;  // a KC x NC block of B (3 MiB) stays in L3; a multiple of every NR

struct Operands {
  bool trans_a, trans_b;
  float alpha;
  const float* a;
  int64_t lda;
  const float* b;
  int64_t ldb;
  float* c;
  int64_t ldc;
  // A already packed as panels of MR rows x K (ew_sgemm_pack_a): no packing per call
  const float* a_packed = nullptr;
  int64_t k_total = 0;
};

inline float at_a(const Operands& o, int64_t r, int64_t k) {
  return o.trans_a ? o.a[k * o.lda + r] : o.a[r * o.lda + k];
}
inline float at_b(const Operands& o, int64_t k, int64_t col) {
  return o.trans_b ? o.b[col * o.ldb + k] : o.b[k * o.ldb + col];
}

void pack_a(const Operands& o, int64_t i0, int64_t mc, int64_t p0, int64_t kc, int mr, float* out) {
  for (int64_t ip = 0; ip < mc; ip += mr) {
    float* panel = out + ip * kc;
    const int64_t rows = std::min<int64_t>(mr, mc - ip);
    for (int64_t k = 0; k < kc; ++k) {
      for (int64_t i = 0; i < mr; ++i) {
        panel[k * mr + i] = i < rows ? o.alpha * at_a(o, i0 + ip + i, p0 + k) : 0.0f;
      }
    }
  }
}

void pack_b(const Operands& o, int64_t p0, int64_t kc, int64_t j0, int64_t nc, int nr, float* out) {
  for (int64_t jp = 0; jp < nc; jp += nr) {
    float* panel = out + jp * kc;
    const int64_t cols = std::min<int64_t>(nr, nc - jp);
    for (int64_t k = 0; k < kc; ++k) {
      float* dst = panel + k * nr;
      if (!o.trans_b && cols == nr) {
        std::memcpy(dst, o.b + (p0 + k) * o.ldb + j0 + jp, sizeof(float) * nr);
      } else {
        for (int64_t j = 0; j < nr; ++j) dst[j] = j < cols ? at_b(o, p0 + k, j0 + jp + j) : 0.0f;
      }
    }
  }
}

class MatrixB final : public BSource {
 public:
  explicit MatrixB(const Operands& o) : o_(o) {}
  void pack(int64_t p0, int64_t kc, int64_t j0, int64_t nc, int nr, float* out) const override {
    pack_b(o_, p0, kc, j0, nc, nr, out);
  }

 private:
  const Operands& o_;
};

// C[m0:m1, n0:n1] += op(A) B on the calling thread.
void gemm_block(const Operands& o, const BSource& bsrc, int64_t m0, int64_t m1, int64_t n0, int64_t n1,
                int64_t K) {
  const GemmConfig& cfg = gemm_config();
  const int mr = cfg.mr;
  const int nr = cfg.nr;
  thread_local std::vector<float> a_pack;
  thread_local std::vector<float> b_pack;
  a_pack.resize(static_cast<size_t>(kMc * kKc));
  b_pack.resize(static_cast<size_t>(kKc * (kNc + nr)));
  float tile[32 * 32];
  for (int64_t jc = n0; jc < n1; jc += kNc) {
    const int64_t nc = std::min(kNc, n1 - jc);
    for (int64_t pc = 0; pc < K; pc += kKc) {
      const int64_t kc = std::min(kKc, K - pc);
      bsrc.pack(pc, kc, jc, nc, nr, b_pack.data());
      for (int64_t ic = m0; ic < m1; ic += kMc) {
        const int64_t mc = std::min(kMc, m1 - ic);
        if (o.a_packed == nullptr) pack_a(o, ic, mc, pc, kc, mr, a_pack.data());
        for (int64_t jr = 0; jr < nc; jr += nr) {
          const int64_t cols = std::min<int64_t>(nr, nc - jr);
          for (int64_t ir = 0; ir < mc; ir += mr) {
            const int64_t rows = std::min<int64_t>(mr, mc - ir);
            // a pre-packed panel holds all K for its MR rows, k-major: this block starts pc steps in
            const float* ap = o.a_packed != nullptr ? o.a_packed + (ic + ir) * o.k_total + pc * mr
                                                    : a_pack.data() + ir * kc;
            const float* bp = b_pack.data() + jr * kc;
            float* c = o.c + (ic + ir) * o.ldc + jc + jr;
            if (rows == mr && cols == nr) {
              cfg.kernel(kc, ap, bp, c, o.ldc);
            } else {
              std::fill(tile, tile + mr * nr, 0.0f);
              cfg.kernel(kc, ap, bp, tile, nr);
              for (int64_t i = 0; i < rows; ++i)
                for (int64_t j = 0; j < cols; ++j) c[i * o.ldc + j] += tile[i * nr + j];
            }
          }
        }
      }
    }
  }
}

// Splits the wider dimension into one slice per thread, aligned to the micro-tile.
void gemm_threaded(const Operands& o, const BSource& bsrc, int64_t M, int64_t N, int64_t K) {
  const GemmConfig& cfg = gemm_config();
  const int64_t threads = num_threads();
  const bool tiny = M * N * K < (int64_t(1) << 20);  // ~2 MFLOP: less than waking the workers costs
  if (threads == 1 || tiny) {
    gemm_block(o, bsrc, 0, M, 0, N, K);
    return;
  }
  const bool split_n = N >= M;
  const int64_t extent = split_n ? N : M;
  const int64_t align = split_n ? cfg.nr : cfg.mr;
  int64_t slice = (extent + threads - 1) / threads;
  slice = (slice + align - 1) / align * align;
  const int64_t tasks = (extent + slice - 1) / slice;
  parallel_for(tasks, [&](int64_t t) {
    const int64_t lo = t * slice;
    const int64_t hi = std::min(extent, lo + slice);
    if (split_n) {
      gemm_block(o, bsrc, 0, M, lo, hi, K);
    } else {
      gemm_block(o, bsrc, lo, hi, 0, N, K);
    }
  });
}

// Four independent vector accumulators (64 lanes): one would chain every FMA on the last (4 cycles each), and the
// classifier of MobileNetV2 (1000 dot products of 1280) ran at a third of the memory's speed.
// B's rows stream from memory once per call (a classifier's 5 MB): prefetched 8 KB ahead, the 1000 x 1280 one of
// MobileNetV2 took 150 us instead of 200 with its weights out of cache (hardware prefetch alone).
constexpr int64_t kPrefetchFloats = 2048;
EW_CLONES float dot(const float* __restrict a, int64_t stride_a, const float* __restrict b, int64_t k) {
  float acc[64] = {};
  int64_t i = 0;
  if (stride_a == 1) {
    for (; i + 64 <= k; i += 64) {
      for (int j = 0; j < 64; j += 16) __builtin_prefetch(b + i + kPrefetchFloats + j, 0, 0);
      for (int j = 0; j < 64; ++j) acc[j] += a[i + j] * b[i + j];
    }
    for (; i + 16 <= k; i += 16)
      for (int j = 0; j < 16; ++j) acc[j] += a[i + j] * b[i + j];
  }
  for (int j = 16; j < 64; ++j) acc[j % 16] += acc[j];
  float sum = 0;
  for (int j = 0; j < 16; ++j) sum += acc[j];
  for (; i < k; ++i) sum += a[i * stride_a] * b[i];
  return sum;
}

// C[0, n] += alpha * sum_k op(A)[0, k] * B[n, k] for M == 1 and B transposed: each output is one dot product.
void gemv_rows(const Operands& o, int64_t N, int64_t K) {
  const int64_t stride_a = o.trans_a ? o.lda : 1;
  parallel_for_work(N * K * 2, (N + 63) / 64, [&](int64_t block) {
    const int64_t n1 = std::min(N, (block + 1) * 64);
    for (int64_t n = block * 64; n < n1; ++n) o.c[n] += o.alpha * dot(o.a, stride_a, o.b + n * o.ldb, K);
  });
}

}  // namespace

void sgemm_accumulate(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const BSource& b, float* C,
                      int64_t ldc) {
  if (M == 0 || N == 0 || K == 0) return;
  const Operands o{false, false, 1.0f, A, lda, nullptr, 0, C, ldc};
  gemm_threaded(o, b, M, N, K);
}

int64_t packed_a_floats(int64_t M, int64_t K) {
  const int64_t mr = gemm_config().mr;
  return (M + mr - 1) / mr * mr * K;
}

void pack_a_full(int64_t M, int64_t K, const float* A, int64_t lda, float* out) {
  const Operands o{false, false, 1.0f, A, lda, nullptr, 0, nullptr, 0};
  // one panel of MR rows x all of K per MR rows: pack_a with kc = K writes exactly that layout
  pack_a(o, 0, M, 0, K, gemm_config().mr, out);
}

void sgemm_accumulate_packed(int64_t M, int64_t N, int64_t K, const float* a_packed, const BSource& b, float* C,
                             int64_t ldc) {
  if (M == 0 || N == 0 || K == 0) return;
  Operands o{false, false, 1.0f, nullptr, 0, nullptr, 0, C, ldc};
  o.a_packed = a_packed;
  o.k_total = K;
  gemm_threaded(o, b, M, N, K);
}

void sgemm_packed_matrix(int64_t M, int64_t N, int64_t K, const float* a_packed, const float* B, int64_t ldb,
                         float* C, int64_t ldc) {
  if (M == 0 || N == 0 || K == 0) return;
  Operands o{false, false, 1.0f, nullptr, 0, B, ldb, C, ldc};
  o.a_packed = a_packed;
  o.k_total = K;
  gemm_threaded(o, MatrixB(o), M, N, K);
}

}  // namespace edgewise

extern "C" int ew_sgemm(int transA, int transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                        int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) noexcept {
  using namespace edgewise;
  if (M < 0 || N < 0 || K < 0) return EW_INVALID_ARGUMENT;
  if (M == 0 || N == 0) return EW_OK;
  if (C == nullptr || (K > 0 && (A == nullptr || B == nullptr))) return EW_INVALID_ARGUMENT;
  if (ldc < N || lda < (transA ? M : K) || ldb < (transB ? K : N)) return EW_INVALID_ARGUMENT;
  try {
    for (int64_t i = 0; i < M; ++i) {
      float* c = C + i * ldc;
      if (beta == 0.0f) {
        std::fill(c, c + N, 0.0f);
      } else if (beta != 1.0f) {
        for (int64_t j = 0; j < N; ++j) c[j] *= beta;
      }
    }
    if (K == 0 || alpha == 0.0f) return EW_OK;
    const Operands o{transA != 0, transB != 0, alpha, A, lda, B, ldb, C, ldc};
    if (M == 1 && transB) {
      gemv_rows(o, N, K);  // a classifier layer: N dot products over contiguous rows of B
    } else {
      gemm_threaded(o, MatrixB(o), M, N, K);
    }
    return EW_OK;
  } catch (const std::bad_alloc&) {
    return EW_OUT_OF_MEMORY;
  } catch (...) {
    return EW_INTERNAL;
  }
}

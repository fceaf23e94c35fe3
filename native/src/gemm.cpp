// Blocked single-precision GEMM. The inner loop runs along a row of C and B, so the compiler vectorizes it;
// target_clones builds it for AVX-512, AVX2+FMA and plain x86-64, and the loader picks one at run time.
// The full register-blocked kernels come with the native CPU backend; this one serves the reference fast path.
#include "edgewise/edgewise.h"

#include <algorithm>
#include <memory>
#include <new>
#include <vector>

namespace {

#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
#define EW_MULTIVERSION __attribute__((target_clones("avx512f", "avx2,fma", "default")))
#else
#define EW_MULTIVERSION
#endif

constexpr int64_t kBlockM = 64;
constexpr int64_t kBlockK = 256;
constexpr int64_t kBlockN = 1024;

// C[M,N] += A[M,K] * B[K,N], all row-major and non-transposed, alpha already folded into A.
EW_MULTIVERSION
void gemm_nn_accumulate(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
                        int64_t ldb, float* C, int64_t ldc) {
  for (int64_t n0 = 0; n0 < N; n0 += kBlockN) {
    const int64_t n1 = std::min(N, n0 + kBlockN);
    for (int64_t k0 = 0; k0 < K; k0 += kBlockK) {
      const int64_t k1 = std::min(K, k0 + kBlockK);
      for (int64_t m0 = 0; m0 < M; m0 += kBlockM) {
        const int64_t m1 = std::min(M, m0 + kBlockM);
        for (int64_t i = m0; i < m1; ++i) {
          float* __restrict c = C + i * ldc;
          const float* a = A + i * lda;
          int64_t k = k0;
          // four rows of B at a time: fewer passes over the row of C
          for (; k + 4 <= k1; k += 4) {
            const float a0 = a[k], a1 = a[k + 1], a2 = a[k + 2], a3 = a[k + 3];
            const float* __restrict b0 = B + k * ldb;
            const float* __restrict b1 = b0 + ldb;
            const float* __restrict b2 = b1 + ldb;
            const float* __restrict b3 = b2 + ldb;
            for (int64_t j = n0; j < n1; ++j) c[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j];
          }
          for (; k < k1; ++k) {
            const float av = a[k];
            const float* __restrict b = B + k * ldb;
            for (int64_t j = n0; j < n1; ++j) c[j] += av * b[j];
          }
        }
      }
    }
  }
}

}  // namespace

extern "C" int ew_sgemm(int transA, int transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                        int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) noexcept {
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
    // Bring both operands to row-major non-transposed form, folding alpha into A.
    std::vector<float> a_packed(static_cast<std::size_t>(M * K));
    for (int64_t i = 0; i < M; ++i)
      for (int64_t k = 0; k < K; ++k) a_packed[i * K + k] = alpha * (transA ? A[k * lda + i] : A[i * lda + k]);
    const float* b_rows = B;
    int64_t b_ld = ldb;
    std::vector<float> b_packed;
    if (transB) {
      b_packed.resize(static_cast<std::size_t>(K * N));
      for (int64_t k = 0; k < K; ++k)
        for (int64_t j = 0; j < N; ++j) b_packed[k * N + j] = B[j * ldb + k];
      b_rows = b_packed.data();
      b_ld = N;
    }
    gemm_nn_accumulate(M, N, K, a_packed.data(), K, b_rows, b_ld, C, ldc);
    return EW_OK;
  } catch (const std::bad_alloc&) {
    return EW_OUT_OF_MEMORY;
  } catch (...) {
    return EW_INTERNAL;
  }
}

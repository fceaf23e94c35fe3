// The packed GEMM's internal entry, for kernels that supply the B operand themselves: a convolution packs its B
// panels straight from the image (implicit im2col), so the K x N column matrix is never written to memory.
#ifndef EDGEWISE_GEMM_INTERNAL_H
#define EDGEWISE_GEMM_INTERNAL_H

#include <cstdint>

namespace edgewise {

// Writes rows [p0, p0 + kc) x columns [j0, j0 + nc) of B into panels of nr columns, k-major within a panel:
// panel jp (a multiple of nr) starts at out + jp * kc; columns past nc are zero.
class BSource {
 public:
  virtual ~BSource() = default;
  virtual void pack(int64_t p0, int64_t kc, int64_t j0, int64_t nc, int nr, float* out) const = 0;
};

// C[M, N] = A[M, K] (row-major, leading dimension lda) * B + C, threaded like ew_sgemm. C must be initialized.
void sgemm_accumulate(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const BSource& b, float* C,
                      int64_t ldc);

// Weights packed once: A [M, K] row-major as panels of MR rows x all K (the micro-kernel's layout for this CPU).
int64_t packed_a_floats(int64_t M, int64_t K);
void pack_a_full(int64_t M, int64_t K, const float* A, int64_t lda, float* out);
// C += packed(A) * B, with B from a source or a row-major matrix.
void sgemm_accumulate_packed(int64_t M, int64_t N, int64_t K, const float* a_packed, const BSource& b, float* C,
                             int64_t ldc);
void sgemm_packed_matrix(int64_t M, int64_t N, int64_t K, const float* a_packed, const float* B, int64_t ldb,
                         float* C, int64_t ldc);

}  // namespace edgewise

#endif

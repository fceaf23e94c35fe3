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

}  // namespace edgewise

#endif

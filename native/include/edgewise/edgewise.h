// Edgewise native core: the C ABI that Java reaches through JavaCPP (io.edgewise.nativecore.EdgewiseNative).
// Every entry point is noexcept: no C++ exception ever crosses into the JVM; failures return a status.
#ifndef EDGEWISE_EDGEWISE_H
#define EDGEWISE_EDGEWISE_H

#include <cstddef>
#include <cstdint>

extern "C" {

// Status codes returned by the core. Java maps them to EdgewiseException with ErrorCode.NATIVE.
enum ew_status {
  EW_OK = 0,
  EW_INVALID_ARGUMENT = 1,
  EW_OUT_OF_MEMORY = 2,
  EW_INTERNAL = 3,
};

// Memory: 64-byte aligned (one cache line, one AVX-512 vector), zero-filled. Returns 0 on failure.
intptr_t ew_aligned_alloc(int64_t bytes) noexcept;
void ew_aligned_free(intptr_t address) noexcept;
// Bytes currently held through ew_aligned_alloc, for leak tests.
int64_t ew_allocated_bytes() noexcept;

// Row-major single-precision GEMM: C = alpha * op(A) * op(B) + beta * C, op(X) = X or X^T.
// A is M x K (K x M when transA), B is K x N (N x K when transB), C is M x N, with leading dimensions.
int ew_sgemm(int transA, int transB, int64_t M, int64_t N, int64_t K, float alpha,
             const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
             float* C, int64_t ldc) noexcept;

// The instruction set the dispatching kernels chose on this CPU: "avx512", "avx2", "neon" or "scalar".
const char* ew_isa_name() noexcept;

}  // extern "C"

#endif  // EDGEWISE_EDGEWISE_H

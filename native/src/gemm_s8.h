// The 8-bit integer GEMM behind ew_gemm_s8 / ew_conv2d_s8 / ew_qlinear_conv2d, for the native tests.
#ifndef EDGEWISE_GEMM_S8_H
#define EDGEWISE_GEMM_S8_H

#include <cstdint>

namespace edgewise {

// Largest K the int8 kernels accept: |(a - za)(b - zb)| <= 255 * 255, so the exact result fits int32 while
// K * 65025 < 2^31, i.e. K <= 33025 (the raw VNNI sums, |u8 * s8| <= 32640 each, fit up to K = 65793).
constexpr int64_t kMaxInt8K = 33025;

// C[M, N] (int32, ldc) = sum_k (A[m, k] - za[m]) * (B[k, n] - zb[n]) with A, B uint8 (signed = false) or int8
// (signed = true), row-major with leading dimensions in elements. za has M values, zb N values.
void gemm_s8(int64_t M, int64_t N, int64_t K, const uint8_t* A, int64_t lda, bool a_signed, const int32_t* za,
             const uint8_t* B, int64_t ldb, bool b_signed, const int32_t* zb, int32_t* C, int64_t ldc);

// Tests: run the portable kernel even where the CPU has AVX-512 VNNI.
void set_int8_force_scalar(bool force);
// Tests: QLinearConv's requantization of n exact sums (each of at most k products) of one output channel, as the
// kernels run it: the float screen with its double fallback where the CPU has AVX-512 VNNI (and the scale and bias
// allow it), else the double loop.
void requantize_for_test(int64_t n, const int32_t* acc, int32_t bias, double scale, int32_t y_zero, bool y_signed,
                         int64_t k, uint8_t* y);
// "avx512vnni" or "scalar": the kernel gemm_s8 uses now.
const char* int8_kernel_name();

}  // namespace edgewise

#endif

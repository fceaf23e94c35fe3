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
// Calls of ew_aligned_alloc so far (steady-state inference should make none).
int64_t ew_allocation_count() noexcept;
// Zero-fills bytes at address (memory handed out again by a pool).
void ew_zero(intptr_t address, int64_t bytes) noexcept;
// Bytes the process's C heap (malloc) has in use, all native libraries included; -1 where unknown.
int64_t ew_malloc_in_use_bytes() noexcept;

// Row-major single-precision GEMM: C = alpha * op(A) * op(B) + beta * C, op(X) = X or X^T.
// A is M x K (K x M when transA), B is K x N (N x K when transB), C is M x N, with leading dimensions.
int ew_sgemm(int transA, int transB, int64_t M, int64_t N, int64_t K, float alpha,
             const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
             float* C, int64_t ldc) noexcept;

// 2-D convolution over NCHW float32 with the epilogue fused: y = act(conv(x, w) + bias + residual).
// geometry (16 values): batch, in_channels, in_h, in_w, out_channels, out_h, out_w, kernel_h, kernel_w,
//   stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left, group.
// w is [out_channels, in_channels / group, kernel_h, kernel_w]; bias ([out_channels]) and residual (the shape of
// y) may be null. activation: EW_ACT_* with its parameters a, b (Clip: min, max; LeakyRelu: alpha).
enum ew_activation {
  EW_ACT_NONE = 0,
  EW_ACT_RELU = 1,
  EW_ACT_CLIP = 2,
  EW_ACT_LEAKY_RELU = 3,
  EW_ACT_HARD_SWISH = 4,
  EW_ACT_SIGMOID = 5,
  EW_ACT_TANH = 6,
  EW_ACT_HARD_SIGMOID = 7,  // max(0, min(1, a * v + b)); ew_nchwc_channel_affine only (convolutions refuse it)
  EW_ACT_SILU = 8,          // v * sigmoid(v) (SiLU, Swish with beta 1: EfficientNet, YOLO)
};
int ew_conv2d(const int64_t* geometry, int activation, float a, float b, const float* x, const float* w,
              const float* bias, const float* residual, float* y) noexcept;

// Weights packed once per session in the GEMM's panel layout, so each convolution skips repacking them.
// Returns the floats needed for w of this geometry (0 when the convolution does not use packed weights, e.g.
// depthwise), or -1 for an invalid geometry.
int64_t ew_conv2d_packed_weights_size(const int64_t* geometry) noexcept;
int ew_conv2d_pack_weights(const int64_t* geometry, const float* w, float* packed) noexcept;
// ew_conv2d with weights from ew_conv2d_pack_weights.
int ew_conv2d_prepacked(const int64_t* geometry, int activation, float a, float b, const float* x,
                        const float* packed, const float* bias, const float* residual, float* y) noexcept;

// Training passes of ew_conv2d (same geometry, no activation: the caller applies the activation's derivative to dy
// first). Both reshape the data so that the forward's im2col and GEMM do the work (EF-Train's data reshaping).
// Weight gradient: dw ([out_channels, in_channels / group, kernel_h, kernel_w]) = sum over the batch of
// dy (*) x, overwritten. The bias gradient is the plain sum of dy per channel and is left to the caller.
int ew_conv2d_backward_weights(const int64_t* geometry, const float* x, const float* dy, float* dw) noexcept;
// Input gradient: dx (the shape of x) = the transposed convolution of dy with w, overwritten.
int ew_conv2d_backward_data(const int64_t* geometry, const float* dy, const float* w, float* dx) noexcept;

// 8-bit integer GEMM (MatMulInteger): C[M, N] (int32, ldc) = sum_k (A[m, k] - a_zero[m]) * (B[k, n] - b_zero[n]).
// A and B are row-major uint8 (x_signed = 0) or int8 (x_signed = 1) with leading dimensions in elements. Zero points
// are null (0), one value, or one per row of A (a_zero_count = M) / per column of B (b_zero_count = N), each in the
// range of its operand's type. Exact for K <= 33025 (the result always fits int32 there); larger K is rejected.
// Uses AVX-512 VNNI (vpdpbusd) where the CPU has it, a portable int32 kernel otherwise (ew_int8_kernel_name).
int ew_gemm_s8(int64_t M, int64_t N, int64_t K, int a_signed, const void* A, int64_t lda, const int32_t* a_zero,
               int64_t a_zero_count, int b_signed, const void* B, int64_t ldb, const int32_t* b_zero,
               int64_t b_zero_count, int32_t* C, int64_t ldc) noexcept;

// 2-D integer convolution (ConvInteger) over NCHW uint8/int8: y (int32) = conv(x - x_zero, w - w_zero), with the
// geometry of ew_conv2d; padding contributes zero. w_zero: null, 1 or out_channels values. K = in_channels / group *
// kernel_h * kernel_w must be <= 33025.
int ew_conv2d_s8(const int64_t* geometry, int x_signed, const void* x, int32_t x_zero, int w_signed, const void* w,
                 const int32_t* w_zero, int64_t w_zero_count, int32_t* y) noexcept;

// QLinearConv: ew_conv2d_s8, then y = saturate(rint((acc + bias[m]) * scale[m]) + y_zero) in double, rounding half
// to even, stored as uint8 (y_signed = 0) or int8. scale has out_channels values (x_scale * w_scale[m] / y_scale,
// computed by the caller); bias (int32, out_channels values) may be null.
int ew_qlinear_conv2d(const int64_t* geometry, int x_signed, const void* x, int32_t x_zero, int w_signed,
                      const void* w, const int32_t* w_zero, int64_t w_zero_count, const int32_t* bias,
                      const double* scale, int32_t y_zero, int y_signed, void* y) noexcept;
// QLinearConv's weights packed once (a session packs each constant weight at compile): the size in bytes for the
// geometry (0 for a depthwise convolution, which reads its weights directly; -1 for a bad geometry), and the packing
// of w (int8 when w_signed, else uint8; the packing does not depend on the weights' zero points).
int64_t ew_qlinear_packed_weights_size(const int64_t* geometry) noexcept;
int ew_qlinear_pack_weights(const int64_t* geometry, int w_signed, const void* w, void* packed) noexcept;
// ew_qlinear_conv2d reading the weights from ew_qlinear_pack_weights (packed, of the same geometry and w_signed);
// w is still read for a depthwise convolution; packed null packs per call as ew_qlinear_conv2d does.
int ew_qlinear_conv2d_prepacked(const int64_t* geometry, int x_signed, const void* x, int32_t x_zero, int w_signed,
                                const void* w, const void* packed, const int32_t* w_zero, int64_t w_zero_count,
                                const int32_t* bias, const double* scale, int32_t y_zero, int y_signed,
                                void* y) noexcept;
// ew_qlinear_conv2d_prepacked followed by an 8-bit table lookup in the same output pass (a QLinearConv whose output
// feeds only a QuantizedLookup): each requantized byte b of output channel m is stored as tables[m * 256 + b]
// (table_params = out_channels) or tables[b] (table_params = 1), while it is still in cache. tables null: none.
int ew_qlinear_conv2d_lookup(const int64_t* geometry, int x_signed, const void* x, int32_t x_zero, int w_signed,
                             const void* w, const void* packed, const int32_t* w_zero, int64_t w_zero_count,
                             const int32_t* bias, const double* scale, int32_t y_zero, int y_signed,
                             const uint8_t* tables, int64_t table_params, void* y) noexcept;

// QuantizeLinear / DequantizeLinear between float32 and 8 bits (uint8: signed = 0, int8: 1) over x viewed as
// [outer][channels][inner] (quant.cpp): channel c uses scale[c] and zero[c] (per-axis, params = channels) or the one
// pair (per-tensor, params = 1). Quantize: q = saturate(rint(x / scale) + zero) with a float32 quotient, half to even,
// NaN stored as 0; dequantize: y = (q - zero) * scale. Both bit-exact against the reference kernels.
int ew_quantize_linear(int64_t outer, int64_t channels, int64_t inner, const float* x, const float* scale,
                       const int32_t* zero, int64_t params, int y_signed, void* y) noexcept;
int ew_dequantize_linear(int64_t outer, int64_t channels, int64_t inner, int x_signed, const void* x,
                         const float* scale, const int32_t* zero, int64_t params, float* y) noexcept;
// 8-bit table lookup over [outer][channels][inner] bytes: y = tables[c * 256 + x] for channel c (params = channels),
// or tables[x] (params = 1). A DequantizeLinear -> elementwise float ops -> QuantizeLinear run tabulated per channel.
int ew_lookup8(int64_t outer, int64_t channels, int64_t inner, const uint8_t* tables, int64_t params, const void* x,
               void* y) noexcept;

// The int8 kernel in use: "avx512vnni" or "scalar".
const char* ew_int8_kernel_name() noexcept;

// 2-D max or average pooling over NCHW float32. geometry (18 values): batch, channels, in_h, in_w, out_h, out_w,
// kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left, pad_bottom, pad_right,
// max (1) or average (0), count_include_pad (average only: divide by the window size inside the padded input).
int ew_pool2d(const int64_t* geometry, const float* x, float* y) noexcept;

// y[p] = mean of x[p * size .. (p + 1) * size) for each of `planes` planes (GlobalAveragePool).
int ew_global_average_pool(int64_t planes, int64_t size, const float* x, float* y) noexcept;
// y = a strided view of x of 4-byte elements, copied out (Transpose): output element [i0, ..., i(rank-1)] of the
// shape `dims` is x's element sum(i_d * strides[d]). rank 1..8.
int ew_strided_copy32(int rank, const int64_t* dims, const int64_t* strides, const void* x, void* y) noexcept;
// LRN over NCHW x [n][c][hw]: y = x / (bias + alpha / size * sum of x^2 over channels
// [ch - floor((size - 1) / 2), ch + ceil((size - 1) / 2)] clipped to [0, c)) ^ beta.
int ew_lrn(int64_t n, int64_t c, int64_t hw, int64_t size, float alpha, float beta, float bias, const float* x,
           float* y) noexcept;

// y = act(x) elementwise over count floats in any layout (a standalone activation outside the blocked layout):
// EW_ACT_* with a, b as for ew_nchwc_channel_affine (Clip: min, max; LeakyRelu: alpha; HardSigmoid: alpha, beta).
// A NaN comes out NaN. y may be x.
int ew_apply_activation(int64_t count, int activation, float a, float b, const float* x, float* y) noexcept;

// Elementwise programs over NumPy-broadcast float32 operands, in one pass (eltwise.cpp): y (the contiguous output of
// shape dims[rank], rank 1..8) = the value of the last of `instructions` ops. Operand k (at most 16) is read at
// x[k] + sum_d i_d * strides[k * rank + d] (in elements; 0 along a broadcast axis). Each instruction is 4 int32:
// op (EW_ELT_*), destination register (0..7), source a, source b (binary ops only); a source below 8 is a register
// (written by an earlier instruction), 8 + k is operand k. imm holds 2 floats per instruction (Clip: min, max;
// LeakyRelu: alpha; HardSigmoid: alpha, beta). Each op rounds to float; Max, Min, Clip and Relu propagate NaN.
enum ew_eltwise_op {
  EW_ELT_ADD = 0,
  EW_ELT_SUB = 1,
  EW_ELT_MUL = 2,
  EW_ELT_DIV = 3,
  EW_ELT_MAX = 4,
  EW_ELT_MIN = 5,
  EW_ELT_CLIP = 6,
  EW_ELT_RELU = 7,
  EW_ELT_LEAKY_RELU = 8,
  EW_ELT_SIGMOID = 9,
  EW_ELT_HARD_SIGMOID = 10,
  EW_ELT_HARD_SWISH = 11,
  EW_ELT_SQRT = 12,
  EW_ELT_NEG = 13,
};
int ew_eltwise(int rank, const int64_t* dims, int operands, const int64_t* x, const int64_t* strides,
               int instructions, const int32_t* code, const float* imm, float* y) noexcept;

// Zeroes the lanes past c of the last channel block of an NCHWc tensor of n images of hw pixels (after an op that
// computed them, e.g. an elementwise program adding a constant).
int ew_nchwc_zero_padding(int64_t n, int64_t c, int64_t hw, float* y) noexcept;

// 2-D transposed convolution (ConvTranspose) over NCHW float32: geometry as ew_conv2d's, but in_* is the
// transposed convolution's input and out_* its output (output_padding and output_shape already in out_h, out_w);
// w is [in_channels, out_channels / group, kernel_h, kernel_w]; bias may be null. The packed GEMM computes the
// columns W^T x per image and group, which are then scattered (col2im) into y.
int ew_conv_transpose2d(const int64_t* geometry, const float* x, const float* w, const float* bias,
                        float* y) noexcept;

// y[p][oy][ox] = x[p][rows[oy]][cols[ox]] for `planes` planes of in_h x in_w (nearest-neighbour Resize: the caller
// maps each output row and column to its source). Indices must lie in [0, in_h) and [0, in_w).
int ew_resize_nearest2d(int64_t planes, int64_t in_h, int64_t in_w, int64_t out_h, int64_t out_w,
                        const int64_t* rows, const int64_t* cols, const float* x, float* y) noexcept;

// Linear Resize of `planes` planes of in_h x in_w to out_h x out_w: output row oy blends source rows rows[2 oy] and
// rows[2 oy + 1] with weights row_w[2 oy], row_w[2 oy + 1], and likewise columns (cols, col_w); the caller computes
// taps and weights for the node's coordinate transformation. Indices must lie in [0, in_h) and [0, in_w).
int ew_resize_linear2d(int64_t planes, int64_t in_h, int64_t in_w, int64_t out_h, int64_t out_w, const int64_t* rows,
                       const float* row_w, const int64_t* cols, const float* col_w, const float* x, float* y) noexcept;

// Softmax over each of `rows` contiguous rows of `cols` floats: y = e^(x - max) / sum. A row holding NaN is NaN.
int ew_softmax(int64_t rows, int64_t cols, const float* x, float* y) noexcept;

// Reductions over one contiguous run of axes: x viewed as [outer][n][inner] floats, y[o][i] = reduce over k of
// x[o][k][i]. Sums accumulate in double; Mean of nothing (n = 0) is NaN; Max and Min of a run holding NaN are NaN.
enum ew_reduce_kind { EW_REDUCE_SUM = 0, EW_REDUCE_MEAN = 1, EW_REDUCE_MAX = 2, EW_REDUCE_MIN = 3 };
int ew_reduce(int kind, int64_t outer, int64_t n, int64_t inner, const float* x, float* y) noexcept;

// Concatenation of 4-byte values along one axis: y is [outer][sum of widths]; input i, at address x[i], is
// [outer][widths[i]] and fills columns from the sum of the widths before it (Concat: outer is the product of the
// dimensions before the axis, a width the axis' extent times the product of those after it).
int ew_concat32(int inputs, int64_t outer, const int64_t* x, const int64_t* widths, void* y) noexcept;

// Blocked channel layout (NCHWc): a tensor of C channels is stored as [N][ceil(C / B)][H][W][B], channels past C
// zero, so one vector register holds the B channels of a pixel. B is 16 with AVX-512, 8 otherwise.
int ew_nchwc_block() noexcept;
// The NCHWc kernel set in use: "avx512", "avx2" or "generic" (vector extensions: NEON on aarch64).
const char* ew_nchwc_isa() noexcept;
// NCHW <-> NCHWc for n images of c channels of hw pixels (to_blocked = 1: x is NCHW, y blocked).
int ew_nchwc_reorder(int to_blocked, int64_t n, int64_t c, int64_t hw, const float* x, float* y) noexcept;
// Direct register-blocked convolution over NCHWc, geometry as ew_conv2d's. Runs dense convolutions (group 1) and
// depthwise ones (group = in = out channels). The input is blocked (input_blocked = 1) or plain NCHW (dense only,
// meant for first layers with few channels); the output and residual are blocked. Weights are packed once per
// output block as [in block][kh][kw][in channel][B]. The size is -1 for a geometry NCHWc does not run.
int64_t ew_nchwc_conv_weights_size(const int64_t* geometry, int input_blocked) noexcept;
int ew_nchwc_conv_pack_weights(const int64_t* geometry, int input_blocked, const float* w, float* packed) noexcept;
int ew_nchwc_conv2d(const int64_t* geometry, int input_blocked, int activation, float a, float b, const float* x,
                    const float* packed, const float* bias, const float* residual, float* y) noexcept;
// Max/average pooling over NCHWc: the geometry of ew_pool2d (channels unpadded).
int ew_nchwc_pool2d(const int64_t* geometry, const float* x, float* y) noexcept;
// GlobalAveragePool over NCHWc: y is [n][ceil(c / B)][1][1][B].
int ew_nchwc_global_average_pool(int64_t n, int64_t c, int64_t hw, const float* x, float* y) noexcept;
// y = a + b over count floats (any layout, both the same), then ReLU when relu != 0. y may be a or b.
int ew_nchwc_add(int64_t count, const float* a, const float* b, int relu, float* y) noexcept;
// y = a * b over `planes` NCHWc block planes of hw pixels: b shaped like a (b_hw = hw), or one vector of B channels
// per plane (b_hw = 1: a squeeze-and-excitation scale, [N][ceil(C / B)][1][1][B]). y may be a.
int ew_nchwc_mul(int64_t planes, int64_t hw, const float* a, const float* b, int64_t b_hw, float* y) noexcept;
// A channel gather over NCHWc tensors of n images of hw pixels (Split, Concat and channel shuffles on channel counts
// that are not whole blocks): output channel j of y (c channels) is channel sources[2j + 1] of input sources[2j];
// input i is at address x[i] and has x_channels[i] channels. Lanes past c are zero.
int ew_nchwc_gather_channels(int64_t n, int64_t hw, int inputs, const int64_t* x, const int64_t* x_channels,
                             int64_t c, const int64_t* sources, float* y) noexcept;
// Per-channel affine map and activation over NCHWc x [n][ceil(c / B)][hw][B]: y = act(x * s + t) with
// s = scale / sqrt(var + epsilon) and t = bias - mean * s (inference BatchNormalization), or y = act(x) when scale
// is null (then bias, mean, var are ignored). activation: EW_ACT_* with a, b as for convolutions. Channels past c
// are stored as zero whatever the activation. y may be x.
int ew_nchwc_channel_affine(int64_t n, int64_t c, int64_t hw, const float* x, const float* scale, const float* bias,
                            const float* mean, const float* var, float epsilon, int activation, float a, float b,
                            float* y) noexcept;

// Measures this CPU's single-precision FMA throughput on `threads` threads of the pool (GFLOP/s): independent
// FMA chains in the widest vector registers the CPU has, for about `millis` milliseconds. Benchmarks divide by it.
double ew_measure_peak_gflops(int threads, int millis) noexcept;

// Threads of the native kernels' pool (process-wide; the caller's thread counts as one).
int ew_set_num_threads(int n) noexcept;
int ew_get_num_threads() noexcept;

// The instruction set the dispatching kernels chose on this CPU: "avx512", "avx2", "neon" or "scalar".
const char* ew_isa_name() noexcept;

// FPGA data reshaping (EF-Train's intra-tile continuous allocation): tensors to and from tile-contiguous blocks for
// the tiled convolution kernel in kernels/tiled_conv.cl. `tiles` holds EW_FPGA_TILES_LEN values: batch, in_channels
// N, in_h, in_w, out_channels M, out_h R, out_w C, kernel k (square), stride s, pad_top, pad_left (may be negative:
// a crop), Tm, Tn, Tr, Tc, upsample (1; the stride of the forward pass when packing dout for the input gradient,
// inserting upsample - 1 zeros between pixels), flip (1: the weights rotated by 180 degrees, for the input gradient).
// Blocks: input [batch][N/Tn][R/Tr][C/Tc][Tn][(Tr-1)s+k][(Tc-1)s+k]; weights [M/Tm][N/Tn][Tm][Tn][k][k]; output
// [batch][M/Tm][R/Tr][C/Tc][Tm][Tr][Tc] (each count rounded up; channels and pixels past the edge are zero).
// Source and destination tensors are addressed by four element strides (batch, channel, row, column for
// activations; out channel, in channel, row, column for weights), so transposed views need no copy.
enum { EW_FPGA_TILES_LEN = 17 };
enum ew_fpga_blocks { EW_FPGA_INPUT = 0, EW_FPGA_WEIGHTS = 1, EW_FPGA_OUTPUT = 2 };
// Floats the blocks of one kind need; -1 for an invalid geometry.
int64_t ew_fpga_block_floats(const int64_t* tiles, int which) noexcept;
int ew_fpga_pack_input(const int64_t* tiles, const float* x, const int64_t* strides, float* blocks) noexcept;
int ew_fpga_pack_weights(const int64_t* tiles, const float* w, const int64_t* strides, float* blocks) noexcept;
int ew_fpga_pack_output(const int64_t* tiles, const float* y, const int64_t* strides, float* blocks) noexcept;
// Output blocks back to a tensor, cropping the padding, with the epilogue y = act(acc + bias[m] + residual) (bias
// and residual may be null; residual is addressed by y's strides).
int ew_fpga_unpack_output(const int64_t* tiles, const float* blocks, const float* bias, const float* residual,
                          int activation, float a, float b, float* y, const int64_t* strides) noexcept;
// Weight blocks (the weight-gradient pass's accumulators) back to [M][N][k][k] through strides.
int ew_fpga_unpack_weights(const int64_t* tiles, const float* blocks, float* w, const int64_t* strides) noexcept;

}  // extern "C"

#endif  // EDGEWISE_EDGEWISE_H

// The unified channel-level-parallel tiled convolution of EF-Train (Tang et al., "EF-Train: Enable Efficient
// On-device CNN Training on FPGA Through Data Reshaping for Online Adaptation or Personalization", ACM TODAES 27(5),
// 2022): one loop nest and one Tm x Tn MAC array serve the forward pass, the input gradient and the weight gradient.
//
// The tile sizes are fixed at synthesis (the manifest's macros, passed as -D options to aoc / v++ / the emulation
// build): TM output x TN input channels per step, a TR x TC output tile, kernels up to KMAX x KMAX at strides up to
// SMAX. The host (native/src/fpga_reshape.cpp) lays every tile out contiguously, so each tile is one burst:
//   input blocks   [batch][N/TN][R/TR][C/TC][TN][(TR-1)s+k][(TC-1)s+k]
//   weight blocks  [M/TM][N/TN][TM][TN][k][k]
//   output blocks  [batch][M/TM][R/TR][C/TC][TM][TR][TC]
// What the pass computes is chosen by that layout alone, except for which buffer accumulates:
//   mode 0, forward:        input = x, weights = w, accumulate the output tile over input-channel blocks;
//   mode 0, input gradient: input = dy upsampled by the stride and padded by k-1-p, weights = w rotated 180 degrees
//                           with M and N swapped, stride 1: the same loop computes dx;
//   mode 1, weight gradient: input = x, output blocks = dy, accumulate the TM x TN x k x k weight tile over images
//                           and pixel tiles (EF-Train's weight-update mode: the MAC array's operands are the same
//                           two on-chip buffers, its accumulator is the weight buffer).
// One work-item per accumulator block; the next block's operands are fetched into the other slot of each
// double-buffered on-chip array while this one computes (on an FPGA the two overlap; in emulation they run in turn).
#ifndef TM
#define TM 8
#endif
#ifndef TN
#define TN 8
#endif
#ifndef TR
#define TR 8
#endif
#ifndef TC
#define TC 8
#endif
#ifndef KMAX
#define KMAX 3
#endif
#ifndef SMAX
#define SMAX 2
#endif

#define TRIN_MAX ((TR - 1) * SMAX + KMAX)
#define TCIN_MAX ((TC - 1) * SMAX + KMAX)
#define IN_BUF (TN * TRIN_MAX * TCIN_MAX)
#define W_BUF (TM * TN * KMAX * KMAX)
#define OUT_BUF (TM * TR * TC)

// copies one contiguous tile (a single burst on the device) into an on-chip buffer
inline void burst(__local float* dst, __global const float* src, int n) {
  for (int i = 0; i < n; ++i) dst[i] = src[i];
}

__kernel __attribute__((reqd_work_group_size(1, 1, 1)))
void ew_tiled_conv(__global const float* restrict in_blocks, __global float* restrict w_blocks,
                   __global float* restrict out_blocks, const int mode, const int k, const int s, const int batch,
                   const int mb_count, const int nb_count, const int rt_count, const int ct_count) {
  __local float in_buf[2][IN_BUF];
  __local float w_buf[2][W_BUF];
  __local float out_buf[2][OUT_BUF];
  __local float acc[W_BUF > OUT_BUF ? W_BUF : OUT_BUF];

  const int trin = (TR - 1) * s + k, tcin = (TC - 1) * s + k;
  const int in_block = TN * trin * tcin, w_block = TM * TN * k * k;
  const int blk = get_global_id(0);
  // mode 0: blk = (b, mb, rt, ct), steps over nb; mode 1: blk = (mb, nb), steps over (b, rt, ct)
  const int steps = mode == 0 ? nb_count : batch * rt_count * ct_count;
  const int acc_len = mode == 0 ? OUT_BUF : w_block;
  for (int i = 0; i < acc_len; ++i) acc[i] = 0.f;

  int ct0 = blk % ct_count, rt0 = blk / ct_count % rt_count, mb0 = blk / ct_count / rt_count % mb_count,
      b0 = blk / ct_count / rt_count / mb_count;
  if (mode != 0) {
    mb0 = blk / nb_count;
  }
  for (int step = 0; step <= steps; ++step) {
    // fetch the operands of `step` into slot step & 1 (the prologue fetches step 0; the last round only computes)
    if (step < steps) {
      const int slot = step & 1;
      int b = b0, nb = step, rt = rt0, ct = ct0;
      if (mode != 0) {
        nb = blk % nb_count;
        ct = step % ct_count;
        rt = step / ct_count % rt_count;
        b = step / ct_count / rt_count;
      }
      burst(in_buf[slot], in_blocks + (size_t)(((b * nb_count + nb) * rt_count + rt) * ct_count + ct) * in_block,
            in_block);
      if (mode == 0) {
        burst(w_buf[slot], w_blocks + (size_t)(mb0 * nb_count + nb) * w_block, w_block);
      } else {
        burst(out_buf[slot], out_blocks + (size_t)(((b * mb_count + mb0) * rt_count + rt) * ct_count + ct) * OUT_BUF,
              OUT_BUF);
      }
    }
    if (step == 0) continue;
    const int slot = (step - 1) & 1;
    __local const float* ib = in_buf[slot];
    for (int ky = 0; ky < k; ++ky)
      for (int kx = 0; kx < k; ++kx)
        for (int y = 0; y < TR; ++y)
          for (int x = 0; x < TC; ++x) {
            // the TM x TN MAC array: fully unrolled on the device, one tile column per cycle
#pragma unroll
            for (int i = 0; i < TM; ++i) {
              if (mode == 0) {
                float sum = 0.f;
#pragma unroll
                for (int j = 0; j < TN; ++j)
                  sum += w_buf[slot][((i * TN + j) * k + ky) * k + kx] * ib[(j * trin + y * s + ky) * tcin + x * s + kx];
                acc[(i * TR + y) * TC + x] += sum;
              } else {
                const float g = out_buf[slot][(i * TR + y) * TC + x];
#pragma unroll
                for (int j = 0; j < TN; ++j)
                  acc[((i * TN + j) * k + ky) * k + kx] += g * ib[(j * trin + y * s + ky) * tcin + x * s + kx];
              }
            }
          }
  }
  __global float* dst = mode == 0 ? out_blocks + (size_t)blk * OUT_BUF : w_blocks + (size_t)blk * w_block;
  for (int i = 0; i < acc_len; ++i) dst[i] = acc[i];
}

// Direct 2-D convolution for SIMD devices (CPUs, PoCL), vectorised over OUTPUT CHANNELS: a work-item computes
// TILE_KV vectors of KV output channels x TILE_OW output columns, accumulating in registers. Per tap it loads
// TILE_KV weight vectors (the host packs the weights so that they are contiguous) and broadcasts one input value
// per column: no lane is wasted on a narrow row (7 or 14 wide) and a strided convolution loads exactly what it
// uses, unlike conv2d_vec.cl, which vectorises along the row. Columns past the row's end read the last column
// (clamped) and are never stored, so an unpadded convolution (1x1) reads its input in place, without a copy.
//
// Input: [N, C, PH, PW], zero-padded (pad2d in ops.cl) unless the convolution has no padding.
// Weights, packed by the host: [ceil(K / (KV*TILE_KV))][C * KH * KW][KV*TILE_KV], zero past K.
// Launch: global (ceil(OW / TILE_OW), OH, N * kBlocks); local (LX, 1, 1) or chosen by the driver.
#ifndef KH
#define KH 3
#endif
#ifndef KW
#define KW 3
#endif
#ifndef SH
#define SH 1
#endif
#ifndef SW
#define SW 1
#endif
#ifndef DH
#define DH 1
#endif
#ifndef DW
#define DW 1
#endif
#ifndef KV
#define KV 16
#endif
#ifndef TILE_KV
#define TILE_KV 2
#endif
#ifndef TILE_OW
#define TILE_OW 8
#endif

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
typedef CAT(float, KV) floatv;
#define VSTORE CAT(vstore, KV)
#if defined(W_HALF) && W_HALF
#define LOAD_WV(i, p) CAT(vload_half, KV)((i), (p))
#else
#define LOAD_WV(i, p) CAT(vload, KV)((i), (p))
#endif
#define KT (KV * TILE_KV)

__kernel void conv2d_ocv(__global const float* restrict x, __global const wtype* restrict w,
                         __global const float* restrict bias, __global const float* restrict res,
                         __global float* restrict y, int C, int PH, int PW, int K, int OH, int OW, int kBlocks,
                         int flags, int act, float alpha, float beta) {
  const int ox0 = get_global_id(0) * TILE_OW;
  const int oy = get_global_id(1);
  const int z = get_global_id(2);
  const int kb = z % kBlocks;
  const int n = z / kBlocks;

  int xoff[TILE_OW];
  floatv acc[TILE_KV][TILE_OW];
  #pragma unroll
  for (int t = 0; t < TILE_OW; t++) {
    xoff[t] = min(ox0 + t, OW - 1) * SW;  // past the end: a valid column, computed but never stored
    #pragma unroll
    for (int v = 0; v < TILE_KV; v++) acc[v][t] = (floatv)(0.0f);
  }
  const __global wtype* wt = w + (size_t)kb * C * (KH * KW * KT);
  const __global float* xc = x + (size_t)n * C * PH * PW + (size_t)(oy * SH) * PW;
  for (int c = 0; c < C; c++, xc += PH * PW) {
    // the rows of taps stay a loop: fully unrolled, LLVM hoists the loads of later taps and spills accumulators
    #pragma unroll 1
    for (int kh = 0; kh < KH; kh++) {
      #pragma unroll
      for (int kw = 0; kw < KW; kw++, wt += KT) {
        const __global float* xr = xc + kh * DH * PW + kw * DW;
        floatv wv[TILE_KV];
        #pragma unroll
        for (int v = 0; v < TILE_KV; v++) wv[v] = LOAD_WV(v, wt);
        #pragma unroll
        for (int t = 0; t < TILE_OW; t++) {
          const floatv xv = (floatv)(xr[xoff[t]]);
          #pragma unroll
          for (int v = 0; v < TILE_KV; v++) acc[v][t] = fma(wv[v], xv, acc[v][t]);
        }
      }
    }
  }

  // epilogue: lanes are output channels, so each result goes to its own plane
  #pragma unroll
  for (int v = 0; v < TILE_KV; v++) {
    const int kv0 = kb * KT + v * KV;
    #pragma unroll
    for (int t = 0; t < TILE_OW; t++) {
      const int ox = ox0 + t;
      if (ox >= OW) break;
      float r[KV];
      VSTORE(acc[v][t], 0, r);
      for (int i = 0; i < KV && kv0 + i < K; i++) {
        const int k = kv0 + i;
        const size_t at = (((size_t)n * K + k) * OH + oy) * OW + ox;
        float s = r[i] + ((flags & HAS_BIAS) ? bias[k] : 0.0f);
        if (flags & HAS_RESIDUAL) s += res[at];
        y[at] = activate(s, act, alpha, beta);
      }
    }
  }
}

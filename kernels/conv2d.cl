// Direct 2-D convolution, NCHW, any groups, register-blocked over TILE_OC output channels and TILE_OW output
// columns per work-item. The TILE_OW columns of a work-item are LX apart (interleaved), so neighbouring
// work-items read neighbouring input columns: coalesced on GPUs, and one SIMD load per tap where PoCL
// vectorises across work-items. With LOCAL_W the weights of the work-group's TILE_OC channels are staged in
// local memory CB input channels at a time. Fused epilogue: bias, residual add, activation.
//
// Launch: local (LX, 1, 1); global (ceil(OW / (LX*TILE_OW)) * LX, OH, N * groups * ceil(Kg / TILE_OC)).
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
#ifndef TILE_OC
#define TILE_OC 8
#endif
#ifndef TILE_OW
#define TILE_OW 2
#endif
#ifndef LX
#define LX 16
#endif
#ifndef LOCAL_W
#define LOCAL_W 0
#endif
#ifndef CB
#define CB 8
#endif

__kernel __attribute__((reqd_work_group_size(LX, 1, 1)))
void conv2d(__global const float* restrict x, __global const wtype* restrict w,
            __global const float* restrict bias, __global const float* restrict res, __global float* restrict y,
            int C, int H, int W, int K, int OH, int OW, int padH, int padW, int dilH, int dilW, int groups,
            int kBlocks, int flags, int act, float alpha, float beta) {
  const int lx = get_local_id(0);
  const int oxBase = get_group_id(0) * (LX * TILE_OW) + lx;
  const int oy = get_global_id(1);
  const int z = get_global_id(2);
  const int kb = z % kBlocks;
  const int ng = z / kBlocks;
  const int g = ng % groups;
  const int n = ng / groups;
  const int Cg = C / groups;
  const int Kg = K / groups;
  const int kEnd = g * Kg + Kg;
  const int k0 = g * Kg + kb * TILE_OC;
  const int taps = Cg * KH * KW;

  float acc[TILE_OC][TILE_OW];
  int wrow[TILE_OC];
  for (int o = 0; o < TILE_OC; o++) {
    wrow[o] = min(k0 + o, kEnd - 1) * taps;  // channels past the end recompute the last one, never stored
    for (int t = 0; t < TILE_OW; t++) acc[o][t] = 0.0f;
  }
  int ix0[TILE_OW];
  for (int t = 0; t < TILE_OW; t++) ix0[t] = (oxBase + t * LX) * SW - padW;
  const __global float* xg = x + ((size_t)n * C + (size_t)g * Cg) * H * W;
  const int iyBase = oy * SH - padH;

#if LOCAL_W
  __local float wl[TILE_OC * CB * KH * KW];
  for (int c0 = 0; c0 < Cg; c0 += CB) {
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int i = lx; i < TILE_OC * CB * KH * KW; i += LX) {
      const int o = i / (CB * KH * KW);
      const int r = i - o * (CB * KH * KW);
      const int c = c0 + r / (KH * KW);
      wl[i] = c < Cg ? LOAD_W(w, wrow[o] + c0 * KH * KW + r) : 0.0f;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    const int cn = min(CB, Cg - c0);
    for (int cc = 0; cc < cn; cc++) {
      const __global float* xc = xg + (size_t)(c0 + cc) * H * W;
#else
  {
    for (int c = 0; c < Cg; c++) {
      const __global float* xc = xg + (size_t)c * H * W;
#endif
      for (int kh = 0; kh < KH; kh++) {
        const int iy = iyBase + kh * dilH;
        if (iy < 0 || iy >= H) continue;
        const __global float* xr = xc + iy * W;
        for (int kw = 0; kw < KW; kw++) {
          float xv[TILE_OW];
          for (int t = 0; t < TILE_OW; t++) {
            const int ix = ix0[t] + kw * dilW;
            const float v = xr[clamp(ix, 0, W - 1)];  // clamped read, then masked: branch-free and in bounds
            xv[t] = (ix >= 0 && ix < W) ? v : 0.0f;
          }
          for (int o = 0; o < TILE_OC; o++) {
#if LOCAL_W
            const float wv = wl[(o * CB + cc) * KH * KW + kh * KW + kw];
#else
            const float wv = LOAD_W(w, wrow[o] + (c * KH + kh) * KW + kw);
#endif
            for (int t = 0; t < TILE_OW; t++) acc[o][t] = fma(wv, xv[t], acc[o][t]);
          }
        }
      }
    }
  }

  for (int o = 0; o < TILE_OC; o++) {
    const int k = k0 + o;
    if (k >= kEnd) break;
    const float b = (flags & HAS_BIAS) ? bias[k] : 0.0f;
    const size_t plane = ((size_t)n * K + k) * OH * OW + (size_t)oy * OW;
    for (int t = 0; t < TILE_OW; t++) {
      const int ox = oxBase + t * LX;
      if (ox < OW) {
        float v = acc[o][t] + b;
        if (flags & HAS_RESIDUAL) v += res[plane + ox];
        y[plane + ox] = activate(v, act, alpha, beta);
      }
    }
  }
}

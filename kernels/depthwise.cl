// Depthwise 2-D convolution (groups == channels, one output channel per group), NCHW. A work-item computes
// TILE_OW output columns, LX apart (coalesced); fused bias, residual and activation.
//
// Launch: local (LX, 1, 1); global (ceil(OW / (LX*TILE_OW)) * LX, OH, N * C).
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
#ifndef TILE_OW
#define TILE_OW 2
#endif
#ifndef LX
#define LX 16
#endif

__kernel __attribute__((reqd_work_group_size(LX, 1, 1)))
void depthwise(__global const float* restrict x, __global const wtype* restrict w,
               __global const float* restrict bias, __global const float* restrict res, __global float* restrict y,
               int C, int H, int W, int OH, int OW, int padH, int padW, int dilH, int dilW, int flags, int act,
               float alpha, float beta) {
  const int oxBase = get_group_id(0) * (LX * TILE_OW) + get_local_id(0);
  const int oy = get_global_id(1);
  const int nc = get_global_id(2);
  const int c = nc % C;
  const __global float* xc = x + (size_t)nc * H * W;
  float acc[TILE_OW];
  for (int t = 0; t < TILE_OW; t++) acc[t] = 0.0f;
  for (int kh = 0; kh < KH; kh++) {
    const int iy = oy * SH - padH + kh * dilH;
    if (iy < 0 || iy >= H) continue;
    const __global float* xr = xc + iy * W;
    for (int kw = 0; kw < KW; kw++) {
      const float wv = LOAD_W(w, (c * KH + kh) * KW + kw);
      for (int t = 0; t < TILE_OW; t++) {
        const int ix = (oxBase + t * LX) * SW - padW + kw * dilW;
        const float v = xr[clamp(ix, 0, W - 1)];
        acc[t] = fma(wv, (ix >= 0 && ix < W) ? v : 0.0f, acc[t]);
      }
    }
  }
  const float b = (flags & HAS_BIAS) ? bias[c] : 0.0f;
  const size_t plane = (size_t)nc * OH * OW + (size_t)oy * OW;
  for (int t = 0; t < TILE_OW; t++) {
    const int ox = oxBase + t * LX;
    if (ox < OW) {
      float v = acc[t] + b;
      if (flags & HAS_RESIDUAL) v += res[plane + ox];
      y[plane + ox] = activate(v, act, alpha, beta);
    }
  }
}

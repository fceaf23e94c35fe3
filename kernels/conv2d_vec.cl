// Direct 2-D convolution for SIMD devices (CPUs, PoCL): explicit VEC-wide vectors along the output row, since
// PoCL does not vectorise across work-items when the kernel body has loops. A work-item computes TILE_OC output
// channels x TILE_OW vectors of VEC output columns, accumulating in registers. The input has been copied into a
// zero-padded buffer (pad2d in ops.cl) of PH x PW per channel, wide enough that every vector load of the last
// tile stays inside the buffer: no masks in the inner loop. Fused epilogue: bias, residual add, activation.
//
// Launch: global (ceil(OW / (VEC*TILE_OW)), OH, N * groups * ceil(Kg / TILE_OC)); local chosen by the driver
// or (LX, 1, 1).
//
// FLAT (stride 1): the output is computed over the padded input's rows laid end to end, one long row of OH * PW
// positions, of which the PW - OW at the end of each row are never stored: a 56-wide row then wastes 2 of every 58
// lanes instead of 8 of every 64 (3.5 vectors of 16), and the tile walks across rows. Launch: global
// (ceil(OH * PW / (VEC*TILE_OW)), 1, ...); the padded buffer has slack after its last plane for the last tile.
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
#ifndef TILE_OC
#define TILE_OC 8
#endif
#ifndef TILE_OW
#define TILE_OW 2
#endif
#ifndef VEC
#define VEC 8
#endif
#ifndef FLAT
#define FLAT 0
#endif

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
typedef CAT(float, VEC) floatv;
#define VLOAD CAT(vload, VEC)
#define VSTORE CAT(vstore, VEC)

#if SW == 1
#define LOAD_X(p) VLOAD(0, (p))
#elif SW == 2 && VEC == 4
#define LOAD_X(p) vload8(0, (p)).even
#elif SW == 2 && VEC == 8
#define LOAD_X(p) vload16(0, (p)).even
#elif SW == 2 && VEC == 16
#define LOAD_X(p) ((float16)(vload16(0, (p)).even, vload16(1, (p)).even))
#else
inline floatv load_strided(const __global float* p) {
  float v[VEC];
  for (int i = 0; i < VEC; i++) v[i] = p[i * SW];
  return VLOAD(0, v);
}
#define LOAD_X(p) load_strided(p)
#endif

// Residual, activation and store of one output vector at y[at]
inline void store_vector(floatv r, __global float* y, __global const float* res, size_t at, int flags, int act,
                         float alpha, float beta) {
  if (flags & HAS_RESIDUAL) r += VLOAD(0, res + at);
  if (act == ACT_RELU) {
    r = select(r, (floatv)(0.0f), isless(r, (floatv)(0.0f)));  // NaN stays NaN, as in activate()
  } else if (act != ACT_NONE) {
    float v[VEC];
    VSTORE(r, 0, v);
    for (int i = 0; i < VEC; i++) v[i] = activate(v[i], act, alpha, beta);
    r = VLOAD(0, v);
  }
  VSTORE(r, 0, y + at);
}

__kernel void conv2d_vec(__global const float* restrict x, __global const wtype* restrict w,
                         __global const float* restrict bias, __global const float* restrict res,
                         __global float* restrict y, int C, int PH, int PW, int K, int OH, int OW, int groups,
                         int kBlocks, int flags, int act, float alpha, float beta) {
  const int ox0 = get_global_id(0) * (VEC * TILE_OW);
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

  floatv acc[TILE_OC][TILE_OW];
  const __global wtype* wr[TILE_OC];
  #pragma unroll
  for (int o = 0; o < TILE_OC; o++) {
    wr[o] = w + min(k0 + o, kEnd - 1) * taps;  // channels past the end recompute the last one, never stored
    #pragma unroll
    for (int t = 0; t < TILE_OW; t++) acc[o][t] = (floatv)(0.0f);
  }
  const __global float* xg = x + ((size_t)n * C + (size_t)g * Cg) * PH * PW + (size_t)(oy * SH) * PW + ox0 * SW;
  for (int c = 0; c < Cg; c++) {
    const __global float* xc = xg + (size_t)c * PH * PW;
    #pragma unroll
    for (int kh = 0; kh < KH; kh++) {
      const __global float* xr = xc + kh * DH * PW;
            #pragma unroll
            for (int kw = 0; kw < KW; kw++) {
        floatv xv[TILE_OW];
              #pragma unroll
              for (int t = 0; t < TILE_OW; t++) xv[t] = LOAD_X(xr + t * VEC * SW + kw * DW);
        const int tap = (c * KH + kh) * KW + kw;
              #pragma unroll
              for (int o = 0; o < TILE_OC; o++) {
          const floatv wv = (floatv)(LOAD_W(wr[o], tap));
                #pragma unroll
                for (int t = 0; t < TILE_OW; t++) acc[o][t] = fma(wv, xv[t], acc[o][t]);
        }
      }
    }
  }

#if FLAT
  // (row, column) of each vector's first lane: one division per work-item, then steps of VEC along the rows
  int frow[TILE_OW];
  int fcol[TILE_OW];
  {
    int r = ox0 / PW;
    int col = ox0 - r * PW;
    #pragma unroll
    for (int t = 0; t < TILE_OW; t++) {
      frow[t] = r;
      fcol[t] = col;
      col += VEC;
      while (col >= PW) {
        col -= PW;
        r++;
      }
    }
  }
  #pragma unroll
  for (int o = 0; o < TILE_OC; o++) {
    const int k = k0 + o;
    if (k >= kEnd) break;
    const float b = (flags & HAS_BIAS) ? bias[k] : 0.0f;
    const size_t plane = ((size_t)n * K + k) * OH * OW;
    #pragma unroll
    for (int t = 0; t < TILE_OW; t++) {
      float v[VEC];
      VSTORE(acc[o][t] + (floatv)(b), 0, v);
      if (frow[t] < OH && fcol[t] + VEC <= OW) {
        store_vector(VLOAD(0, v), y, res, plane + (size_t)frow[t] * OW + fcol[t], flags, act, alpha, beta);
      } else {
        // the vector crosses a row's end (or runs past the last row): lane by lane, skipping the padding columns
        int r = frow[t];
        int col = fcol[t];
        for (int i = 0; i < VEC; i++) {
          if (r < OH && col < OW) {
            const size_t at = plane + (size_t)r * OW + col;
            float s = v[i];
            if (flags & HAS_RESIDUAL) s += res[at];
            y[at] = activate(s, act, alpha, beta);
          }
          if (++col == PW) {
            col = 0;
            r++;
          }
        }
      }
    }
  }
#else
  #pragma unroll
  for (int o = 0; o < TILE_OC; o++) {
    const int k = k0 + o;
    if (k >= kEnd) break;
    const float b = (flags & HAS_BIAS) ? bias[k] : 0.0f;
    const size_t plane = ((size_t)n * K + k) * OH * OW + (size_t)oy * OW;
    #pragma unroll
    for (int t = 0; t < TILE_OW; t++) {
      const int ox = ox0 + t * VEC;
      float v[VEC];
      VSTORE(acc[o][t] + (floatv)(b), 0, v);
      if (ox + VEC <= OW) {
        store_vector(VLOAD(0, v), y, res, plane + ox, flags, act, alpha, beta);
      } else {
        for (int i = 0; i < VEC && ox + i < OW; i++) {
          float s = v[i];
          if (flags & HAS_RESIDUAL) s += res[plane + ox + i];
          y[plane + ox + i] = activate(s, act, alpha, beta);
        }
      }
    }
  }
#endif
}

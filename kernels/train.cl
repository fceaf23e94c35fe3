// The kernels of on-device training (the opencl device of `edgewise finetune`). As in EF-Train, one tiled product
// serves the forward pass, the input gradient and the weight gradient; the data is reshaped around it so that each
// pass is a plain (batched) matrix product. For a convolution of G groups, Kc = C/G * KH * KW, P = OH * OW:
//   forward          Yt[g]   = W[g]   x col[g]     col  = im2col(x) laid out [G][Kc][N*P];  y = swap(Yt) + bias
//   input gradient   dcol[g] = W[g]^T x dYt[g]     dYt  = swap(dy), [M][N*P];               dx = col2im(dcol)
//   weight gradient  dW[g]   = dYt[g] x colT[g]    colT = im2col(x) laid out [G][N*P][Kc]
// col2im gathers (each input element sums the column entries it fed), so no pass needs atomics. Every kernel takes
// its sizes at run time: one build of this file (per tile choice) serves every layer of every model.

// ---- GEMM tile (compile-time): a work-item computes TILE_M rows x TILE_N columns of C; its columns are LX apart
// so that neighbouring work-items read neighbouring elements of B's rows (one SIMD load where PoCL vectorises
// across work-items, coalesced on GPUs). With LOCAL_A the work-group stages TILE_M x KB values of A in local memory.
#ifndef TILE_M
#define TILE_M 8
#endif
#ifndef TILE_N
#define TILE_N 2
#endif
#ifndef LX
#define LX 16
#endif
#ifndef LOCAL_A
#define LOCAL_A 0
#endif
#ifndef KB
#define KB 64
#endif

// C[z] = alpha * A[z] x B[z] + beta * C[z] for each batch z (beta == 0 never reads C, so C may hold garbage).
// A is read through row and column strides (a transposed A costs nothing: its values are broadcast to the work-group);
// B and C are row-major with row strides rsb and rsc (B's rows are contiguous: the host transposes a B that is not).
// FULL: every column of the work-group's tile exists, so the loads of B need no clamping, which keeps them plain
// vector loads where PoCL vectorises across work-items (a clamped index turns them into gathers); the kernel
// picks the variant per work-group, uniformly.
inline void gemm_tile(__global const float* restrict az, __global const float* restrict bz, __global float* restrict cz,
                      __local float* al, int M, int N, int K, int rsa, int csa, int rsb, int rsc, float alpha,
                      float beta, const int FULL) {
  const int lx = get_local_id(0);
  const int nBase = get_group_id(0) * (LX * TILE_N) + lx;
  const int m0 = get_global_id(1) * TILE_M;

  float acc[TILE_M][TILE_N];
  int arow[TILE_M];
  int ncol[TILE_N];
  for (int i = 0; i < TILE_M; i++) {
    arow[i] = min(m0 + i, M - 1) * rsa;  // rows past the end recompute the last one and are never stored
    for (int j = 0; j < TILE_N; j++) acc[i][j] = 0.0f;
  }
  for (int j = 0; j < TILE_N; j++) ncol[j] = FULL ? nBase + j * LX : min(nBase + j * LX, N - 1);

#if LOCAL_A
  for (int k0 = 0; k0 < K; k0 += KB) {
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int i = lx; i < TILE_M * KB; i += LX) {
      const int r = i / KB;
      const int k = k0 + (i - r * KB);
      al[i] = k < K ? az[arow[r] + (size_t)k * csa] : 0.0f;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    const int kn = min(KB, K - k0);
    for (int kk = 0; kk < kn; kk++) {
      const int k = k0 + kk;
#else
  {
    for (int k = 0; k < K; k++) {
#endif
      const __global float* brow = bz + (size_t)k * rsb;
      float bv[TILE_N];
      for (int j = 0; j < TILE_N; j++) bv[j] = brow[ncol[j]];
      for (int i = 0; i < TILE_M; i++) {
#if LOCAL_A
        const float av = al[i * KB + kk];
#else
        const float av = az[arow[i] + (size_t)k * csa];
#endif
        for (int j = 0; j < TILE_N; j++) acc[i][j] = fma(av, bv[j], acc[i][j]);
      }
    }
  }

  for (int i = 0; i < TILE_M; i++) {
    const int m = m0 + i;
    if (m >= M) break;
    for (int j = 0; j < TILE_N; j++) {
      const int n = nBase + j * LX;
      if (FULL || n < N) {
        const size_t at = (size_t)m * rsc + n;
        cz[at] = beta == 0.0f ? alpha * acc[i][j] : fma(alpha, acc[i][j], beta * cz[at]);
      }
    }
  }
}

// Launch: local (LX, 1, 1); global (ceil(N / (LX * TILE_N)) * LX, ceil(M / TILE_M), batches).
__kernel __attribute__((reqd_work_group_size(LX, 1, 1)))
void gemm_batched(__global const float* restrict a, __global const float* restrict b, __global float* restrict c,
                  int M, int N, int K, int rsa, int csa, int bsa, int rsb, int bsb, int rsc, int bsc, float alpha,
                  float beta) {
  const int z = get_global_id(2);
  __global const float* az = a + (size_t)z * bsa;
  __global const float* bz = b + (size_t)z * bsb;
  __global float* cz = c + (size_t)z * bsc;
#if LOCAL_A
  __local float al[TILE_M * KB];  // OpenCL C allows __local variables only at kernel scope
#else
  __local float* al = 0;
#endif
  if ((get_group_id(0) + 1) * (LX * TILE_N) <= N) {
    gemm_tile(az, bz, cz, al, M, N, K, rsa, csa, rsb, rsc, alpha, beta, 1);
  } else {
    gemm_tile(az, bz, cz, al, M, N, K, rsa, csa, rsb, rsc, alpha, beta, 0);
  }
}

// ---- The same product with explicit vectors, for CPU devices: PoCL vectorises across work-items only when the
// work-item loop is innermost, which a k loop inside the kernel prevents, so the interleaved kernel above runs
// scalar there. Here a work-item computes TILE_M rows x TILE_N vectors of VEC contiguous columns (vload/vstore,
// FMAs on VEC lanes). Same arguments and result as gemm_batched.
// Launch: global (ceil(N / (TILE_N * VEC)), ceil(M / TILE_M), batches); local chosen by the driver.
#ifndef VEC
#define VEC 8
#endif
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define floatV CAT(float, VEC)
#define vloadV CAT(vload, VEC)
#define vstoreV CAT(vstore, VEC)

__kernel void gemm_vec(__global const float* restrict a, __global const float* restrict b, __global float* restrict c,
                       int M, int N, int K, int rsa, int csa, int bsa, int rsb, int bsb, int rsc, int bsc, float alpha,
                       float beta) {
  const int n0 = get_global_id(0) * (TILE_N * VEC);
  const int m0 = get_global_id(1) * TILE_M;
  const int z = get_global_id(2);
  if (n0 >= N || m0 >= M) return;
  const __global float* az = a + (size_t)z * bsa;
  const __global float* bz = b + (size_t)z * bsb;
  __global float* cz = c + (size_t)z * bsc;
  const int full = n0 + TILE_N * VEC <= N;  // else the last columns are partial: scalar loads, zero-filled

  floatV acc[TILE_M][TILE_N];
  int arow[TILE_M];
  for (int i = 0; i < TILE_M; i++) {
    arow[i] = min(m0 + i, M - 1) * rsa;
    for (int j = 0; j < TILE_N; j++) acc[i][j] = (floatV)(0.0f);
  }
  for (int k = 0; k < K; k++) {
    const __global float* brow = bz + (size_t)k * rsb + n0;
    floatV bv[TILE_N];
    if (full) {
      for (int j = 0; j < TILE_N; j++) bv[j] = vloadV(j, brow);
    } else {
      for (int j = 0; j < TILE_N; j++) {
        float t[VEC];
        for (int e = 0; e < VEC; e++) t[e] = n0 + j * VEC + e < N ? brow[j * VEC + e] : 0.0f;
        bv[j] = vloadV(0, t);
      }
    }
    for (int i = 0; i < TILE_M; i++) {
      const floatV av = (floatV)(az[arow[i] + (size_t)k * csa]);
      for (int j = 0; j < TILE_N; j++) acc[i][j] = fma(av, bv[j], acc[i][j]);
    }
  }

  for (int i = 0; i < TILE_M; i++) {
    const int m = m0 + i;
    if (m >= M) break;
    __global float* crow = cz + (size_t)m * rsc + n0;
    for (int j = 0; j < TILE_N; j++) {
      if (full) {
        const floatV v = (floatV)(alpha) * acc[i][j];
        vstoreV(beta == 0.0f ? v : fma((floatV)(beta), vloadV(j, crow), v), j, crow);
      } else {
        float t[VEC];
        vstoreV(acc[i][j], 0, t);
        for (int e = 0; e < VEC; e++) {
          const int at = j * VEC + e;
          if (n0 + at < N) crow[at] = beta == 0.0f ? alpha * t[e] : fma(alpha, t[e], beta * crow[at]);
        }
      }
    }
  }
}

// col[g][r][q] (at g * Kc * NP + r * rowStride + q * colStride) = the input value that weight row r of group g
// meets at output column q = n * P + oy * OW + ox, or 0 in the padding. r = (ci * KH + ky) * KW + kx, as the weights
// [M][C/G][KH][KW] are laid out. rowStride = NP, colStride = 1 gives col; rowStride = 1, colStride = Kc gives colT.
// Work-items along dimension 0 differ only in ox, so every division below is the same for the lanes that PoCL (or a
// GPU) runs together, and only the input column varies among them.
// Launch: global (OW, N * OH, G * Kc).
__kernel void im2col(__global const float* restrict x, __global float* restrict col, int C, int H, int W, int OH,
                     int OW, int KH, int KW, int SH, int SW, int DH, int DW, int PT, int PL, int Kc, int rowStride,
                     int colStride) {
  const int ox = get_global_id(0);
  const int noy = get_global_id(1);
  const int gr = get_global_id(2);
  const int NP = get_global_size(1) * OW;
  const int n = noy / OH;
  const int oy = noy - n * OH;
  const int g = gr / Kc;
  const int r = gr - g * Kc;
  const int kx = r % KW;
  const int ky = (r / KW) % KH;
  const int ci = r / (KW * KH);
  const int ch = g * (C / (get_global_size(2) / Kc)) + ci;
  const int iy = oy * SH - PT + ky * DH;
  const int ix = ox * SW - PL + kx * DW;
  const float v = iy >= 0 && iy < H && ix >= 0 && ix < W ? x[((size_t)(n * C + ch) * H + iy) * W + ix] : 0.0f;
  col[(size_t)g * Kc * NP + (size_t)r * rowStride + (size_t)(noy * OW + ox) * colStride] = v;
}

// dx[n][ch][iy][ix] = the sum of the dcol entries (laid out [G][Kc][N * P]) that im2col filled from that element:
// every tap (ky, kx) whose output position (oy, ox) lands on the stride grid inside the output.
// Launch: global (W, H, N * C).
__kernel void col2im(__global const float* restrict dcol, __global float* restrict dx, int N, int C, int H, int W,
                     int OH, int OW, int KH, int KW, int SH, int SW, int DH, int DW, int PT, int PL, int G) {
  const int ix = get_global_id(0);
  const int iy = get_global_id(1);
  const int nc = get_global_id(2);
  const int n = nc / C;
  const int ch = nc - n * C;
  const int Cg = C / G;
  const int g = ch / Cg;
  const int ci = ch - g * Cg;
  const int P = OH * OW;
  const size_t NP = (size_t)N * P;
  const __global float* base = dcol + (size_t)g * Cg * KH * KW * NP + (size_t)n * P;
  float sum = 0.0f;
  for (int ky = 0; ky < KH; ky++) {
    const int ty = iy + PT - ky * DH;
    const int oy = ty / SH;
    if (ty < 0 || oy * SH != ty || oy >= OH) continue;
    for (int kx = 0; kx < KW; kx++) {
      const int tx = ix + PL - kx * DW;
      const int ox = SW == 1 ? tx : tx / SW;  // the common unit stride needs no per-lane division
      if (tx < 0 || ox * SW != tx || ox >= OW) continue;
      sum += base[(size_t)((ci * KH + ky) * KW + kx) * NP + oy * OW + ox];
    }
  }
  dx[((size_t)nc * H + iy) * W + ix] = sum;
}

// dst[b][a][p] = src[a][b][p] (+ bias[a] when hasBias): swaps the two outer axes, e.g. between the layer layout
// [N][M][P] and the product's [M][N][P]; with P = 1 it is a matrix transpose.
// Launch: global (P, B, A).
__kernel void swap_outer(__global const float* restrict src, __global float* restrict dst,
                         __global const float* restrict bias, int hasBias) {
  const int p = get_global_id(0);
  const int b = get_global_id(1);
  const int a = get_global_id(2);
  const int P = get_global_size(0);
  const int B = get_global_size(1);
  const int A = get_global_size(2);
  const float v = src[((size_t)a * B + b) * P + p];
  dst[((size_t)b * A + a) * P + p] = hasBias ? v + bias[a] : v;
}

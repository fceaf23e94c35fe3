// Tiled GEMM with a fused epilogue: Y[b][m][n] = act(scale * sum_k A[m][k] * B[b][k][n] + beta * bias[m]
// (+ R[b][m][n])). Every operand has explicit row/column strides, so transposed operands, the 1x1 convolution
// (A = weights [K][C], B = the image [C][H*W]) and Gemm (computed as Y^T = W * X^T) share one kernel. Each
// work-item computes TILE_M rows x TILE_N columns; its columns are LX apart so neighbouring work-items read
// neighbouring columns of B. With LOCAL_A the work-group stages TILE_M x KB of A in local memory.
//
// Launch: local (LX, 1, 1); global (ceil(N / (LX*TILE_N)) * LX, ceil(M / TILE_M), batches).
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

__kernel __attribute__((reqd_work_group_size(LX, 1, 1)))
void gemm(__global const wtype* restrict a, __global const float* restrict b, __global const float* restrict bias,
          __global const float* restrict res, __global float* restrict y, int M, int N, int K,
          int rsa, int csa, int rsb, int csb, int rsy, int csy, int batchB, int batchY, int flags, int act,
          float alpha, float beta, float scale, float biasScale) {
  const int lx = get_local_id(0);
  const int nBase = get_group_id(0) * (LX * TILE_N) + lx;
  const int m0 = get_global_id(1) * TILE_M;
  const int batch = get_global_id(2);
  const __global float* bb = b + (size_t)batch * batchB;

  float acc[TILE_M][TILE_N];
  int arow[TILE_M];
  int ncol[TILE_N];
  for (int i = 0; i < TILE_M; i++) {
    arow[i] = min(m0 + i, M - 1) * rsa;
    for (int j = 0; j < TILE_N; j++) acc[i][j] = 0.0f;
  }
  for (int j = 0; j < TILE_N; j++) ncol[j] = min(nBase + j * LX, N - 1) * csb;

#if LOCAL_A
  __local float al[TILE_M * KB];
  for (int k0 = 0; k0 < K; k0 += KB) {
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int i = lx; i < TILE_M * KB; i += LX) {
      const int r = i / KB;
      const int k = k0 + (i - r * KB);
      al[i] = k < K ? LOAD_W(a, arow[r] + k * csa) : 0.0f;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    const int kn = min(KB, K - k0);
    for (int kk = 0; kk < kn; kk++) {
      const int k = k0 + kk;
#else
  {
    for (int k = 0; k < K; k++) {
#endif
      float bv[TILE_N];
      for (int j = 0; j < TILE_N; j++) bv[j] = bb[k * rsb + ncol[j]];
      for (int i = 0; i < TILE_M; i++) {
#if LOCAL_A
        const float av = al[i * KB + kk];
#else
        const float av = LOAD_W(a, arow[i] + k * csa);
#endif
        for (int j = 0; j < TILE_N; j++) acc[i][j] = fma(av, bv[j], acc[i][j]);
      }
    }
  }

  for (int i = 0; i < TILE_M; i++) {
    const int m = m0 + i;
    if (m >= M) break;
    const float bs = (flags & HAS_BIAS) ? biasScale * bias[m] : 0.0f;
    for (int j = 0; j < TILE_N; j++) {
      const int n = nBase + j * LX;
      if (n < N) {
        const size_t at = (size_t)batch * batchY + (size_t)m * rsy + (size_t)n * csy;
        float v = scale * acc[i][j] + bs;
        if (flags & HAS_RESIDUAL) v += res[at];
        y[at] = activate(v, act, alpha, beta);
      }
    }
  }
}

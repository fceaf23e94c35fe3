// The memory-bound ops: pooling, elementwise arithmetic with broadcasting and fused activation, activations,
// concatenation and layout transforms. No tile macros: one build serves every shape.

// Max or average 2-D pooling, NCHW; one output per work-item. Global (OW, OH, N * C).
// Average: countPad counts the padded taps inside [-pad, size + padEnd) (ONNX count_include_pad).
__kernel void pool2d(__global const float* restrict x, __global float* restrict y, int H, int W, int OH, int OW,
                     int KH, int KW, int SH, int SW, int dilH, int dilW, int padH, int padW, int padHEnd,
                     int padWEnd, int isMax, int countPad) {
  const int ox = get_global_id(0);
  const int oy = get_global_id(1);
  const int nc = get_global_id(2);
  if (ox >= OW || oy >= OH) return;
  const __global float* xc = x + (size_t)nc * H * W;
  float best = -INFINITY;
  float sum = 0.0f;
  int count = 0;
  for (int kh = 0; kh < KH; kh++) {
    const int iy = oy * SH - padH + kh * dilH;
    const bool rowIn = iy >= 0 && iy < H;
    const bool rowPad = iy >= -padH && iy < H + padHEnd;
    for (int kw = 0; kw < KW; kw++) {
      const int ix = ox * SW - padW + kw * dilW;
      if (rowIn && ix >= 0 && ix < W) {
        const float v = xc[iy * W + ix];
        best = fmax(best, v);
        sum += v;
        count++;
      } else if (countPad && rowPad && ix >= -padW && ix < W + padWEnd) {
        count++;
      }
    }
  }
  y[(size_t)nc * OH * OW + (size_t)oy * OW + ox] = isMax ? best : (count > 0 ? sum / count : 0.0f);
}

// Mean over each of `planes` contiguous runs of `size` elements (GlobalAveragePool). Global (planes).
__kernel void global_avg_pool(__global const float* restrict x, __global float* restrict y, int size) {
  const int p = get_global_id(0);
  const __global float* xp = x + (size_t)p * size;
  float s = 0.0f;
  for (int i = 0; i < size; i++) s += xp[i];
  y[p] = s / size;
}

// y = act(a OP b) with numpy broadcasting over 4 dims (the host right-aligns lower ranks; a stride of 0
// repeats a dim). OP: 0 add, 1 sub, 2 mul, 3 div. Global (total elements).
__kernel void binary4(__global const float* restrict a, __global const float* restrict b, __global float* restrict y,
                      int op, int d1, int d2, int d3, int sa0, int sa1, int sa2, int sa3, int sb0, int sb1, int sb2,
                      int sb3, int total, int act, float alpha, float beta) {
  const int i = get_global_id(0);
  if (i >= total) return;
  int r = i;
  const int i3 = r % d3; r /= d3;
  const int i2 = r % d2; r /= d2;
  const int i1 = r % d1;
  const int i0 = r / d1;
  const float va = a[i0 * sa0 + i1 * sa1 + i2 * sa2 + i3 * sa3];
  const float vb = b[i0 * sb0 + i1 * sb1 + i2 * sb2 + i3 * sb3];
  float v;
  switch (op) {
    case 0: v = va + vb; break;
    case 1: v = va - vb; break;
    case 2: v = va * vb; break;
    default: v = va / vb; break;
  }
  y[i] = activate(v, act, alpha, beta);
}

// y = act(x). Global (n).
__kernel void unary(__global const float* restrict x, __global float* restrict y, int n, int act, float alpha,
                    float beta) {
  const int i = get_global_id(0);
  if (i < n) y[i] = activate(x[i], act, alpha, beta);
}

// Copies `outer` blocks of `inner` elements of src into dst at dstOffset + o * dstStride (one input of a Concat).
// Global (inner, outer).
__kernel void copy_blocks(__global const float* restrict src, __global float* restrict dst, int inner,
                          int dstStride, int dstOffset) {
  const int i = get_global_id(0);
  const int o = get_global_id(1);
  if (i < inner) dst[(size_t)o * dstStride + dstOffset + i] = src[(size_t)o * inner + i];
}

// Layout transform / Transpose of up to 4 dims: y (dims d0..d3, row-major) = x read with strides s0..s3 (the
// source strides of the permuted axes). NCHW -> NHWC is s = (C*H*W, 1, W, H*W) over dims (N, H, W, C).
// Global (total elements).
__kernel void permute4(__global const float* restrict x, __global float* restrict y, int d1, int d2, int d3,
                       int s0, int s1, int s2, int s3, int total) {
  const int i = get_global_id(0);
  if (i >= total) return;
  int r = i;
  const int i3 = r % d3; r /= d3;
  const int i2 = r % d2; r /= d2;
  const int i1 = r % d1;
  const int i0 = r / d1;
  y[i] = x[(size_t)i0 * s0 + (size_t)i1 * s1 + (size_t)i2 * s2 + (size_t)i3 * s3];
}

// Copies x [NC][H][W] into the zero-padded y [NC][PH][PW] at offset (padH, padW): the input of conv2d_vec.
// Global (PW, PH, N * C).
__kernel void pad2d(__global const float* restrict x, __global float* restrict y, int H, int W, int PH, int PW,
                    int padH, int padW) {
  const int px = get_global_id(0);
  const int py = get_global_id(1);
  const int nc = get_global_id(2);
  const int ix = px - padW;
  const int iy = py - padH;
  const bool in = ix >= 0 && ix < W && iy >= 0 && iy < H;
  y[((size_t)nc * PH + py) * PW + px] = in ? x[((size_t)nc * H + iy) * W + ix] : 0.0f;
}

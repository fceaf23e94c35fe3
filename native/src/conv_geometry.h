// The 2-D convolution geometry the C ABI passes as 16 int64 values, and the im2col that the float and the int8
// convolutions share.
#ifndef EDGEWISE_CONV_GEOMETRY_H
#define EDGEWISE_CONV_GEOMETRY_H

#include <algorithm>
#include <cstdint>

#include "thread_pool.h"

namespace edgewise {

// batch, in_channels, in_h, in_w, out_channels, out_h, out_w, kernel_h, kernel_w, stride_h, stride_w,
// dilation_h, dilation_w, pad_top, pad_left, group (the order of edgewise.h).
struct ConvGeometry {
  int64_t n, c, h, w, m, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl, group;
};

// Copies the 16 values and checks they describe a convolution (non-negative, positive kernel/stride/dilation,
// channels divisible by group).
inline bool read_conv_geometry(const int64_t* geometry, ConvGeometry* g) {
  if (geometry == nullptr) return false;
  std::copy(geometry, geometry + 16, &g->n);
  const int64_t* v = &g->n;
  for (int i = 0; i < 16; ++i)
    if (v[i] < 0) return false;
  return g->group > 0 && g->c % g->group == 0 && g->m % g->group == 0 && g->sh > 0 && g->sw > 0 && g->dh > 0 &&
         g->dw > 0 && g->kh > 0 && g->kw > 0;
}

// The output columns [lo, hi) whose input column ox * stride + offset lies inside [0, width).
inline void inside_range(int64_t offset, int64_t stride, int64_t width, int64_t out, int64_t* lo, int64_t* hi) {
  *lo = offset >= 0 ? 0 : std::min(out, (-offset + stride - 1) / stride);
  *hi = width - offset <= 0 ? 0 : std::min(out, (width - offset + stride - 1) / stride);
  if (*hi < *lo) *hi = *lo;
}

// cols[(ci * kh + ky) * kw + kx][oy * ow + ox] for one image and group. Padded positions hold `pad` (0 for float,
// the x zero point for int8, so they contribute zero once shifted); the inside of each row is copied without
// per-element bounds checks (a memcpy when the stride is 1).
template <typename T>
void im2col(const ConvGeometry& g, const T* x, int64_t cg, T pad, T* cols) {
  const int64_t rows = cg * g.kh * g.kw;
  const int64_t plane = g.oh * g.ow;
  parallel_for_work(rows * plane, rows, [&](int64_t r) {
    const int64_t kx = r % g.kw;
    const int64_t ky = (r / g.kw) % g.kh;
    const int64_t ci = r / (g.kw * g.kh);
    const T* __restrict src = x + ci * g.h * g.w;
    T* __restrict dst = cols + r * plane;
    const int64_t offset = kx * g.dw - g.pl;
    int64_t lo, hi;
    inside_range(offset, g.sw, g.w, g.ow, &lo, &hi);
    for (int64_t oy = 0; oy < g.oh; ++oy) {
      const int64_t iy = oy * g.sh - g.pt + ky * g.dh;
      T* __restrict out = dst + oy * g.ow;
      if (iy < 0 || iy >= g.h) {
        std::fill(out, out + g.ow, pad);
        continue;
      }
      const T* __restrict row = src + iy * g.w + offset;
      std::fill(out, out + lo, pad);
      if (g.sw == 1) {
        std::copy(row + lo, row + hi, out + lo);
      } else {
        for (int64_t ox = lo; ox < hi; ++ox) out[ox] = row[ox * g.sw];
      }
      std::fill(out + hi, out + g.ow, pad);
    }
  });
}

}  // namespace edgewise

#endif

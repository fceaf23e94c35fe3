// Convolution training passes for the cpu device, built as EF-Train builds them: by reshaping data so that the
// forward kernel's GEMM serves backward and weight update too.
//   weight gradient:  dW_g[Mg, Kg] += dY_g[Mg, P] * im2col(X_g)[Kg, P]^T   (the forward's im2col, transposed GEMM)
//   input gradient:   cols[Kg, P]  = W_g[Mg, Kg]^T * dY_g[Mg, P], then col2im scatters cols back onto dX
// (P = out_h * out_w, Kg = in_channels / group * kernel_h * kernel_w), per image and group.
#include <algorithm>
#include <new>
#include <vector>

#include "edgewise/edgewise.h"
#include "conv_geometry.h"
#include "isa_clones.h"
#include "thread_pool.h"

namespace edgewise {
namespace {

// The adjoint of im2col: dx[ci, iy, ix] += cols[(ci, ky, kx), (oy, ox)] for every tap that read (iy, ix).
// Parallel over input channels: the rows of one channel write only that channel's plane, so no two tasks race.
void col2im_add(const ConvGeometry& g, const float* cols, int64_t cg, float* dx) {
  const int64_t plane = g.oh * g.ow;
  parallel_for_work(cg * g.kh * g.kw * plane, cg, [&](int64_t ci) {
    float* __restrict dst = dx + ci * g.h * g.w;
    for (int64_t ky = 0; ky < g.kh; ++ky) {
      for (int64_t kx = 0; kx < g.kw; ++kx) {
        const float* __restrict src = cols + ((ci * g.kh + ky) * g.kw + kx) * plane;
        const int64_t offset = kx * g.dw - g.pl;
        int64_t lo, hi;
        inside_range(offset, g.sw, g.w, g.ow, &lo, &hi);
        for (int64_t oy = 0; oy < g.oh; ++oy) {
          const int64_t iy = oy * g.sh - g.pt + ky * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          float* __restrict row = dst + iy * g.w + offset;
          const float* __restrict in = src + oy * g.ow;
          for (int64_t ox = lo; ox < hi; ++ox) row[ox * g.sw] += in[ox];
        }
      }
    }
  });
}

int backward_weights(const ConvGeometry& g, const float* x, const float* dy, float* dw) {
  const int64_t cg = g.c / g.group, mg = g.m / g.group;
  const int64_t plane = g.oh * g.ow, k = cg * g.kh * g.kw;
  std::vector<float> cols(static_cast<size_t>(k * plane));
  for (int64_t img = 0; img < g.n; ++img) {
    for (int64_t grp = 0; grp < g.group; ++grp) {
      im2col(g, x + (img * g.c + grp * cg) * g.h * g.w, cg, 0.0f, cols.data());
      const float* dyg = dy + (img * g.m + grp * mg) * plane;
      int status = ew_sgemm(0, 1, mg, k, plane, 1.0f, dyg, plane, cols.data(), plane, img == 0 ? 0.0f : 1.0f,
                            dw + grp * mg * k, k);
      if (status != EW_OK) return status;
    }
  }
  return EW_OK;
}

int backward_data(const ConvGeometry& g, const float* dy, const float* w, float* dx) {
  const int64_t cg = g.c / g.group, mg = g.m / g.group;
  const int64_t plane = g.oh * g.ow, k = cg * g.kh * g.kw;
  std::vector<float> cols(static_cast<size_t>(k * plane));
  std::fill(dx, dx + g.n * g.c * g.h * g.w, 0.0f);
  for (int64_t img = 0; img < g.n; ++img) {
    for (int64_t grp = 0; grp < g.group; ++grp) {
      const float* dyg = dy + (img * g.m + grp * mg) * plane;
      int status = ew_sgemm(1, 0, k, plane, mg, 1.0f, w + grp * mg * k, k, dyg, plane, 0.0f, cols.data(), plane);
      if (status != EW_OK) return status;
      col2im_add(g, cols.data(), cg, dx + (img * g.c + grp * cg) * g.h * g.w);
    }
  }
  return EW_OK;
}

template <typename F>
int guarded(F&& f) noexcept {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return EW_OUT_OF_MEMORY;
  } catch (...) {
    return EW_INTERNAL;
  }
}

}  // namespace
}  // namespace edgewise

extern "C" int ew_conv2d_backward_weights(const int64_t* geometry, const float* x, const float* dy,
                                          float* dw) noexcept {
  using namespace edgewise;
  ConvGeometry g;
  if (!read_conv_geometry(geometry, &g) || x == nullptr || dy == nullptr || dw == nullptr) return EW_INVALID_ARGUMENT;
  if (g.n == 0) {
    std::fill(dw, dw + g.m * (g.c / g.group) * g.kh * g.kw, 0.0f);
    return EW_OK;
  }
  return guarded([&] { return backward_weights(g, x, dy, dw); });
}

extern "C" int ew_conv2d_backward_data(const int64_t* geometry, const float* dy, const float* w, float* dx) noexcept {
  using namespace edgewise;
  ConvGeometry g;
  if (!read_conv_geometry(geometry, &g) || dy == nullptr || w == nullptr || dx == nullptr) return EW_INVALID_ARGUMENT;
  return guarded([&] { return backward_data(g, dy, w, dx); });
}

namespace edgewise {
namespace {

// One chunk of a non-overlapping ConvTranspose (below): y rows (iy * sh + ky) for the input rows of the chunk,
// y[mo][iy * sh + ky][ix * sw + kx] = cols[(mo, ky, kx)][(iy - iy0) * w + ix] + b, every output element written once.
EW_CLONES void scatter_taps(int64_t rows, int64_t w, int64_t sw, int64_t kh, int64_t kw, const float* cols,
                            int64_t ldc, float b, int64_t ow, float* y) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t ky = 0; ky < kh; ++ky) {
      float* __restrict out = y + (r * kh + ky) * ow;
      if (sw == 2 && kw == 2) {
        // the detector's 2x2 stride-2 upsampling: two taps interleaved
        const float* __restrict a = cols + (ky * 2) * ldc + r * w;
        const float* __restrict c = cols + (ky * 2 + 1) * ldc + r * w;
        for (int64_t ix = 0; ix < w; ++ix) {
          out[2 * ix] = a[ix] + b;
          out[2 * ix + 1] = c[ix] + b;
        }
        continue;
      }
      for (int64_t kx = 0; kx < kw; ++kx) {
        const float* __restrict src = cols + (ky * kw + kx) * ldc + r * w;
        for (int64_t ix = 0; ix < w; ++ix) out[ix * sw + kx] = src[ix] + b;
      }
    }
}

// ConvTranspose whose taps do not overlap (kernel = stride, no dilation, pads or output padding, one group): each
// output pixel is one tap of one input pixel, so y is written once per element from a GEMM over a few input rows at
// a time (cols stay in cache) instead of a GEMM over the whole image, a zero fill, a col2im accumulation and a bias
// pass (four sweeps of y; the OCR detector's 2x2 stride-2 heads spent most of their time there).
bool non_overlapping(const ConvGeometry& t) {
  return t.kh == t.sh && t.kw == t.sw && t.dh == 1 && t.dw == 1 && t.pt == 0 && t.pl == 0 && t.group == 1 &&
         t.oh == t.h * t.sh && t.ow == t.w * t.sw;
}

int conv_transpose_direct(const ConvGeometry& t, const float* x, const float* w, const float* bias, float* y) {
  const int64_t taps = t.kh * t.kw;
  const int64_t rows_m = t.m * taps;  // GEMM rows (mo, ky, kx): W viewed as [c][m * kh * kw], transposed
  const int64_t chunk = std::max<int64_t>(1, std::min<int64_t>(t.h, (int64_t{1} << 17) / std::max<int64_t>(1, rows_m * t.w)));
  std::vector<float> cols(static_cast<size_t>(rows_m * chunk * t.w));
  for (int64_t img = 0; img < t.n; ++img) {
    const float* xi = x + img * t.c * t.h * t.w;
    float* yi = y + img * t.m * t.oh * t.ow;
    for (int64_t iy0 = 0; iy0 < t.h; iy0 += chunk) {
      const int64_t rows = std::min(chunk, t.h - iy0);
      const int64_t n = rows * t.w;
      int status = ew_sgemm(1, 0, rows_m, n, t.c, 1.0f, w, rows_m, xi + iy0 * t.w, t.h * t.w, 0.0f, cols.data(), n);
      if (status != EW_OK) return status;
      parallel_for_work(rows_m * n, t.m, [&](int64_t mo) {
        scatter_taps(rows, t.w, t.sw, t.kh, t.kw, cols.data() + mo * taps * n, n, bias == nullptr ? 0.0f : bias[mo],
                     t.ow, yi + (mo * t.oh + iy0 * t.sh) * t.ow);
      });
    }
  }
  return EW_OK;
}

}  // namespace
}  // namespace edgewise

// ConvTranspose is the input gradient of the convolution that maps its output back to its input: the same weights
// ([in, out / group, kh, kw] is the forward's [m, c / group, kh, kw]), the roles of x and y swapped. Output padding
// is only a larger output: col2im never writes past the rows the taps reach, and those stay zero (+ bias).
extern "C" int ew_conv_transpose2d(const int64_t* geometry, const float* x, const float* w, const float* bias,
                                   float* y) noexcept {
  using namespace edgewise;
  ConvGeometry t;
  if (!read_conv_geometry(geometry, &t) || x == nullptr || w == nullptr || y == nullptr) return EW_INVALID_ARGUMENT;
  // the forward convolution: input = t's output, output = t's input
  const ConvGeometry g{t.n, t.m, t.oh, t.ow, t.c, t.h, t.w, t.kh, t.kw, t.sh, t.sw, t.dh, t.dw, t.pt, t.pl, t.group};
  if (non_overlapping(t) && t.n > 0 && t.h > 0 && t.w > 0 && t.c > 0)
    return guarded([&] { return conv_transpose_direct(t, x, w, bias, y); });
  return guarded([&] {
    const int status = backward_data(g, x, w, y);
    if (status != EW_OK || bias == nullptr) return status;
    const int64_t plane = t.oh * t.ow;
    parallel_for_work(t.n * t.m * plane, t.n * t.m, [&](int64_t p) {
      const float b = bias[p % t.m];
      float* row = y + p * plane;
      for (int64_t i = 0; i < plane; ++i) row[i] += b;
    });
    return static_cast<int>(EW_OK);
  });
}

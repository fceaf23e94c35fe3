// Max and average pooling, global average pooling and LRN (windows over pixels or channels) for the cpu device.
#include <algorithm>
#include <cmath>
#include <limits>
#include <new>
#include <vector>

#include "edgewise/edgewise.h"
#include "isa_clones.h"
#include "thread_pool.h"

namespace {

struct PoolGeometry {
  int64_t n, c, h, w, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
  bool max, include_pad;
};

// The interior windows of one output row, separably: the kernel rows reduced into `row` (w contiguous values), then
// the kernel columns, each a loop over output pixels at a constant stride that the compiler vectorizes (a loop per
// window over runtime strides did not: SqueezeNet's first max pool, 64 x 111 x 111 in NCHW, took 1.1 ms).
template <int SW>
inline void interior_columns(const float* __restrict row, int64_t ox_lo, int64_t ox_hi, int64_t kw, int64_t dw,
                             int64_t pl, bool max, float scale, float* __restrict out) {
  const float* first = row - pl;
  for (int64_t ox = ox_lo; ox < ox_hi; ++ox) out[ox] = first[ox * SW];
  for (int64_t kx = 1; kx < kw; ++kx) {
    const float* tap = first + kx * dw;
    if (max) {
      for (int64_t ox = ox_lo; ox < ox_hi; ++ox) out[ox] = std::max(out[ox], tap[ox * SW]);
    } else {
      for (int64_t ox = ox_lo; ox < ox_hi; ++ox) out[ox] += tap[ox * SW];
    }
  }
  if (!max)
    for (int64_t ox = ox_lo; ox < ox_hi; ++ox) out[ox] *= scale;
}

// One (image, channel) plane, compiled per ISA (the loader picks one at run time).
EW_CLONES void pool_plane(const PoolGeometry& p, const float* __restrict src, float* __restrict dst) {
  const int64_t h = p.h, w = p.w, oh = p.oh, ow = p.ow, kh = p.kh, kw = p.kw, sh = p.sh, sw = p.sw, dh = p.dh,
                dw = p.dw, pt = p.pt, pl = p.pl, pb = p.pb, pr = p.pr;
  const bool max = p.max, include_pad = p.include_pad;
  // windows that lie wholly inside the image need no bounds checks: ox in [ox_lo, ox_hi)
  const int64_t ox_lo = std::min(ow, (pl + sw - 1) / sw);
  const int64_t ox_hi = std::max(ox_lo, std::min(ow, (w + pl - (kw - 1) * dw - 1) / sw + 1));
  const bool separable = (sw == 1 || sw == 2) && ox_hi > ox_lo;
  thread_local std::vector<float> row_buffer;
  if (separable && static_cast<int64_t>(row_buffer.size()) < w) row_buffer.resize(w);
  float* const row = row_buffer.data();
  for (int64_t oy = 0; oy < oh; ++oy) {
    const int64_t iy0 = oy * sh - pt;
    const bool rows_inside = iy0 >= 0 && iy0 + (kh - 1) * dh < h;
    if (rows_inside && separable) {
      const float* top = src + iy0 * w;
      for (int64_t ix = 0; ix < w; ++ix) row[ix] = top[ix];
      for (int64_t ky = 1; ky < kh; ++ky) {
        const float* r = top + ky * dh * w;
        if (max) {
          for (int64_t ix = 0; ix < w; ++ix) row[ix] = std::max(row[ix], r[ix]);
        } else {
          for (int64_t ix = 0; ix < w; ++ix) row[ix] += r[ix];
        }
      }
      const float scale = 1.0f / static_cast<float>(kh * kw);
      if (sw == 1) {
        interior_columns<1>(row, ox_lo, ox_hi, kw, dw, pl, max, scale, dst + oy * ow);
      } else {
        interior_columns<2>(row, ox_lo, ox_hi, kw, dw, pl, max, scale, dst + oy * ow);
      }
    }
    for (int64_t ox = 0; ox < ow; ++ox) {
      if (rows_inside && ox >= ox_lo && ox < ox_hi) {
        if (separable) {
          ox = ox_hi - 1;  // done above
          continue;
        }
        const float* base = src + iy0 * w + (ox * sw - pl);
        float acc = max ? base[0] : 0.0f;
        for (int64_t ky = 0; ky < kh; ++ky) {
          const float* row = base + ky * dh * w;
          for (int64_t kx = 0; kx < kw; ++kx) {
            const float v = row[kx * dw];
            acc = max ? std::max(acc, v) : acc + v;
          }
        }
        dst[oy * ow + ox] = max ? acc : acc / static_cast<float>(kh * kw);
        continue;
      }
      float acc = max ? -std::numeric_limits<float>::infinity() : 0.0f;
      int64_t valid = 0;
      int64_t padded = 0;
      for (int64_t ky = 0; ky < kh; ++ky) {
        const int64_t iy = oy * sh - pt + ky * dh;
        const bool row_in_pad = iy >= -pt && iy < h + pb;
        for (int64_t kx = 0; kx < kw; ++kx) {
          const int64_t ix = ox * sw - pl + kx * dw;
          if (row_in_pad && ix >= -pl && ix < w + pr) ++padded;
          if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
          const float v = src[iy * w + ix];
          acc = max ? std::max(acc, v) : acc + v;
          ++valid;
        }
      }
      if (!max) {
        const int64_t divisor = include_pad ? padded : valid;
        acc = divisor == 0 ? 0.0f : acc / static_cast<float>(divisor);
      }
      dst[oy * ow + ox] = acc;
    }
  }
}

}  // namespace

extern "C" int ew_pool2d(const int64_t* geometry, const float* x, float* y) noexcept {
  if (geometry == nullptr || x == nullptr || y == nullptr) return EW_INVALID_ARGUMENT;
  const int64_t n = geometry[0], c = geometry[1], h = geometry[2], w = geometry[3], oh = geometry[4],
                ow = geometry[5], kh = geometry[6], kw = geometry[7], sh = geometry[8], sw = geometry[9],
                dh = geometry[10], dw = geometry[11], pt = geometry[12], pl = geometry[13], pb = geometry[14],
                pr = geometry[15];
  const bool max = geometry[16] != 0;
  const bool include_pad = geometry[17] != 0;
  for (int i = 0; i < 16; ++i)
    if (geometry[i] < 0) return EW_INVALID_ARGUMENT;
  if (kh == 0 || kw == 0 || sh == 0 || sw == 0 || dh == 0 || dw == 0) return EW_INVALID_ARGUMENT;
  try {
    const PoolGeometry pg{n, c, h, w, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, max, include_pad};
    edgewise::parallel_for_work(n * c * oh * ow * kh * kw, n * c,
                                [&](int64_t plane) { pool_plane(pg, x + plane * h * w, y + plane * oh * ow); });
    return EW_OK;
  } catch (const std::bad_alloc&) {
    return EW_OUT_OF_MEMORY;
  } catch (...) {
    return EW_INTERNAL;
  }
}

namespace {
// One run of pixels [p0, p1) of one image for ew_lrn: a sliding window of squares over channels.
EW_CLONES void lrn_pixels(int64_t c, int64_t hw, int64_t p0, int64_t p1, int64_t size, float alpha, float beta,
                          float bias, const float* x, float* y) {
  constexpr int64_t kRun = 256;
  float window[kRun];
  const int64_t before = (size - 1) / 2, after = size - 1 - before;
  for (int64_t q0 = p0; q0 < p1; q0 += kRun) {
    const int64_t n = std::min(kRun, p1 - q0);
    for (int64_t i = 0; i < n; ++i) window[i] = 0.0f;
    for (int64_t ch = 0; ch < std::min(c, after); ++ch)
      for (int64_t i = 0; i < n; ++i) window[i] += x[ch * hw + q0 + i] * x[ch * hw + q0 + i];
    const float scale = alpha / static_cast<float>(size);
    for (int64_t ch = 0; ch < c; ++ch) {
      if (ch + after < c) {
        const float* in = x + (ch + after) * hw + q0;
        for (int64_t i = 0; i < n; ++i) window[i] += in[i] * in[i];
      }
      if (ch - before - 1 >= 0) {
        const float* out = x + (ch - before - 1) * hw + q0;
        for (int64_t i = 0; i < n; ++i) window[i] -= out[i] * out[i];
      }
      const float* xi = x + ch * hw + q0;
      float* yi = y + ch * hw + q0;
      if (beta == 0.75f) {  // the usual beta: t^-0.75 = 1 / (sqrt(t) * sqrt(sqrt(t))), which vectorizes
        for (int64_t i = 0; i < n; ++i) {
          const float t = bias + scale * window[i];
          const float r = std::sqrt(t);
          yi[i] = xi[i] / (r * std::sqrt(r));
        }
      } else {
        for (int64_t i = 0; i < n; ++i) yi[i] = xi[i] / std::pow(bias + scale * window[i], beta);
      }
    }
  }
}
}  // namespace

extern "C" int ew_lrn(int64_t n, int64_t c, int64_t hw, int64_t size, float alpha, float beta, float bias,
                      const float* x, float* y) noexcept {
  if (n < 0 || c < 0 || hw < 0 || size < 1 || x == nullptr || y == nullptr) return EW_INVALID_ARGUMENT;
  try {
    constexpr int64_t kChunk = 1024;  // pixels per task
    const int64_t chunks = (hw + kChunk - 1) / kChunk;
    edgewise::parallel_for_work(n * c * hw * 4, n * chunks, [&](int64_t job) {
      const int64_t img = job / chunks, p0 = (job % chunks) * kChunk;
      lrn_pixels(c, hw, p0, std::min(hw, p0 + kChunk), size, alpha, beta, bias, x + img * c * hw,
                 y + img * c * hw);
    });
    return EW_OK;
  } catch (const std::bad_alloc&) {
    return EW_OUT_OF_MEMORY;
  } catch (...) {
    return EW_INTERNAL;
  }
}

namespace {
// The sum of a plane in double, in 16 interleaved partial sums that the compiler keeps in vector registers (one
// chain of dependent double adds ran at a few cycles per element: the int8 detector's squeeze-excitation pools on
// 160x160 planes took 5% of its time). Reordering double sums of floats moves the result by far less than a float's
// rounding step.
EW_CLONES double plane_sum(int64_t size, const float* __restrict src) {
  constexpr int kLanes = 16;
  double part[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= size; i += kLanes)
    for (int l = 0; l < kLanes; ++l) part[l] += src[i + l];
  double acc = 0;
  for (; i < size; ++i) acc += src[i];
  for (int l = 0; l < kLanes; ++l) acc += part[l];
  return acc;
}
}  // namespace

extern "C" int ew_global_average_pool(int64_t planes, int64_t size, const float* x, float* y) noexcept {
  if (planes < 0 || size <= 0 || x == nullptr || y == nullptr) return EW_INVALID_ARGUMENT;
  try {
    edgewise::parallel_for_work(planes * size, planes, [&](int64_t p) {
      y[p] = static_cast<float>(plane_sum(size, x + p * size) / static_cast<double>(size));
    });
    return EW_OK;
  } catch (...) {
    return EW_INTERNAL;
  }
}

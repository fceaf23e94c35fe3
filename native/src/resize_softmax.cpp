// Nearest-neighbour Resize over 2-D planes (the caller maps output rows and columns to their sources, so every
// coordinate transformation and rounding mode of ONNX is the caller's), and Softmax over contiguous rows.
#include <algorithm>
#include <cmath>
#include <new>

#include "activation.h"
#include "edgewise/edgewise.h"
#include "isa_clones.h"
#include "thread_pool.h"

namespace {

EW_CLONES void resize_rows(int64_t in_w, int64_t out_h, int64_t out_w, const int64_t* rows, const int64_t* cols,
                           const float* x, float* y) {
  for (int64_t oy = 0; oy < out_h; ++oy) {
    const float* src = x + rows[oy] * in_w;
    float* dst = y + oy * out_w;
    if (oy > 0 && rows[oy] == rows[oy - 1]) {
      std::copy(dst - out_w, dst, dst);  // an upsampled row repeats the one before it
      continue;
    }
    for (int64_t ox = 0; ox < out_w; ++ox) dst[ox] = src[cols[ox]];
  }
}

// e^(v - max) / sum over one row; exp as edgewise::exp_neg_approx (relative error ~1e-7, vectorizable)
EW_CLONES void softmax_row(int64_t n, const float* x, float* y) {
  float max = -INFINITY;
  bool nan = false;
  for (int64_t i = 0; i < n; ++i) {
    max = std::max(max, x[i]);
    nan |= x[i] != x[i];
  }
  if (nan || std::isinf(max)) {
    // the reference's arithmetic for a NaN or an infinite maximum: e^(x - max) in full precision
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += std::exp(static_cast<double>(x[i]) - max);
    for (int64_t i = 0; i < n; ++i) y[i] = static_cast<float>(std::exp(static_cast<double>(x[i]) - max) / sum);
    return;
  }
  double sum = 0;  // in double: a float sum over the recogniser's 6625 classes drifted by 7e-6
  for (int64_t i = 0; i < n; ++i) {
    const float e = edgewise::exp_neg_approx(max - x[i]);
    y[i] = e;
    sum += e;
  }
  const float inv = static_cast<float>(1.0 / sum);
  for (int64_t i = 0; i < n; ++i) y[i] *= inv;
}

template <typename F>
int guarded(F&& f) noexcept {
  try {
    f();
    return EW_OK;
  } catch (const std::bad_alloc&) {
    return EW_OUT_OF_MEMORY;
  } catch (...) {
    return EW_INTERNAL;
  }
}

}  // namespace

extern "C" int ew_resize_nearest2d(int64_t planes, int64_t in_h, int64_t in_w, int64_t out_h, int64_t out_w,
                                   const int64_t* rows, const int64_t* cols, const float* x, float* y) noexcept {
  if (planes < 0 || in_h < 0 || in_w < 0 || out_h < 0 || out_w < 0 || rows == nullptr || cols == nullptr ||
      x == nullptr || y == nullptr)
    return EW_INVALID_ARGUMENT;
  for (int64_t i = 0; i < out_h; ++i)
    if (rows[i] < 0 || rows[i] >= in_h) return EW_INVALID_ARGUMENT;
  for (int64_t i = 0; i < out_w; ++i)
    if (cols[i] < 0 || cols[i] >= in_w) return EW_INVALID_ARGUMENT;
  return guarded([&] {
    edgewise::parallel_for_work(planes * out_h * out_w, planes, [&](int64_t p) {
      resize_rows(in_w, out_h, out_w, rows, cols, x + p * in_h * in_w, y + p * out_h * out_w);
    });
  });
}

extern "C" int ew_softmax(int64_t rows, int64_t cols, const float* x, float* y) noexcept {
  if (rows < 0 || cols < 0 || x == nullptr || y == nullptr) return EW_INVALID_ARGUMENT;
  return guarded([&] {
    edgewise::parallel_for_work(rows * cols * 8, rows, [&](int64_t r) { softmax_row(cols, x + r * cols, y + r * cols); });
  });
}

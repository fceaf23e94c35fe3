// Nearest-neighbour and linear Resize over 2-D planes (the caller maps output rows and columns to their sources and
// weights, so every coordinate transformation and rounding mode of ONNX is the caller's), and Softmax over rows.
#include <algorithm>
#include <cmath>
#include <new>
#include <vector>

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

constexpr int kLanes = 16;

// e^(v - max) / sum over one row; exp as edgewise::exp_neg_approx (relative error ~1e-7, vectorizable). Each pass
// keeps kLanes independent partial results: a single running max or sum is a dependency chain the compiler does
// not reorder into vectors without -ffast-math (the recogniser's 6625-class rows ran one element at a time).
EW_CLONES void softmax_row(int64_t n, const float* x, float* y) {
  float lane_max[kLanes];
  float lane_bad[kLanes] = {};  // x - x: 0 for a finite x, NaN for NaN and for +-inf
  std::fill(lane_max, lane_max + kLanes, -INFINITY);
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) {
      const float v = x[i + l];
      lane_max[l] = v > lane_max[l] ? v : lane_max[l];
      lane_bad[l] += v - v;
    }
  float max = -INFINITY, bad = 0;
  for (; i < n; ++i) {
    max = std::max(max, x[i]);
    bad += x[i] - x[i];
  }
  for (int l = 0; l < kLanes; ++l) {
    max = std::max(max, lane_max[l]);
    bad += lane_bad[l];
  }
  if (bad != bad) {
    // a NaN or an infinity in the row: the reference's arithmetic, e^(x - max) in full precision (a NaN row is NaN)
    bool nan = false;
    max = -INFINITY;
    for (int64_t j = 0; j < n; ++j) {
      nan |= x[j] != x[j];
      max = std::max(max, x[j]);
    }
    if (nan) {
      std::fill(y, y + n, NAN);
      return;
    }
    double sum = 0;
    for (int64_t j = 0; j < n; ++j) sum += std::exp(static_cast<double>(x[j]) - max);
    for (int64_t j = 0; j < n; ++j) y[j] = static_cast<float>(std::exp(static_cast<double>(x[j]) - max) / sum);
    return;
  }
  for (int64_t j = 0; j < n; ++j) y[j] = edgewise::exp_neg_approx(max - x[j]);
  // the sum in double lanes: a float sum over the recogniser's 6625 classes drifted by 7e-6
  double lane_sum[kLanes] = {};
  i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) lane_sum[l] += y[i + l];
  double sum = 0;
  for (; i < n; ++i) sum += y[i];
  for (int l = 0; l < kLanes; ++l) sum += lane_sum[l];
  const float inv = static_cast<float>(1.0 / sum);
  for (int64_t j = 0; j < n; ++j) y[j] *= inv;
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

namespace {

// Horizontal pass of one source row: out[ox] = w0 x[c0] + w1 x[c1]. A tap of weight 0 is left out, not multiplied:
// the reference drops it, and 0 * inf would be NaN.
EW_CLONES void blend_row(int64_t out_w, const int64_t* cols, const float* col_w, const float* src, float* out) {
  for (int64_t ox = 0; ox < out_w; ++ox) {
    const float w1 = col_w[2 * ox + 1];
    const float first = col_w[2 * ox] * src[cols[2 * ox]];
    out[ox] = w1 != 0.0f ? first + w1 * src[cols[2 * ox + 1]] : first;
  }
}

EW_CLONES void blend_rows(int64_t n, float w0, const float* a, float w1, const float* b, float* y) {
  if (w1 == 0.0f) {
    for (int64_t i = 0; i < n; ++i) y[i] = w0 * a[i];
    return;
  }
  for (int64_t i = 0; i < n; ++i) y[i] = w0 * a[i] + w1 * b[i];
}

// One plane: each output row blends two horizontally blended source rows; the last two blended rows are kept, so
// an upsampled source row is blended once, not once per output row that reads it.
void resize_linear_plane(int64_t in_w, int64_t out_h, int64_t out_w, const int64_t* rows, const float* row_w,
                         const int64_t* cols, const float* col_w, const float* x, float* y, float* cache) {
  float* slot[2] = {cache, cache + out_w};
  int64_t held[2] = {-1, -1};
  auto blended = [&](int64_t r) -> const float* {
    for (int s = 0; s < 2; ++s)
      if (held[s] == r) return slot[s];
    // replace the slot whose row is further behind (rows only move forward in every coordinate mapping)
    const int s = held[0] < held[1] ? 0 : 1;
    blend_row(out_w, cols, col_w, x + r * in_w, slot[s]);
    held[s] = r;
    return slot[s];
  };
  for (int64_t oy = 0; oy < out_h; ++oy) {
    const int64_t r0 = rows[2 * oy], r1 = rows[2 * oy + 1];
    const float* a = blended(r0);
    if (r1 == r0 || row_w[2 * oy + 1] == 0.0f) {
      // one source row (both taps clamped to the same edge row: their weights add up)
      blend_rows(out_w, r1 == r0 ? row_w[2 * oy] + row_w[2 * oy + 1] : row_w[2 * oy], a, 0.0f, a, y + oy * out_w);
      continue;
    }
    const float* b = blended(r1);
    a = blended(r0);  // still held: b took the other slot
    blend_rows(out_w, row_w[2 * oy], a, row_w[2 * oy + 1], b, y + oy * out_w);
  }
}

}  // namespace

extern "C" int ew_resize_linear2d(int64_t planes, int64_t in_h, int64_t in_w, int64_t out_h, int64_t out_w,
                                  const int64_t* rows, const float* row_w, const int64_t* cols, const float* col_w,
                                  const float* x, float* y) noexcept {
  if (planes < 0 || in_h < 0 || in_w < 0 || out_h < 0 || out_w < 0 || rows == nullptr || row_w == nullptr ||
      cols == nullptr || col_w == nullptr || x == nullptr || y == nullptr)
    return EW_INVALID_ARGUMENT;
  for (int64_t i = 0; i < 2 * out_h; ++i)
    if (rows[i] < 0 || rows[i] >= in_h) return EW_INVALID_ARGUMENT;
  for (int64_t i = 0; i < 2 * out_w; ++i)
    if (cols[i] < 0 || cols[i] >= in_w) return EW_INVALID_ARGUMENT;
  return guarded([&] {
    edgewise::parallel_for_work(planes * out_h * out_w * 6, planes, [&](int64_t p) {
      std::vector<float> cache(2 * out_w);
      resize_linear_plane(in_w, out_h, out_w, rows, row_w, cols, col_w, x + p * in_h * in_w,
                          y + p * out_h * out_w, cache.data());
    });
  });
}

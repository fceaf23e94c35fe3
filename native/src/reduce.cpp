// Reductions (ReduceSum/Mean/Max/Min) over one contiguous run of axes: x viewed as [outer][n][inner], y as
// [outer][inner]. Exporters' normalisation patterns (LayerNorm written out as ReduceMean/Sub/Pow/Sqrt/Div, the
// recogniser's x.mean(-1)) reduce the last axis or the last few, which is inner == 1 here.
#include <algorithm>
#include <cmath>
#include <new>
#include <vector>

#include "edgewise/edgewise.h"
#include "isa_clones.h"
#include "thread_pool.h"

namespace {

constexpr int kLanes = 8;

// The sum of one contiguous row in double, as the reference accumulates, over kLanes independent partial sums: a
// single running sum is a dependency chain the compiler may not reorder into vectors (no -ffast-math here).
EW_CLONES double row_sum(int64_t n, const float* x) {
  double acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] += x[i + l];
  for (; i < n; ++i) acc[0] += x[i];
  double s = 0;
  for (int l = 0; l < kLanes; ++l) s += acc[l];
  return s;
}

// max (or min) of one row; a NaN anywhere makes the result NaN, as Math.max in the reference does
EW_CLONES float row_extreme(int64_t n, const float* x, bool max) {
  float acc[kLanes];
  bool nan[kLanes] = {};
  std::fill(acc, acc + kLanes, max ? -INFINITY : INFINITY);
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) {
      const float v = x[i + l];
      acc[l] = max ? (v > acc[l] ? v : acc[l]) : (v < acc[l] ? v : acc[l]);
      nan[l] |= v != v;
    }
  float r = max ? -INFINITY : INFINITY;
  bool any_nan = false;
  for (; i < n; ++i) {
    r = max ? std::max(r, x[i]) : std::min(r, x[i]);
    any_nan |= x[i] != x[i];
  }
  for (int l = 0; l < kLanes; ++l) {
    r = max ? std::max(r, acc[l]) : std::min(r, acc[l]);
    any_nan |= nan[l];
  }
  return any_nan ? NAN : r;
}

// One outer slice with inner > 1: y[i] = reduce over k of x[k][i], columns accumulated side by side.
EW_CLONES void columns(int kind, int64_t n, int64_t inner, const float* x, float* y, double* acc) {
  if (kind == EW_REDUCE_SUM || kind == EW_REDUCE_MEAN) {
    std::fill(acc, acc + inner, 0.0);
    for (int64_t k = 0; k < n; ++k) {
      const float* row = x + k * inner;
      for (int64_t i = 0; i < inner; ++i) acc[i] += row[i];
    }
    // the mean of nothing is 0 / 0 = NaN, as in the reference
    const double scale = kind == EW_REDUCE_MEAN ? (n == 0 ? NAN : 1.0 / static_cast<double>(n)) : 1.0;
    for (int64_t i = 0; i < inner; ++i) y[i] = static_cast<float>(acc[i] * scale);
    return;
  }
  const bool max = kind == EW_REDUCE_MAX;
  std::fill(y, y + inner, max ? -INFINITY : INFINITY);
  for (int64_t k = 0; k < n; ++k) {
    const float* row = x + k * inner;
    for (int64_t i = 0; i < inner; ++i) {
      const float v = row[i];
      // a NaN in y stays (both comparisons are false); a NaN in v replaces y (v != v)
      y[i] = (max ? v > y[i] : v < y[i]) || v != v ? v : y[i];
    }
  }
}

float finish_row(int kind, int64_t n, const float* x) {
  switch (kind) {
    case EW_REDUCE_SUM: return static_cast<float>(row_sum(n, x));
    case EW_REDUCE_MEAN: return n == 0 ? NAN : static_cast<float>(row_sum(n, x) / static_cast<double>(n));
    default: return row_extreme(n, x, kind == EW_REDUCE_MAX);
  }
}

}  // namespace

extern "C" int ew_reduce(int kind, int64_t outer, int64_t n, int64_t inner, const float* x, float* y) noexcept {
  if (kind < EW_REDUCE_SUM || kind > EW_REDUCE_MIN || outer < 0 || n < 0 || inner < 0 ||
      (y == nullptr && outer * inner > 0) || (x == nullptr && outer * n * inner > 0))
    return EW_INVALID_ARGUMENT;
  try {
    if (inner == 1) {
      constexpr int64_t kRowsPerTask = 16;
      edgewise::parallel_for_work(outer * n, (outer + kRowsPerTask - 1) / kRowsPerTask, [&](int64_t t) {
        const int64_t r1 = std::min(outer, (t + 1) * kRowsPerTask);
        for (int64_t r = t * kRowsPerTask; r < r1; ++r) y[r] = finish_row(kind, n, x + r * n);
      });
    } else {
      edgewise::parallel_for_work(outer * n * inner, outer, [&](int64_t o) {
        std::vector<double> acc(kind <= EW_REDUCE_MEAN ? inner : 0);
        columns(kind, n, inner, x + o * n * inner, y + o * inner, acc.data());
      });
    }
    return EW_OK;
  } catch (const std::bad_alloc&) {
    return EW_OUT_OF_MEMORY;
  } catch (...) {
    return EW_INTERNAL;
  }
}

// ew_pool2d and ew_global_average_pool against naive loops: padding, ceil-mode extents, dilation, both counts,
// strides 1 and 2 (the separable interior) and 3.
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <vector>

#include "edgewise/edgewise.h"

namespace {
int failures = 0;

void check(int64_t h, int64_t w, int64_t k, int64_t s, int64_t d, int64_t pad, int64_t extra, bool max,
           bool include_pad) {
  const int64_t n = 2, c = 3;
  const int64_t oh = (h + 2 * pad + extra - (k - 1) * d - 1) / s + 1;
  const int64_t ow = (w + 2 * pad + extra - (k - 1) * d - 1) / s + 1;
  std::mt19937 rng(static_cast<unsigned>(h * 31 + k * 7 + s * 3 + d + pad + max));
  std::uniform_real_distribution<float> dist(-1, 1);
  std::vector<float> x(n * c * h * w), y(n * c * oh * ow);
  for (auto& v : x) v = dist(rng);
  const int64_t geo[18] = {n, c, h, w, oh, ow, k, k, s, s, d, d, pad, pad, pad + extra, pad + extra, max, include_pad};
  if (ew_pool2d(geo, x.data(), y.data()) != EW_OK) {
    std::printf("FAIL status\n");
    ++failures;
    return;
  }
  for (int64_t p = 0; p < n * c; ++p)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox) {
        double acc = max ? -std::numeric_limits<double>::infinity() : 0;
        int64_t valid = 0, padded = 0;
        for (int64_t ky = 0; ky < k; ++ky)
          for (int64_t kx = 0; kx < k; ++kx) {
            const int64_t iy = oy * s - pad + ky * d, ix = ox * s - pad + kx * d;
            if (iy >= -pad && iy < h + pad + extra && ix >= -pad && ix < w + pad + extra) ++padded;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            const double v = x[(p * h + iy) * w + ix];
            acc = max ? std::fmax(acc, v) : acc + v;
            ++valid;
          }
        if (!max) acc /= static_cast<double>(include_pad ? padded : valid);
        const float got = y[(p * oh + oy) * ow + ox];
        if (std::fabs(got - acc) > 1e-5) {
          std::printf("FAIL h=%lld k=%lld s=%lld d=%lld pad=%lld max=%d at %lld,%lld: %f vs %f\n", (long long)h,
                      (long long)k, (long long)s, (long long)d, (long long)pad, max, (long long)oy, (long long)ox,
                      got, acc);
          ++failures;
          return;
        }
      }
}
}  // namespace

int main() {
  for (int threads : {1, 2}) {
    ew_set_num_threads(threads);
    for (bool max : {true, false}) {
      check(1, 1, 1, 1, 1, 0, 0, max, false);
      check(7, 9, 3, 2, 1, 1, 0, max, false);
      check(7, 9, 3, 2, 1, 1, 0, max, true);
      check(12, 12, 3, 2, 1, 0, 1, max, true);  // ceil mode's extra cell at the end
      check(11, 8, 2, 1, 2, 1, 0, max, false);  // dilation
      check(55, 55, 3, 2, 1, 0, 0, max, false);
      // the separable interior (kernel rows, then columns at stride 1 or 2) next to bordered windows
      check(20, 37, 3, 1, 1, 1, 0, max, true);
      check(17, 40, 5, 2, 2, 2, 1, max, false);
      check(9, 30, 4, 3, 1, 1, 0, max, true);   // stride 3: the per-window path
      check(6, 5, 5, 2, 1, 0, 0, max, false);   // one interior column
    }
  }
  std::vector<float> x(6 * 5, 1.0f), y(6);
  for (int i = 0; i < 30; ++i) x[i] = static_cast<float>(i);
  ew_global_average_pool(6, 5, x.data(), y.data());
  for (int p = 0; p < 6; ++p)
    if (std::fabs(y[p] - (p * 5 + 2)) > 1e-6) {
      std::printf("FAIL global average %d\n", p);
      ++failures;
    }
  // planes longer than the 16 partial sums, with a tail: against one naive double sum
  {
    const int64_t planes = 3, size = 1601;
    std::vector<float> xs(planes * size), ys(planes);
    for (size_t i = 0; i < xs.size(); ++i) xs[i] = std::sin(0.11f * static_cast<float>(i)) * 7.0f + 0.5f;
    ew_global_average_pool(planes, size, xs.data(), ys.data());
    for (int64_t p = 0; p < planes; ++p) {
      double acc = 0;
      for (int64_t i = 0; i < size; ++i) acc += xs[p * size + i];
      const float expected = static_cast<float>(acc / static_cast<double>(size));
      if (std::fabs(ys[p] - expected) > 1e-6f * std::max(1.0f, std::fabs(expected))) {
        std::printf("FAIL global average (long plane) %ld: %g vs %g\n", (long)p, ys[p], expected);
        ++failures;
      }
    }
  }
  // LRN against the definition, summed naively per channel window: odd and even sizes, a window wider than the
  // channels, beta 0.75 (the square-root path) and another beta, runs of pixels longer than one task
  const int64_t lrn_cases[][4] = {{2, 7, 1300, 5}, {1, 3, 10, 2}, {1, 4, 3, 9}, {1, 1, 1, 1}};
  for (const auto& lc : lrn_cases) {
    for (float beta : {0.75f, 0.6f}) {
      const int64_t n = lc[0], c = lc[1], hw = lc[2], size = lc[3];
      std::vector<float> xs(n * c * hw), ys(xs.size());
      for (size_t i = 0; i < xs.size(); ++i) xs[i] = std::sin(0.37f * static_cast<float>(i)) * 3.0f;
      const float alpha = 0.3f, bias = 1.5f;
      if (ew_lrn(n, c, hw, size, alpha, beta, bias, xs.data(), ys.data()) != EW_OK) {
        std::printf("FAIL lrn status\n");
        ++failures;
        continue;
      }
      for (int64_t img = 0; img < n; ++img)
        for (int64_t ch = 0; ch < c; ++ch)
          for (int64_t p = 0; p < hw; ++p) {
            double sum = 0;
            for (int64_t j = ch - (size - 1) / 2; j <= ch + size / 2; ++j)
              if (j >= 0 && j < c) sum += double(xs[(img * c + j) * hw + p]) * xs[(img * c + j) * hw + p];
            const size_t at = (img * c + ch) * hw + p;
            const double expected = xs[at] / std::pow(bias + alpha / size * sum, double(beta));
            if (std::fabs(expected - ys[at]) > 1e-5 * (1 + std::fabs(expected))) {
              std::printf("FAIL lrn c=%lld size=%lld beta=%g at %zu: %f vs %f\n", (long long)c, (long long)size,
                          beta, at, expected, ys[at]);
              ++failures;
              img = n, ch = c, p = hw;
            }
          }
    }
  }
  std::printf("%s\n", failures == 0 ? "pool2d: all passed" : "pool2d: FAILED");
  return failures == 0 ? 0 : 1;
}

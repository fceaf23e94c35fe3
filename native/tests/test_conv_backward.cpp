// ew_conv2d_backward_weights / ew_conv2d_backward_data against naive loops in double (the adjoints of a direct
// convolution), over odd shapes: strides, dilations, asymmetric padding, groups, depthwise, 1x1 images.
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "edgewise/edgewise.h"

namespace {
int failures = 0;

void check(int64_t n, int64_t c, int64_t h, int64_t w, int64_t m, int64_t kh, int64_t kw, int64_t s, int64_t d,
           int64_t pt, int64_t pl, int64_t pb, int64_t pr, int64_t group) {
  const int64_t oh = (h + pt + pb - (kh - 1) * d - 1) / s + 1;
  const int64_t ow = (w + pl + pr - (kw - 1) * d - 1) / s + 1;
  if (oh <= 0 || ow <= 0) return;
  std::mt19937 rng(static_cast<unsigned>(n * 5 + c * 3 + h * 7 + m * 11 + kh * 13 + s * 17 + group * 19));
  std::uniform_real_distribution<float> dist(-1, 1);
  const int64_t cg = c / group, mg = m / group;
  std::vector<float> x(n * c * h * w), wt(m * cg * kh * kw), dy(n * m * oh * ow);
  for (auto& v : x) v = dist(rng);
  for (auto& v : wt) v = dist(rng);
  for (auto& v : dy) v = dist(rng);
  std::vector<double> dw_ref(wt.size(), 0.0), dx_ref(x.size(), 0.0);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t o = 0; o < m; ++o) {
      const int64_t grp = o / mg;
      for (int64_t oy = 0; oy < oh; ++oy)
        for (int64_t ox = 0; ox < ow; ++ox) {
          const double g = dy[((b * m + o) * oh + oy) * ow + ox];
          for (int64_t ci = 0; ci < cg; ++ci)
            for (int64_t ky = 0; ky < kh; ++ky)
              for (int64_t kx = 0; kx < kw; ++kx) {
                const int64_t iy = oy * s - pt + ky * d, ix = ox * s - pl + kx * d;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                const int64_t xi = ((b * c + grp * cg + ci) * h + iy) * w + ix;
                const int64_t wi = ((o * cg + ci) * kh + ky) * kw + kx;
                dw_ref[wi] += g * x[xi];
                dx_ref[xi] += g * wt[wi];
              }
        }
    }
  const int64_t geo[16] = {n, c, h, w, m, oh, ow, kh, kw, s, s, d, d, pt, pl, group};
  std::vector<float> dw(wt.size(), 7.0f), dx(x.size(), 7.0f);  // garbage: both must overwrite
  int st1 = ew_conv2d_backward_weights(geo, x.data(), dy.data(), dw.data());
  int st2 = ew_conv2d_backward_data(geo, dy.data(), wt.data(), dx.data());
  double err_w = 0, err_x = 0;
  // (a conditional, not std::fmax: GCC 12 for aarch64 fails with an internal error vectorizing the fmax reduction)
  for (size_t i = 0; i < dw.size(); ++i)
    if (std::fabs(dw[i] - dw_ref[i]) > err_w) err_w = std::fabs(dw[i] - dw_ref[i]);
  for (size_t i = 0; i < dx.size(); ++i)
    if (std::fabs(dx[i] - dx_ref[i]) > err_x) err_x = std::fabs(dx[i] - dx_ref[i]);
  // float32 sums of up to n*oh*ow (weights) or m*kh*kw (data) products of values in [-1, 1]
  const double tol_w = 1e-5 * (n * oh * ow + 10), tol_x = 1e-5 * (mg * kh * kw + 10);
  if (st1 != EW_OK || st2 != EW_OK || err_w > tol_w || err_x > tol_x) {
    std::printf("FAIL n=%ld c=%ld h=%ld w=%ld m=%ld k=%ldx%ld s=%ld d=%ld pad=%ld,%ld,%ld,%ld g=%ld: status %d %d, "
                "max |dw err| %.3g (tol %.3g), max |dx err| %.3g (tol %.3g)\n",
                (long)n, (long)c, (long)h, (long)w, (long)m, (long)kh, (long)kw, (long)s, (long)d, (long)pt,
                (long)pl, (long)pb, (long)pr, (long)group, st1, st2, err_w, tol_w, err_x, tol_x);
    ++failures;
  }
}
}  // namespace

int main() {
  int cases = 0;
  for (int64_t s : {1, 2, 3})
    for (int64_t d : {1, 2})
      for (int64_t k : {1, 3})
        for (int64_t pad : {0, 1}) {
          check(2, 3, 7, 5, 5, k, k, s, d, pad, pad, pad, pad, 1);       // dense, odd everything
          check(1, 6, 9, 6, 4, k, k + 1, s, d, pad, 0, 1, pad, 2);      // grouped, asymmetric pads, 3x4 kernel
          check(3, 4, 6, 7, 8, k, k, s, d, pad, pad, pad, pad, 4);      // depthwise with channel multiplier 2
          check(1, 5, 1, 1, 3, 1, 1, s, 1, 0, 0, 0, 0, 1);              // 1x1 image
          cases += 4;
        }
  check(2, 16, 30, 30, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1);                  // wide enough for several GEMM panels
  check(1, 0 + 8, 8, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 8);                  // plain depthwise
  // invalid arguments are refused, never crash
  const int64_t bad[16] = {1, 3, 4, 4, 4, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1, 2};  // 3 channels in 2 groups
  float buf[64] = {0};
  if (ew_conv2d_backward_weights(bad, buf, buf, buf) != EW_INVALID_ARGUMENT ||
      ew_conv2d_backward_data(bad, buf, buf, buf) != EW_INVALID_ARGUMENT ||
      ew_conv2d_backward_data(nullptr, buf, buf, buf) != EW_INVALID_ARGUMENT) {
    std::printf("FAIL invalid geometry accepted\n");
    ++failures;
  }
  std::printf("conv2d backward: %d cases, %d failures\n", cases + 2, failures);
  return failures == 0 ? 0 : 1;
}

// ew_conv2d against a naive direct convolution in double, over edge shapes: 1x1 images, odd channel counts,
// large strides and dilations, groups, depthwise with a channel multiplier, every activation, residuals.
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "edgewise/edgewise.h"

namespace {
int failures = 0;

float act(int a, double v, float p, float q) {
  switch (a) {
    case EW_ACT_RELU: return v > 0 ? v : 0;
    case EW_ACT_CLIP: return std::fmin(std::fmax(v, p), q);
    case EW_ACT_LEAKY_RELU: return v >= 0 ? v : p * v;
    case EW_ACT_HARD_SWISH: return v * std::fmin(1.0, std::fmax(0.0, v / 6 + 0.5));
    case EW_ACT_SIGMOID: return 1 / (1 + std::exp(-v));
    case EW_ACT_TANH: return std::tanh(v);
    case EW_ACT_SILU: return v / (1 + std::exp(-v));
    default: return v;
  }
}

void check(int64_t n, int64_t c, int64_t h, int64_t w, int64_t m, int64_t kh, int64_t kw, int64_t s, int64_t d,
           int64_t pad, int64_t group, int activation, bool use_bias, bool use_residual) {
  const int64_t oh = (h + 2 * pad - (kh - 1) * d - 1) / s + 1;
  const int64_t ow = (w + 2 * pad - (kw - 1) * d - 1) / s + 1;
  if (oh <= 0 || ow <= 0) return;
  std::mt19937 rng(static_cast<unsigned>(n + c * 3 + h * 7 + m * 11 + kh * 13 + s * 17 + group * 19 + activation));
  std::uniform_real_distribution<float> dist(-1, 1);
  const int64_t cg = c / group, mg = m / group;
  std::vector<float> x(n * c * h * w), wt(m * cg * kh * kw), bias(m), res(n * m * oh * ow), y(n * m * oh * ow);
  for (auto& v : x) v = dist(rng);
  for (auto& v : wt) v = dist(rng);
  for (auto& v : bias) v = dist(rng);
  for (auto& v : res) v = dist(rng);
  const int64_t geo[16] = {n, c, h, w, m, oh, ow, kh, kw, s, s, d, d, pad, pad, group};
  const float p = activation == EW_ACT_CLIP ? -0.5f : 0.1f, q = 0.5f;
  int status = ew_conv2d(geo, activation, p, q, x.data(), wt.data(), use_bias ? bias.data() : nullptr,
                         use_residual ? res.data() : nullptr, y.data());
  if (status != EW_OK) {
    std::printf("FAIL status %d\n", status);
    ++failures;
    return;
  }
  // the same convolution with weights packed once (depthwise keeps its own layout: size 0)
  std::vector<float> y2 = y;
  const int64_t packed_size = ew_conv2d_packed_weights_size(geo);
  if (packed_size > 0) {
    std::vector<float> packed(static_cast<size_t>(packed_size));
    status = ew_conv2d_pack_weights(geo, wt.data(), packed.data());
    if (status == EW_OK)
      status = ew_conv2d_prepacked(geo, activation, p, q, x.data(), packed.data(), use_bias ? bias.data() : nullptr,
                                   use_residual ? res.data() : nullptr, y2.data());
    if (status != EW_OK) {
      std::printf("FAIL prepacked status %d\n", status);
      ++failures;
      return;
    }
  }
  for (int64_t img = 0; img < n; ++img)
    for (int64_t oc = 0; oc < m; ++oc) {
      const int64_t g = oc / mg;
      for (int64_t oy = 0; oy < oh; ++oy)
        for (int64_t ox = 0; ox < ow; ++ox) {
          double acc = use_bias ? bias[oc] : 0;
          for (int64_t ci = 0; ci < cg; ++ci)
            for (int64_t ky = 0; ky < kh; ++ky)
              for (int64_t kx = 0; kx < kw; ++kx) {
                const int64_t iy = oy * s - pad + ky * d, ix = ox * s - pad + kx * d;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                acc += static_cast<double>(x[((img * c + g * cg + ci) * h + iy) * w + ix]) *
                       wt[((oc * cg + ci) * kh + ky) * kw + kx];
              }
          const int64_t o = ((img * m + oc) * oh + oy) * ow + ox;
          if (use_residual) acc += res[o];
          const double expected = act(activation, acc, p, q);
          const double tol = 1e-4 * (1 + std::sqrt(static_cast<double>(cg * kh * kw)));
          if (std::fabs(expected - y2[o]) > tol) {
            std::printf("FAIL prepacked weights at output %lld: %f vs %f\n", (long long)o, y2[o], expected);
            ++failures;
            return;
          }
          if (std::fabs(expected - y[o]) > tol) {
            std::printf("FAIL n=%lld c=%lld %lldx%lld m=%lld k=%lldx%lld s=%lld d=%lld pad=%lld g=%lld act=%d: %f vs %f\n",
                        (long long)n, (long long)c, (long long)h, (long long)w, (long long)m, (long long)kh,
                        (long long)kw, (long long)s, (long long)d, (long long)pad, (long long)group, activation,
                        y[o], expected);
            ++failures;
            return;
          }
        }
    }
}
}  // namespace

int main() {
  for (int threads : {1, 2}) {
    ew_set_num_threads(threads);
    check(1, 3, 1, 1, 5, 1, 1, 1, 1, 0, 1, EW_ACT_NONE, true, false);       // 1x1 image
    check(2, 7, 9, 11, 13, 3, 3, 1, 1, 1, 1, EW_ACT_RELU, true, true);      // odd channels, residual
    check(1, 5, 17, 13, 6, 3, 3, 4, 1, 1, 1, EW_ACT_CLIP, false, false);    // large stride
    check(1, 4, 15, 15, 4, 3, 3, 1, 3, 3, 1, EW_ACT_LEAKY_RELU, true, false);  // large dilation
    check(1, 6, 8, 8, 9, 3, 3, 1, 1, 1, 3, EW_ACT_HARD_SWISH, true, true);  // grouped
    check(1, 8, 10, 10, 8, 3, 3, 2, 1, 1, 8, EW_ACT_CLIP, true, false);     // depthwise, stride 2
    check(1, 4, 9, 9, 8, 3, 3, 1, 1, 1, 4, EW_ACT_SIGMOID, true, false);    // depthwise, multiplier 2
    check(1, 3, 7, 9, 2, 5, 1, 1, 2, 2, 1, EW_ACT_TANH, false, true);       // non-square kernel
    check(1, 6, 7, 9, 10, 3, 3, 1, 1, 1, 2, EW_ACT_SILU, true, true);       // SiLU, grouped
    check(1, 17, 14, 14, 33, 1, 1, 1, 1, 0, 1, EW_ACT_RELU, true, true);    // 1x1 direct GEMM path
    check(1, 3, 32, 32, 16, 7, 7, 2, 1, 3, 1, EW_ACT_RELU, true, false);    // a stem convolution
    // outputs 28+ columns wide take the implicit-im2col packing: padding, stride, dilation, groups, panel edges
    check(2, 5, 9, 61, 7, 3, 3, 1, 1, 1, 1, EW_ACT_RELU, true, true);
    check(1, 4, 12, 70, 6, 3, 3, 2, 1, 1, 2, EW_ACT_CLIP, true, false);
    check(1, 3, 10, 40, 33, 3, 5, 1, 2, 2, 1, EW_ACT_NONE, false, false);
    check(1, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, EW_ACT_RELU, true, true);    // a ResNet-18 layer
  }
  std::printf("%s\n", failures == 0 ? "conv2d: all passed" : "conv2d: FAILED");
  return failures == 0 ? 0 : 1;
}

// The NCHWc kernels against naive loops in double: convolutions (dense with blocked or NCHW input, depthwise,
// pointwise) over edge shapes (1x1 images, odd channel counts, channels not a multiple of the block, strides,
// dilations, padding larger than the kernel), every activation, bias and residual; pooling, global average pooling,
// add and the layout round trip. Run once per kernel set (ctest sets EDGEWISE_NCHWC_ISA).
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "edgewise/edgewise.h"

namespace {
int failures = 0;
int checks = 0;

float act(int a, double v, float p, float q) {
  switch (a) {
    case EW_ACT_RELU: return v > 0 ? v : 0;
    case EW_ACT_CLIP: return std::fmin(std::fmax(v, p), q);
    case EW_ACT_LEAKY_RELU: return v >= 0 ? v : p * v;
    case EW_ACT_HARD_SWISH: return v * std::fmin(1.0, std::fmax(0.0, v / 6 + 0.5));
    case EW_ACT_SIGMOID: return 1 / (1 + std::exp(-v));
    case EW_ACT_TANH: return std::tanh(v);
    case EW_ACT_HARD_SIGMOID: return std::fmin(1.0, std::fmax(0.0, p * v + q));
    case EW_ACT_SILU: return v / (1 + std::exp(-v));
    default: return v;
  }
}

int64_t blocked_size(int64_t n, int64_t c, int64_t hw) {
  const int64_t b = ew_nchwc_block();
  return n * ((c + b - 1) / b) * b * hw;
}

std::vector<float> to_blocked(const std::vector<float>& x, int64_t n, int64_t c, int64_t hw) {
  std::vector<float> y(blocked_size(n, c, hw), 123.0f);  // the reorder must overwrite the padding too
  if (ew_nchwc_reorder(1, n, c, hw, x.data(), y.data()) != EW_OK) ++failures;
  return y;
}

std::vector<float> from_blocked(const std::vector<float>& x, int64_t n, int64_t c, int64_t hw) {
  std::vector<float> y(n * c * hw);
  if (ew_nchwc_reorder(0, n, c, hw, x.data(), y.data()) != EW_OK) ++failures;
  return y;
}

// Channels past c of a blocked tensor must be zero: later kernels read whole blocks.
bool padding_zero(const std::vector<float>& y, int64_t n, int64_t c, int64_t hw) {
  const int64_t b = ew_nchwc_block();
  const int64_t cbs = (c + b - 1) / b;
  for (int64_t img = 0; img < n; ++img)
    for (int64_t p = 0; p < hw; ++p)
      for (int64_t ch = c; ch < cbs * b; ++ch)
        if (y[((img * cbs + ch / b) * hw + p) * b + ch % b] != 0.0f) return false;
  return true;
}

void check_conv(int64_t n, int64_t c, int64_t h, int64_t w, int64_t m, int64_t kh, int64_t kw, int64_t s,
                int64_t d, int64_t pad, bool depthwise, bool input_blocked, int activation, bool use_bias,
                bool use_residual, float clip_lo = -0.5f) {
  const int64_t group = depthwise ? c : 1;
  if (depthwise) m = c;
  const int64_t oh = (h + 2 * pad - (kh - 1) * d - 1) / s + 1;
  const int64_t ow = (w + 2 * pad - (kw - 1) * d - 1) / s + 1;
  if (oh <= 0 || ow <= 0) return;
  ++checks;
  std::mt19937 rng(static_cast<unsigned>(n + c * 3 + h * 7 + m * 11 + kh * 13 + s * 17 + group * 19 + activation));
  std::uniform_real_distribution<float> dist(-1, 1);
  const int64_t cg = c / group;
  std::vector<float> x(n * c * h * w), wt(m * cg * kh * kw), bias(m), res(n * m * oh * ow);
  for (auto& v : x) v = dist(rng);
  for (auto& v : wt) v = dist(rng);
  for (auto& v : bias) v = dist(rng);
  for (auto& v : res) v = dist(rng);
  const int64_t geo[16] = {n, c, h, w, m, oh, ow, kh, kw, s, s, d, d, pad, pad, group};
  const float p = activation == EW_ACT_CLIP ? clip_lo : 0.1f, q = 0.5f;
  const int64_t size = ew_nchwc_conv_weights_size(geo, input_blocked);
  if (size <= 0) {
    std::printf("FAIL weights size %lld\n", static_cast<long long>(size));
    ++failures;
    return;
  }
  std::vector<float> packed(size);
  std::vector<float> xin = input_blocked ? to_blocked(x, n, c, h * w) : x;
  std::vector<float> rin = to_blocked(res, n, m, oh * ow);
  std::vector<float> yb(blocked_size(n, m, oh * ow), 77.0f);
  int status = ew_nchwc_conv_pack_weights(geo, input_blocked, wt.data(), packed.data());
  if (status == EW_OK)
    status = ew_nchwc_conv2d(geo, input_blocked, activation, p, q, xin.data(), packed.data(),
                             use_bias ? bias.data() : nullptr, use_residual ? rin.data() : nullptr, yb.data());
  if (status != EW_OK) {
    std::printf("FAIL status %d\n", status);
    ++failures;
    return;
  }
  if (!padding_zero(yb, n, m, oh * ow)) {
    std::printf("FAIL padded channels not zero: c=%lld m=%lld\n", (long long)c, (long long)m);
    ++failures;
  }
  std::vector<float> y = from_blocked(yb, n, m, oh * ow);
  for (int64_t img = 0; img < n; ++img)
    for (int64_t oc = 0; oc < m; ++oc) {
      const int64_t g = depthwise ? oc : 0;
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
          if (std::fabs(expected - y[o]) > tol) {
            std::printf("FAIL conv n=%lld c=%lld h=%lld w=%lld m=%lld k=%lldx%lld s=%lld d=%lld pad=%lld dw=%d "
                        "blocked=%d act=%d at (%lld,%lld,%lld,%lld): %f vs %f\n",
                        (long long)n, (long long)c, (long long)h, (long long)w, (long long)m, (long long)kh,
                        (long long)kw, (long long)s, (long long)d, (long long)pad, depthwise, input_blocked,
                        activation, (long long)img, (long long)oc, (long long)oy, (long long)ox, expected, y[o]);
            ++failures;
            return;
          }
        }
    }
}

void check_pool(int64_t n, int64_t c, int64_t h, int64_t w, int64_t k, int64_t s, int64_t pad, int64_t extra_end,
                bool max, bool include_pad) {
  const int64_t oh = (h + 2 * pad + extra_end - k) / s + 1, ow = (w + 2 * pad + extra_end - k) / s + 1;
  if (oh <= 0 || ow <= 0) return;
  ++checks;
  std::mt19937 rng(static_cast<unsigned>(n + c + h * 5 + k * 7 + s * 11 + pad));
  std::uniform_real_distribution<float> dist(-1, 1);
  std::vector<float> x(n * c * h * w);
  for (auto& v : x) v = dist(rng);
  // ew_pool2d (tested against naive loops in test_pool) is the oracle
  const int64_t geo[18] = {n, c, h, w, oh, ow, k, k, s, s, 1, 1, pad, pad, pad + extra_end, pad + extra_end,
                           max ? 1 : 0, include_pad ? 1 : 0};
  std::vector<float> expected(n * c * oh * ow), yb(blocked_size(n, c, oh * ow));
  std::vector<float> xb = to_blocked(x, n, c, h * w);
  if (ew_pool2d(geo, x.data(), expected.data()) != EW_OK || ew_nchwc_pool2d(geo, xb.data(), yb.data()) != EW_OK) {
    std::printf("FAIL pool status\n");
    ++failures;
    return;
  }
  if (!padding_zero(yb, n, c, oh * ow)) {
    std::printf("FAIL pool padding lanes not zero: c=%lld k=%lld pad=%lld\n", (long long)c, (long long)k,
                (long long)pad);
    ++failures;
  }
  std::vector<float> y = from_blocked(yb, n, c, oh * ow);
  for (size_t i = 0; i < y.size(); ++i) {
    if (!(std::fabs(y[i] - expected[i]) <= 1e-5f) && !(std::isinf(y[i]) && y[i] == expected[i])) {
      std::printf("FAIL pool c=%lld h=%lld k=%lld s=%lld pad=%lld max=%d at %zu: %f vs %f\n", (long long)c,
                  (long long)h, (long long)k, (long long)s, (long long)pad, max, i, y[i], expected[i]);
      ++failures;
      return;
    }
  }
}

void check_global_pool_and_add(int64_t n, int64_t c, int64_t hw) {
  ++checks;
  std::mt19937 rng(static_cast<unsigned>(n * 31 + c * 7 + hw));
  std::uniform_real_distribution<float> dist(-1, 1);
  std::vector<float> x(n * c * hw), x2(n * c * hw);
  for (auto& v : x) v = dist(rng);
  for (auto& v : x2) v = dist(rng);
  std::vector<float> xb = to_blocked(x, n, c, hw), x2b = to_blocked(x2, n, c, hw);
  if (from_blocked(xb, n, c, hw) != x) {
    std::printf("FAIL reorder round trip c=%lld hw=%lld\n", (long long)c, (long long)hw);
    ++failures;
  }
  std::vector<float> g(blocked_size(n, c, 1)), sum(xb.size());
  if (ew_nchwc_global_average_pool(n, c, hw, xb.data(), g.data()) != EW_OK ||
      ew_nchwc_add(static_cast<int64_t>(xb.size()), xb.data(), x2b.data(), 1, sum.data()) != EW_OK) {
    ++failures;
    return;
  }
  std::vector<float> gp = from_blocked(g, n, c, 1), sp = from_blocked(sum, n, c, hw);
  for (int64_t plane = 0; plane < n * c; ++plane) {
    double acc = 0;
    for (int64_t p = 0; p < hw; ++p) acc += x[plane * hw + p];
    if (std::fabs(acc / hw - gp[plane]) > 1e-5) {
      std::printf("FAIL global pool c=%lld hw=%lld plane %lld\n", (long long)c, (long long)hw, (long long)plane);
      ++failures;
      return;
    }
  }
  for (size_t i = 0; i < x.size(); ++i)
    if (sp[i] != std::max(x[i] + x2[i], 0.0f)) {
      std::printf("FAIL add at %zu\n", i);
      ++failures;
      return;
    }
}

// Per-channel affine + activation (BatchNormalization at inference, standalone activations) against a naive loop;
// channels past c must come out zero whatever the activation does to zero (Sigmoid: 0.5).
void check_affine(int64_t n, int64_t c, int64_t hw, bool batch_norm, int activation, float p, float q) {
  ++checks;
  std::mt19937 rng(static_cast<unsigned>(n + c * 5 + hw * 7 + activation * 11 + batch_norm));
  std::uniform_real_distribution<float> dist(-2, 2);
  std::vector<float> x(n * c * hw), scale(c), bias(c), mean(c), var(c);
  for (auto& v : x) v = dist(rng);
  for (int64_t i = 0; i < c; ++i) {
    scale[i] = dist(rng), bias[i] = dist(rng), mean[i] = dist(rng), var[i] = std::fabs(dist(rng));
  }
  const float eps = 1e-3f;
  std::vector<float> xb = to_blocked(x, n, c, hw), yb(blocked_size(n, c, hw), -7.0f);
  const int status = ew_nchwc_channel_affine(n, c, hw, xb.data(), batch_norm ? scale.data() : nullptr, bias.data(),
                                             mean.data(), var.data(), eps, activation, p, q, yb.data());
  if (status != EW_OK) {
    std::printf("FAIL affine status %d\n", status);
    ++failures;
    return;
  }
  if (!padding_zero(yb, n, c, hw)) {
    std::printf("FAIL affine padding not zero: c=%lld act=%d\n", (long long)c, activation);
    ++failures;
    return;
  }
  std::vector<float> y = from_blocked(yb, n, c, hw);
  for (int64_t img = 0; img < n; ++img)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t i = 0; i < hw; ++i) {
        const int64_t o = (img * c + ch) * hw + i;
        double v = x[o];
        if (batch_norm) v = (v - mean[ch]) / std::sqrt(static_cast<double>(var[ch]) + eps) * scale[ch] + bias[ch];
        const double expected = act(activation, v, p, q);
        if (std::fabs(expected - y[o]) > 1e-4 * (1 + std::fabs(expected))) {
          std::printf("FAIL affine n=%lld c=%lld hw=%lld bn=%d act=%d at %lld: %f vs %f\n", (long long)n,
                      (long long)c, (long long)hw, batch_norm, activation, (long long)o, expected, y[o]);
          ++failures;
          return;
        }
      }
}

// Products over NCHWc: same shapes, and a vector per block plane (a squeeze-and-excitation scale).
void check_mul(int64_t planes, int64_t hw, bool per_plane) {
  ++checks;
  const int64_t b = ew_nchwc_block();
  std::mt19937 rng(static_cast<unsigned>(planes * 3 + hw * 5 + per_plane));
  std::uniform_real_distribution<float> dist(-2, 2);
  std::vector<float> x(planes * hw * b), s(planes * (per_plane ? 1 : hw) * b), y(x.size());
  for (auto& v : x) v = dist(rng);
  for (auto& v : s) v = dist(rng);
  if (ew_nchwc_mul(planes, hw, x.data(), s.data(), per_plane ? 1 : hw, y.data()) != EW_OK) {
    std::printf("FAIL mul status\n");
    ++failures;
    return;
  }
  for (int64_t i = 0; i < planes * hw * b; ++i) {
    const int64_t plane = i / (hw * b), lane = i % b;
    const float expected = x[i] * (per_plane ? s[plane * b + lane] : s[i]);
    if (y[i] != expected) {
      std::printf("FAIL mul planes=%lld hw=%lld per_plane=%d at %lld: %f vs %f\n", (long long)planes,
                  (long long)hw, per_plane, (long long)i, expected, y[i]);
      ++failures;
      return;
    }
  }
}

// A channel gather from two inputs (a shuffle of their concat, channels reversed, repeats): every output channel
// against the naive lookup in NCHW, and zero padding past c.
void check_gather(int64_t n, int64_t hw, int64_t c0, int64_t c1, int64_t c, unsigned seed) {
  ++checks;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-2, 2);
  std::vector<float> x0(n * c0 * hw), x1(n * c1 * hw);
  for (auto& v : x0) v = dist(rng);
  for (auto& v : x1) v = dist(rng);
  const std::vector<float> b0 = to_blocked(x0, n, c0, hw), b1 = to_blocked(x1, n, c1, hw);
  std::vector<int64_t> sources(2 * c);
  for (int64_t j = 0; j < c; ++j) {
    const int64_t pick = rng() % (c0 + c1);  // any channel of either input, repeats allowed
    sources[2 * j] = pick < c0 ? 0 : 1;
    sources[2 * j + 1] = pick < c0 ? pick : pick - c0;
  }
  const int64_t addresses[] = {reinterpret_cast<int64_t>(b0.data()), reinterpret_cast<int64_t>(b1.data())};
  const int64_t channels[] = {c0, c1};
  std::vector<float> y(blocked_size(n, c, hw), 77.0f);
  if (ew_nchwc_gather_channels(n, hw, 2, addresses, channels, c, sources.data(), y.data()) != EW_OK) {
    std::printf("FAIL gather status\n");
    ++failures;
    return;
  }
  const std::vector<float> plain = from_blocked(y, n, c, hw);
  for (int64_t img = 0; img < n; ++img)
    for (int64_t j = 0; j < c; ++j)
      for (int64_t p = 0; p < hw; ++p) {
        const std::vector<float>& src = sources[2 * j] == 0 ? x0 : x1;
        const int64_t sc = sources[2 * j] == 0 ? c0 : c1;
        const float expected = src[(img * sc + sources[2 * j + 1]) * hw + p];
        if (plain[(img * c + j) * hw + p] != expected) {
          std::printf("FAIL gather n=%lld hw=%lld c=%lld: image %lld channel %lld pixel %lld\n", (long long)n,
                      (long long)hw, (long long)c, (long long)img, (long long)j, (long long)p);
          ++failures;
          return;
        }
      }
  if (!padding_zero(y, n, c, hw)) {
    std::printf("FAIL gather n=%lld c=%lld: padding lanes not zero\n", (long long)n, (long long)c);
    ++failures;
  }
  // a source channel past its input's count is refused, not read
  sources[1] = sources[0] == 0 ? c0 : c1;
  if (c > 0 && ew_nchwc_gather_channels(n, hw, 2, addresses, channels, c, sources.data(), y.data()) !=
                   EW_INVALID_ARGUMENT) {
    std::printf("FAIL gather: a channel out of range was accepted\n");
    ++failures;
  }
}

// ew_apply_activation over a plain array (enough elements to run on both threads) against act() in double; NaN in,
// NaN out for every activation.
void check_apply_activation(int activation, float p, float q) {
  ++checks;
  const int64_t count = 70001;
  std::vector<float> x(count), y(count);
  std::mt19937 rng(static_cast<unsigned>(activation * 13 + 1));
  std::normal_distribution<float> dist(0.0f, 3.0f);
  for (auto& v : x) v = dist(rng);
  x[0] = NAN;
  if (ew_apply_activation(count, activation, p, q, x.data(), y.data()) != EW_OK || !std::isnan(y[0])) {
    std::printf("FAIL apply_activation act=%d: status or NaN (%f)\n", activation, y[0]);
    ++failures;
    return;
  }
  for (int64_t i = 1; i < count; ++i) {
    const double expected = act(activation, x[i], p, q);
    if (std::fabs(expected - y[i]) > 1e-6 * (1 + std::fabs(expected))) {
      std::printf("FAIL apply_activation act=%d at %lld: %f of %f, expected %f\n", activation, (long long)i, y[i],
                  x[i], expected);
      ++failures;
      return;
    }
  }
}

// Special values through a convolution's vector epilogue: a 1x1 convolution of one channel into 20 (a block and a
// partial one) with weights 1 passes x through to every output channel, so y = act(x) for NaN, infinities, zero
// and values whose exponent the polynomial clamps.
void check_epilogue_special_values(int activation) {
  ++checks;
  const float x[8] = {NAN, INFINITY, -INFINITY, 0.0f, 100.0f, -100.0f, 1.0f, -1.0f};
  const int64_t m = 20;
  const int64_t geo[16] = {1, 1, 1, 8, m, 1, 8, 1, 1, 1, 1, 1, 1, 0, 0, 1};
  std::vector<float> w(m, 1.0f), packed(ew_nchwc_conv_weights_size(geo, 1));
  std::vector<float> xb = to_blocked(std::vector<float>(x, x + 8), 1, 1, 8), yb(blocked_size(1, m, 8));
  if (ew_nchwc_conv_pack_weights(geo, 1, w.data(), packed.data()) != EW_OK ||
      ew_nchwc_conv2d(geo, 1, activation, 0, 0, xb.data(), packed.data(), nullptr, nullptr, yb.data()) != EW_OK) {
    std::printf("FAIL special values: status\n");
    ++failures;
    return;
  }
  const std::vector<float> y = from_blocked(yb, 1, m, 8);
  const bool silu = activation == EW_ACT_SILU;
  for (int64_t oc = 0; oc < m; ++oc) {
    const float* r = y.data() + oc * 8;
    const bool ok = std::isnan(r[0]) && (silu ? r[1] == INFINITY : r[1] == 1.0f) &&
                    (silu ? r[2] == -INFINITY : r[2] >= 0.0f && r[2] < 1e-30f) &&
                    (silu ? r[3] == 0.0f : r[3] == 0.5f) && (silu ? r[4] == 100.0f : r[4] == 1.0f) &&
                    std::fabs(r[5]) < 1e-30f && std::fabs(r[6] - act(activation, 1.0, 0, 0)) < 1e-6f &&
                    std::fabs(r[7] - act(activation, -1.0, 0, 0)) < 1e-6f;
    if (!ok) {
      std::printf("FAIL act=%d of NaN, inf, -inf, 0, 100, -100, 1, -1 in channel %lld: %g %g %g %g %g %g %g %g\n",
                  activation, (long long)oc, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
      ++failures;
      return;
    }
  }
  // (the padded channels are not checked here: their zero weights times an infinity make NaN, which no real
  // channel reads: a dense convolution's real outputs at that pixel are NaN already, lane-wise ops keep lanes apart)
}

}  // namespace

int main() {
  std::printf("nchwc kernels: %s, block %d\n", ew_nchwc_isa(), ew_nchwc_block());
  for (int threads : {1, 2}) {
    ew_set_num_threads(threads);
    // dense, blocked input: 1x1 images, odd and non-multiple channel counts, strides, dilations, big padding
    const int64_t shapes[][9] = {
        // c, h, w, m, k, s, d, pad
        {16, 8, 8, 16, 3, 1, 1, 1, 0}, {3, 1, 1, 5, 1, 1, 1, 0, 0},   {17, 9, 7, 33, 3, 1, 1, 1, 0},
        {5, 11, 13, 70, 3, 2, 1, 1, 0}, {32, 14, 14, 64, 3, 2, 1, 1, 0}, {8, 10, 10, 12, 3, 1, 2, 2, 0},
        {20, 6, 6, 24, 1, 1, 1, 0, 0},  {40, 7, 9, 48, 1, 2, 1, 0, 0},  {7, 5, 5, 9, 3, 3, 1, 4, 0},
        {24, 15, 15, 40, 5, 1, 1, 2, 0}, {64, 56, 56, 64, 3, 1, 1, 1, 0}, {16, 1, 1, 16, 3, 1, 1, 1, 0},
        {9, 12, 30, 19, 3, 1, 3, 3, 0}, {33, 3, 40, 17, 1, 1, 1, 0, 0},
        // 1x1 kernels with padding (rows and columns whose one tap is outside) and at strides 2 and 3
        {20, 6, 7, 24, 1, 1, 1, 1, 0}, {12, 7, 9, 20, 1, 2, 1, 1, 0}, {18, 5, 8, 16, 1, 3, 1, 0, 0},
        // MnasNet's narrow pointwise layers (the last input block partial: its zero lanes are skipped), and one
        // whose input blocks take two passes (the partial block in the second)
        {8, 20, 20, 24, 1, 1, 1, 0, 0}, {72, 7, 7, 24, 1, 1, 1, 0, 0}, {40, 4, 5, 240, 1, 1, 1, 0, 0},
        {200, 5, 5, 40, 1, 1, 1, 0, 0},
        // 5x5 at stride 2 (MnasNet's reducing depthwise layers: the reuse tile for 5 taps), rows of many tiles
        {40, 29, 29, 24, 5, 2, 1, 2, 0}, {72, 9, 21, 24, 5, 1, 1, 2, 0},
        // small planes, whose depthwise rows run from a column-padded copy: 7x7 and 14x14 at 5x5 (MnasNet), 3x3
        // at 7x7 and with dilation 2
        {40, 7, 7, 24, 5, 1, 1, 2, 0}, {48, 14, 14, 24, 5, 2, 1, 2, 0}, {33, 7, 7, 17, 3, 1, 1, 1, 0},
        {20, 9, 10, 16, 3, 1, 2, 2, 0},
        // big enough to be shared at two threads: five depthwise block planes in row slices (72 channels at
        // 28x28, MnasNet), and a 14x14 expansion whose pixels split into even chunks (196 = 66 + 66 + 64)
        {72, 28, 28, 24, 5, 1, 1, 2, 0}, {40, 14, 14, 240, 1, 1, 1, 0, 0}};
    // the activations other than the clamps, one per shape in turn (each meets full and partial blocks)
    const int others[] = {EW_ACT_LEAKY_RELU, EW_ACT_HARD_SWISH, EW_ACT_SIGMOID, EW_ACT_TANH, EW_ACT_SILU};
    int shape_index = 0;
    for (const auto& sh : shapes) {
      const int64_t c = sh[0], h = sh[1], w = sh[2], m = sh[3], k = sh[4], s = sh[5], d = sh[6], pad = sh[7];
      const int other = others[shape_index++ % 5];
      if (threads == 2 && h * w > 1000) continue;
      for (int act_id : {static_cast<int>(EW_ACT_NONE), static_cast<int>(EW_ACT_RELU), static_cast<int>(EW_ACT_CLIP),
                         other}) {
        const bool bias = act_id % 2 == 0, residual = act_id % 3 == 0;
        check_conv(1, c, h, w, m, k, k, s, d, pad, false, true, act_id, bias, residual);
      }
      check_conv(1, c, h, w, c, k, k, s, d, pad, true, true, other, true, true);             // depthwise
      check_conv(2, c, h, w, m, k, k, s, d, pad, false, true, EW_ACT_RELU, true, true);
      check_conv(1, c, h, w, m, k, k, s, d, pad, false, false, EW_ACT_RELU, true, false);  // NCHW input
      check_conv(1, c, h, w, c, k, k, s, d, pad, true, true, EW_ACT_CLIP, true, false);    // depthwise
      check_conv(2, c, h, w, c, k, k, s, d, pad, true, true, EW_ACT_HARD_SWISH, true, true);
      // a clamp that moves zero (Clip from 0.25): the channels past m of a partial block must still be stored zero
      check_conv(1, c, h, w, m, k, k, s, d, pad, false, true, EW_ACT_CLIP, true, true, 0.25f);
      check_conv(1, c, h, w, c, k, k, s, d, pad, true, true, EW_ACT_CLIP, true, false, 0.25f);
    }
    check_conv(1, 3, 23, 23, 64, 7, 7, 2, 1, 3, false, false, EW_ACT_RELU, true, false);  // a ResNet stem
    // RGB stems (3 NCHW channels: the unrolled kernel) at strides 1, 2 and 3, rows wider than a register tile
    check_conv(1, 3, 29, 37, 32, 3, 3, 2, 1, 1, false, false, EW_ACT_CLIP, true, false);   // MobileNet
    check_conv(2, 3, 27, 35, 64, 3, 3, 2, 1, 0, false, false, EW_ACT_RELU, true, true);    // SqueezeNet
    check_conv(1, 3, 11, 40, 24, 3, 3, 1, 1, 1, false, false, EW_ACT_NONE, false, false);
    check_conv(1, 3, 13, 50, 8, 5, 5, 3, 2, 2, false, false, EW_ACT_RELU, true, false);
    {  // a NaN stays NaN through the polynomial sigmoid (no float -> int conversion of it), infinities saturate
      std::vector<float> x(16, 0.0f), y(16);
      x[0] = NAN, x[1] = INFINITY, x[2] = -INFINITY;
      ++checks;
      if (ew_nchwc_channel_affine(1, 16, 1, x.data(), nullptr, nullptr, nullptr, nullptr, 0, EW_ACT_SIGMOID, 0, 0,
                                  y.data()) != EW_OK || !std::isnan(y[0]) || y[1] != 1.0f ||
          y[3] != 0.5f || !(y[2] >= 0.0f && y[2] < 1e-30f)) {
        std::printf("FAIL sigmoid of NaN / infinities: %f %f %f %f\n", y[0], y[1], y[2], y[3]);
        ++failures;
      }
    }
    for (int act_id = EW_ACT_RELU; act_id <= EW_ACT_SILU; ++act_id)
      check_apply_activation(act_id, act_id == EW_ACT_CLIP ? -0.5f : act_id == EW_ACT_HARD_SIGMOID ? 0.25f : 0.1f,
                             act_id == EW_ACT_CLIP ? 0.75f : 0.4f);
    check_epilogue_special_values(EW_ACT_SIGMOID);
    check_epilogue_special_values(EW_ACT_SILU);
    check_gather(2, 49, 58, 58, 116, 1);   // ShuffleNet's unit: halves that are not whole blocks
    check_gather(1, 1, 3, 17, 40, 2);
    check_gather(3, 30, 16, 16, 9, 3);
    check_gather(1, 5000, 24, 40, 64, 4);  // enough work to run on both threads
    check_mul(6, 49, true);
    check_mul(3, 1000, false);
    check_mul(1, 1, true);
    for (int act_id = EW_ACT_NONE; act_id <= EW_ACT_SILU; ++act_id) {
      // a Clip from 0.25 and HardSigmoid (0.2 v + 0.5) move zero: padding must stay zero
      const float p = act_id == EW_ACT_CLIP ? 0.25f : act_id == EW_ACT_HARD_SIGMOID ? 0.2f : 0.1f;
      const float q = act_id == EW_ACT_HARD_SIGMOID ? 0.5f : 1.5f;
      check_affine(2, 37, 45, true, act_id, p, q);
      check_affine(1, 16, 300, false, act_id, p, q);
      check_affine(1, 5, 1, act_id % 2 == 0, act_id, p, q);
    }
    // pooling: padding, ceil-mode style extra end padding, windows in the padding only
    check_pool(1, 20, 9, 9, 3, 2, 1, 0, true, false);
    check_pool(2, 16, 13, 13, 3, 2, 0, 1, true, false);
    check_pool(1, 18, 8, 11, 3, 1, 1, 0, true, false);  // the unrolled 3x3 max interior at stride 1, w != h
    check_pool(1, 5, 7, 7, 3, 1, 1, 0, false, false);
    check_pool(1, 5, 7, 7, 3, 1, 1, 0, false, true);
    check_pool(1, 33, 6, 6, 2, 2, 0, 1, false, true);
    check_pool(1, 3, 2, 2, 3, 3, 2, 0, true, false);
    check_pool(1, 20, 1, 1, 2, 1, 2, 0, true, false);  // windows wholly in the padding (pad >= kernel)
    check_pool(1, 3, 3, 3, 2, 1, 2, 0, false, true);
    check_pool(1, 3, 1, 1, 1, 1, 0, 0, false, false);
    check_global_pool_and_add(1, 20, 49);
    check_global_pool_and_add(2, 16, 1);
    check_global_pool_and_add(1, 1280, 7);
  }
  // geometries NCHWc does not run are refused, never computed wrongly
  const int64_t grouped[16] = {1, 8, 4, 4, 8, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1, 2};
  const int64_t depthwise_plain[16] = {1, 8, 4, 4, 8, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1, 8};
  if (ew_nchwc_conv_weights_size(grouped, 1) != -1 || ew_nchwc_conv_weights_size(depthwise_plain, 0) != -1 ||
      ew_nchwc_conv2d(grouped, 1, 0, 0, 0, nullptr, nullptr, nullptr, nullptr, nullptr) != EW_INVALID_ARGUMENT) {
    std::printf("FAIL unsupported geometry accepted\n");
    ++failures;
  }
  std::printf("%d checks, %d failures\n", checks, failures);
  return failures == 0 && checks > 100 ? 0 : 1;
}

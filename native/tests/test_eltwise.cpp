// ew_eltwise against per-element index arithmetic: every broadcast pattern of a few shapes (odd sizes, unit dims,
// scalars, rows, channels, the blocked layout's per-channel vectors), chains through registers, NaN and infinity;
// ew_resize_nearest2d, ew_softmax and ew_conv_transpose2d against direct loops; bad arguments refused.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "edgewise/edgewise.h"

namespace {
int failures = 0;
std::mt19937 rng(7);

float apply(int op, float a, float b, float p0, float p1) {
  switch (op) {
    case EW_ELT_ADD: return a + b;
    case EW_ELT_SUB: return a - b;
    case EW_ELT_MUL: return a * b;
    case EW_ELT_DIV: return a / b;
    case EW_ELT_MAX: return std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b);
    case EW_ELT_MIN: return std::isnan(a) || std::isnan(b) ? NAN : std::min(a, b);
    case EW_ELT_CLIP: return std::isnan(a) ? NAN : std::min(std::max(a, p0), p1);
    case EW_ELT_RELU: return std::isnan(a) ? NAN : std::max(a, 0.0f);
    case EW_ELT_SQRT: return std::sqrt(a);
    case EW_ELT_NEG: return -a;
    default: return NAN;
  }
}

bool same(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return a == b || std::fabs(a - b) <= 1e-6f * std::max(1.0f, std::fabs(b));
}

// operands given by their dims (same rank as out, 1 = broadcast); program: y = ((a op0 b) op1 c) ... with a unary
// op inserted after the first
void check(const std::vector<int64_t>& out, const std::vector<std::vector<int64_t>>& shapes, const char* what,
           bool specials = false) {
  const int rank = static_cast<int>(out.size());
  const int ops = static_cast<int>(shapes.size());
  int64_t total = 1;
  for (int64_t d : out) total *= d;
  std::vector<std::vector<float>> data(ops);
  std::vector<int64_t> ptr(ops), strides(ops * rank);
  std::uniform_real_distribution<float> u(-4, 4);
  for (int k = 0; k < ops; ++k) {
    int64_t n = 1;
    for (int d = rank - 1; d >= 0; --d) {
      strides[k * rank + d] = shapes[k][d] == 1 ? 0 : n;
      n *= shapes[k][d];
    }
    data[k].resize(n);
    for (auto& v : data[k]) v = u(rng);
    if (specials && n > 3) {
      data[k][0] = NAN;
      data[k][1] = INFINITY;
      data[k][2] = 0.0f;
    }
    ptr[k] = reinterpret_cast<int64_t>(data[k].data());
  }
  // r0 = x0 + x1; r1 = clip(r0, -1, 2); r0 = r1 * x0; then r0 = r0 (op) x_k for k >= 2, ops cycling
  std::vector<int32_t> code;
  std::vector<float> imm;
  auto emit = [&](int op, int dst, int a, int b, float p0 = 0, float p1 = 0) {
    code.insert(code.end(), {op, dst, a, b});
    imm.insert(imm.end(), {p0, p1});
  };
  emit(EW_ELT_ADD, 0, 8, ops > 1 ? 9 : 8);
  emit(EW_ELT_CLIP, 1, 0, 0, -1.0f, 2.0f);
  emit(EW_ELT_MUL, 0, 1, 8);
  const int cycle[] = {EW_ELT_DIV, EW_ELT_SUB, EW_ELT_MAX, EW_ELT_MIN, EW_ELT_MUL};
  for (int k = 2; k < ops; ++k) emit(cycle[k % 5], k % 2, (k - 1) % 2 == 0 && k > 2 ? 1 : 0, 8 + k);
  if (ops > 2) {
    // the last result sits in register (ops - 1) % 2; finish with a Relu of it
    emit(EW_ELT_RELU, 0, (ops - 1) % 2, 0);
  } else {
    emit(EW_ELT_RELU, 0, 0, 0);
  }
  std::vector<float> y(total, -7.0f);
  const int status = ew_eltwise(rank, out.data(), ops, ptr.data(), strides.data(), static_cast<int>(code.size() / 4),
                                code.data(), imm.data(), y.data());
  if (status != EW_OK) {
    std::printf("FAIL %s: status %d\n", what, status);
    ++failures;
    return;
  }
  for (int64_t i = 0; i < total; ++i) {
    std::vector<float> v(ops);
    for (int k = 0; k < ops; ++k) {
      int64_t rest = i, at = 0;
      for (int d = rank - 1; d >= 0; --d) {
        at += (rest % out[d]) * strides[k * rank + d];
        rest /= out[d];
      }
      v[k] = data[k][at];
    }
    float r[2];
    r[0] = apply(EW_ELT_ADD, v[0], ops > 1 ? v[1] : v[0], 0, 0);
    r[1] = apply(EW_ELT_CLIP, r[0], 0, -1.0f, 2.0f);
    r[0] = apply(EW_ELT_MUL, r[1], v[0], 0, 0);
    for (int k = 2; k < ops; ++k) r[k % 2] = apply(cycle[k % 5], r[(k - 1) % 2 == 0 && k > 2 ? 1 : 0], v[k], 0, 0);
    const float expect = apply(EW_ELT_RELU, r[ops > 2 ? (ops - 1) % 2 : 0], 0, 0, 0);
    if (!same(y[i], expect)) {
      std::printf("FAIL %s at %lld: %g, expected %g\n", what, static_cast<long long>(i), y[i], expect);
      ++failures;
      return;
    }
  }
}

void check_blocked(int64_t n, int64_t cb, int64_t hw, int64_t b) {
  // dims (n, cb, hw, b): a full blocked tensor times a per-channel vector [cb * b] plus a scalar
  std::vector<int64_t> dims{n, cb, hw, b};
  std::vector<float> x(n * cb * hw * b), s(cb * b), t(1, 0.5f);
  std::uniform_real_distribution<float> u(-2, 2);
  for (auto& v : x) v = u(rng);
  for (auto& v : s) v = u(rng);
  std::vector<int64_t> ptr{reinterpret_cast<int64_t>(x.data()), reinterpret_cast<int64_t>(s.data()),
                           reinterpret_cast<int64_t>(t.data())};
  std::vector<int64_t> strides{cb * hw * b, hw * b, b, 1, 0, b, 0, 1, 0, 0, 0, 0};
  std::vector<int32_t> code{EW_ELT_MUL, 0, 8, 9, EW_ELT_ADD, 0, 0, 10, EW_ELT_HARD_SWISH, 1, 0, 0};
  std::vector<float> imm(6, 0.0f), y(x.size());
  if (ew_eltwise(4, dims.data(), 3, ptr.data(), strides.data(), 3, code.data(), imm.data(), y.data()) != EW_OK) {
    std::printf("FAIL blocked: status\n");
    ++failures;
    return;
  }
  for (int64_t i = 0; i < static_cast<int64_t>(x.size()); ++i) {
    const int64_t ch = (i / (hw * b)) % cb * b + i % b;
    const float v = x[i] * s[ch] + 0.5f;
    const float e = v * std::min(1.0f, std::max(0.0f, v / 6 + 0.5f));
    if (!same(y[i], e)) {
      std::printf("FAIL blocked %lldx%lldx%lldx%lld at %lld: %g, expected %g\n", (long long)n, (long long)cb,
                  (long long)hw, (long long)b, (long long)i, y[i], e);
      ++failures;
      return;
    }
  }
}

void check_resize_softmax() {
  const int64_t planes = 3, ih = 5, iw = 7, oh = 10, ow = 13;
  std::vector<float> x(planes * ih * iw), y(planes * oh * ow);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
  std::vector<int64_t> rows(oh), cols(ow);
  for (int64_t i = 0; i < oh; ++i) rows[i] = i * ih / oh;
  for (int64_t i = 0; i < ow; ++i) cols[i] = i * iw / ow;
  if (ew_resize_nearest2d(planes, ih, iw, oh, ow, rows.data(), cols.data(), x.data(), y.data()) != EW_OK) ++failures;
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j)
        if (y[(p * oh + i) * ow + j] != x[(p * ih + rows[i]) * iw + cols[j]]) {
          std::printf("FAIL resize at %lld %lld %lld\n", (long long)p, (long long)i, (long long)j);
          ++failures;
          return;
        }
  rows[3] = ih;  // out of range: refused
  if (ew_resize_nearest2d(planes, ih, iw, oh, ow, rows.data(), cols.data(), x.data(), y.data()) == EW_OK) {
    std::printf("FAIL resize accepted a row index past the input\n");
    ++failures;
  }
  // rows shorter than the kernel's lanes, with a tail, and as long as the recogniser's 6625 classes; a NaN row, a
  // +inf row and a -inf element (whose e^x is 0)
  for (const int64_t c : {int64_t{5}, int64_t{37}, int64_t{6625}}) {
    const int64_t r = 5;
    std::vector<float> s(r * c), z(r * c);
    std::uniform_real_distribution<float> u(-20, 20);
    for (auto& v : s) v = u(rng);
    s[c + 3] = NAN;
    s[2 * c + 1] = INFINITY;
    s[3 * c + 2] = -INFINITY;
    if (ew_softmax(r, c, s.data(), z.data()) != EW_OK) ++failures;
    for (int64_t i = 0; i < r; ++i) {
      double m = -INFINITY, sum = 0;
      for (int64_t j = 0; j < c; ++j) m = std::fmax(m, s[i * c + j]);
      bool nan = false;
      for (int64_t j = 0; j < c; ++j) nan |= std::isnan(s[i * c + j]);
      for (int64_t j = 0; j < c; ++j) sum += std::exp(s[i * c + j] - m);
      for (int64_t j = 0; j < c; ++j) {
        const float e = nan ? NAN : static_cast<float>(std::exp(s[i * c + j] - m) / sum);
        if (!(std::isnan(e) ? std::isnan(z[i * c + j]) : std::fabs(z[i * c + j] - e) <= 1e-6f + 1e-5f * e)) {
          std::printf("FAIL softmax row %lld col %lld: %g, expected %g\n", (long long)i, (long long)j, z[i * c + j], e);
          ++failures;
          return;
        }
      }
    }
  }
}

void check_conv_transpose(int64_t n, int64_t c, int64_t h, int64_t w, int64_t m, int64_t k, int64_t s, int64_t pad,
                          int64_t outpad, int64_t dil, int64_t group) {
  const int64_t oh = (h - 1) * s - 2 * pad + dil * (k - 1) + 1 + outpad;
  const int64_t ow = (w - 1) * s - 2 * pad + dil * (k - 1) + 1 + outpad;
  const int64_t geometry[16] = {n, c, h, w, m, oh, ow, k, k, s, s, dil, dil, pad, pad, group};
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> x(n * c * h * w), wt(c * (m / group) * k * k), bias(m), y(n * m * oh * ow, 99.0f);
  for (auto& v : x) v = u(rng);
  for (auto& v : wt) v = u(rng);
  for (auto& v : bias) v = u(rng);
  if (ew_conv_transpose2d(geometry, x.data(), wt.data(), bias.data(), y.data()) != EW_OK) {
    std::printf("FAIL conv_transpose: status\n");
    ++failures;
    return;
  }
  std::vector<double> e(y.size(), 0.0);
  const int64_t cg = c / group, mg = m / group;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ci = 0; ci < c; ++ci)
      for (int64_t mo = 0; mo < mg; ++mo)
        for (int64_t iy = 0; iy < h; ++iy)
          for (int64_t ix = 0; ix < w; ++ix)
            for (int64_t ky = 0; ky < k; ++ky)
              for (int64_t kx = 0; kx < k; ++kx) {
                const int64_t oy = iy * s - pad + ky * dil, ox = ix * s - pad + kx * dil;
                if (oy < 0 || oy >= oh || ox < 0 || ox >= ow) continue;
                const int64_t co = ci / cg * mg + mo;
                e[((b * m + co) * oh + oy) * ow + ox] +=
                    static_cast<double>(x[((b * c + ci) * h + iy) * w + ix]) * wt[((ci * mg + mo) * k + ky) * k + kx];
              }
  for (size_t i = 0; i < y.size(); ++i) {
    const double expect = e[i] + bias[(i / (oh * ow)) % m];
    if (std::fabs(y[i] - expect) > 1e-4 * (1 + std::fabs(expect))) {
      std::printf("FAIL conv_transpose c%lld m%lld k%lld s%lld g%lld at %zu: %g, expected %g\n", (long long)c,
                  (long long)m, (long long)k, (long long)s, (long long)group, i, y[i], expect);
      ++failures;
      return;
    }
  }
}
}  // namespace

// ew_resize_linear2d against a direct blend: 2x upsampling with edge taps clamped to one row / column (both taps
// the same index), a fractional downscale, an infinity that a tap of weight 0 must not turn into NaN
void check_resize_linear(int64_t ih, int64_t iw, int64_t oh, int64_t ow) {
  const int64_t planes = 3;
  std::vector<float> x(planes * ih * iw), y(planes * oh * ow);
  std::uniform_real_distribution<float> u(-5, 5);
  for (auto& v : x) v = u(rng);
  x[1] = INFINITY;
  auto taps = [](int64_t in, int64_t out, std::vector<int64_t>& idx, std::vector<float>& w) {
    idx.resize(2 * out);
    w.resize(2 * out);
    for (int64_t o = 0; o < out; ++o) {
      const double pos = std::max(0.0, (o + 0.5) * in / out - 0.5);  // half_pixel, clamped at the start
      const int64_t i0 = std::min<int64_t>(static_cast<int64_t>(pos), in - 1), i1 = std::min<int64_t>(i0 + 1, in - 1);
      const float f = static_cast<float>(pos - static_cast<double>(static_cast<int64_t>(pos)));
      idx[2 * o] = i0;
      idx[2 * o + 1] = i1;
      w[2 * o] = f == 0 ? 1.0f : 1.0f - f;
      w[2 * o + 1] = f;
    }
  };
  std::vector<int64_t> rows, cols;
  std::vector<float> rw, cw;
  taps(ih, oh, rows, rw);
  taps(iw, ow, cols, cw);
  if (ew_resize_linear2d(planes, ih, iw, oh, ow, rows.data(), rw.data(), cols.data(), cw.data(), x.data(),
                         y.data()) != EW_OK) {
    std::printf("FAIL linear resize refused %lldx%lld -> %lldx%lld\n", (long long)ih, (long long)iw, (long long)oh,
                (long long)ow);
    ++failures;
    return;
  }
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j) {
        double e = 0;
        for (int a = 0; a < 2; ++a)
          for (int b = 0; b < 2; ++b) {
            const double w = static_cast<double>(rw[2 * i + a]) * cw[2 * j + b];
            if (w != 0) e += w * x[(p * ih + rows[2 * i + a]) * iw + cols[2 * j + b]];
          }
        const float got = y[(p * oh + i) * ow + j];
        const bool ok = std::isnan(e)   ? std::isnan(got)
                        : std::isinf(e) ? got == static_cast<float>(e)
                                        : std::fabs(got - e) <= 1e-5 * (1 + std::fabs(e));
        if (!ok) {
          std::printf("FAIL linear resize at %lld %lld %lld: %g, expected %g\n", (long long)p, (long long)i,
                      (long long)j, got, e);
          ++failures;
          return;
        }
      }
  rows[0] = ih;  // out of range: refused
  if (ew_resize_linear2d(planes, ih, iw, oh, ow, rows.data(), rw.data(), cols.data(), cw.data(), x.data(),
                         y.data()) == EW_OK) {
    std::printf("FAIL linear resize accepted a row index past the input\n");
    ++failures;
  }
}

int main() {
  check({2, 3, 5, 7}, {{2, 3, 5, 7}, {2, 3, 5, 7}}, "same shape");
  check({2, 3, 5, 7}, {{2, 3, 5, 7}, {1, 1, 1, 1}}, "scalar");
  check({2, 3, 5, 7}, {{1, 1, 1, 1}, {2, 3, 5, 7}}, "scalar first");
  check({2, 3, 5, 7}, {{2, 3, 5, 7}, {1, 3, 1, 1}, {1, 1, 1, 1}}, "channel and scalar");
  check({2, 3, 5, 7}, {{2, 3, 5, 7}, {1, 1, 1, 7}, {1, 3, 5, 1}, {2, 1, 1, 1}}, "row, column, batch");
  check({2, 3, 5, 7}, {{2, 1, 5, 1}, {1, 3, 1, 7}}, "outer product");
  check({1, 40, 97}, {{1, 40, 97}, {1, 40, 1}, {1, 1, 97}}, "layer norm shapes");
  check({3, 1031}, {{3, 1031}, {3, 1031}, {1, 1031}}, "long rows", true);
  check({64, 2000}, {{64, 2000}, {64, 1}}, "many tasks", true);
  check({5}, {{5}, {1}}, "rank 1");
  check({1, 1, 1}, {{1, 1, 1}, {1, 1, 1}}, "single element");
  check({4, 6, 8}, {{4, 6, 8}, {4, 1, 8}, {1, 6, 1}, {4, 6, 1}, {1, 1, 8}}, "mixed", true);
  check({2, 16, 9}, {{2, 16, 9}, {1, 16, 1}}, "16 channels");
  // the first op on two operands broadcast along the run (periodic or scalar), then a full one
  check({4, 6, 8}, {{1, 1, 8}, {1, 1, 1}, {4, 6, 8}}, "row vector and scalar first", true);
  check({4, 6, 8}, {{1, 1, 1}, {1, 1, 8}, {4, 6, 8}}, "scalar and row vector first", true);
  check({4, 6, 8}, {{1, 1, 8}, {1, 1, 8}, {4, 6, 8}}, "two row vectors first", true);
  check({4, 6, 8}, {{1, 1, 1}, {1, 1, 1}, {4, 6, 8}}, "two scalars first");
  check({3, 5, 1000}, {{1, 1, 1000}, {1, 1, 1}, {3, 5, 1000}}, "long period", true);
  check_resize_linear(5, 7, 10, 14);
  check_resize_linear(9, 13, 5, 4);
  check_resize_linear(1, 6, 3, 6);
  check_blocked(1, 3, 17, 16);
  check_blocked(2, 2, 100, 8);
  check_blocked(1, 1, 1, 16);
  check_blocked(1, 4, 4096, 16);
  // refused: a register read before it is written, an operand index past the operands, a bad rank
  {
    float a = 1, y = 0;
    int64_t dims[1] = {1}, ptr[1] = {reinterpret_cast<int64_t>(&a)}, st[1] = {0};
    int32_t bad_reg[4] = {EW_ELT_ADD, 0, 3, 8}, bad_op[4] = {EW_ELT_ADD, 0, 8, 9}, bad_code[4] = {99, 0, 8, 8};
    float imm[2] = {0, 0};
    if (ew_eltwise(1, dims, 1, ptr, st, 1, bad_reg, imm, &y) == EW_OK ||
        ew_eltwise(1, dims, 1, ptr, st, 1, bad_op, imm, &y) == EW_OK ||
        ew_eltwise(1, dims, 1, ptr, st, 1, bad_code, imm, &y) == EW_OK ||
        ew_eltwise(0, dims, 1, ptr, st, 1, bad_op, imm, &y) == EW_OK) {
      std::printf("FAIL a bad program was accepted\n");
      ++failures;
    }
  }
  check_resize_softmax();
  check_conv_transpose(1, 8, 5, 6, 4, 2, 2, 0, 0, 1, 1);
  check_conv_transpose(2, 6, 4, 3, 9, 3, 2, 1, 1, 1, 3);
  check_conv_transpose(1, 4, 7, 7, 4, 3, 1, 1, 0, 2, 2);
  check_conv_transpose(1, 3, 3, 5, 5, 4, 3, 2, 2, 1, 1);
  // kernel = stride, no pads: the non-overlapping path (one write per output element, GEMM by chunks of rows)
  check_conv_transpose(2, 5, 5, 300, 64, 2, 2, 0, 0, 1, 1);  // 256 GEMM rows over 300 columns: chunks of one row
  check_conv_transpose(1, 24, 9, 37, 1, 2, 2, 0, 0, 1, 1);   // one output channel (the detector's last head)
  check_conv_transpose(1, 3, 4, 7, 5, 3, 3, 0, 0, 1, 1);     // 3x3 stride 3: the generic scatter
  check_conv_transpose(1, 4, 3, 5, 4, 2, 2, 0, 1, 1, 1);     // output padding: not this path
  check_conv_transpose(1, 4, 3, 5, 4, 2, 2, 0, 0, 1, 2);     // groups: not this path
  if (failures == 0) std::printf("eltwise: all passed\n");
  return failures == 0 ? 0 : 1;
}

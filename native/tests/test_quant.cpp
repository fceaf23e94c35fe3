// ew_quantize_linear, ew_dequantize_linear and ew_lookup8 against per-element loops in double (the reference
// kernels' arithmetic: the quotient rounded once to float, half to even, NaN stored as 0): per-tensor and per-axis,
// uint8 and int8, values on half steps, past both ends of the range, NaN and infinities, on 1 and 2 threads; bad
// arguments refused.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <vector>

#include "edgewise/edgewise.h"

namespace {
int failures = 0;
std::mt19937 rng(11);

void fail(const char* what, int64_t i, double want, double got) {
  if (++failures <= 10) std::printf("FAIL %s at %lld: want %g, got %g\n", what, static_cast<long long>(i), want, got);
}

double expect_quantize(float x, float s, int32_t z, bool is_signed) {
  const double q = std::nearbyint(static_cast<double>(static_cast<float>(static_cast<double>(x) / s))) + z;
  if (std::isnan(q)) return 0;
  const double lo = is_signed ? -128 : 0, hi = is_signed ? 127 : 255;
  return std::max(lo, std::min(hi, q));
}

void check_case(int64_t outer, int64_t channels, int64_t inner, bool per_axis, bool is_signed) {
  const int64_t n = outer * channels * inner;
  const int64_t params = per_axis ? channels : 1;
  std::vector<float> scale(params);
  std::vector<int32_t> zero(params);
  std::uniform_real_distribution<float> su(0.001f, 0.2f);
  std::uniform_int_distribution<int> zu(is_signed ? -128 : 0, is_signed ? 127 : 255);
  for (int64_t p = 0; p < params; ++p) {
    scale[p] = p % 3 == 0 ? 0.5f : su(rng);
    zero[p] = zu(rng);
  }
  std::vector<float> x(n);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t c = (i / inner) % channels;
    const float s = scale[per_axis ? c : 0];
    switch (i % 7) {
      case 0: x[i] = static_cast<float>(static_cast<int>(rng() % 601) - 300) * s / 2; break;  // half steps
      case 1: x[i] = nd(rng) * 400 * s; break;                                                    // saturates
      default: x[i] = nd(rng) * 60 * s; break;
    }
  }
  if (n > 3) {
    x[0] = std::numeric_limits<float>::quiet_NaN();
    x[1] = std::numeric_limits<float>::infinity();
    x[2] = -std::numeric_limits<float>::infinity();
  }
  std::vector<uint8_t> q(n);
  std::vector<float> d(n);
  for (int threads : {1, 2}) {
    ew_set_num_threads(threads);
    if (ew_quantize_linear(outer, channels, inner, x.data(), scale.data(), zero.data(), params, is_signed, q.data()) !=
        EW_OK) {
      fail("quantize status", 0, 0, 1);
      return;
    }
    for (int64_t i = 0; i < n; ++i) {
      const int64_t p = per_axis ? (i / inner) % channels : 0;
      const double want = expect_quantize(x[i], scale[p], zero[p], is_signed);
      const double got = is_signed ? static_cast<int8_t>(q[i]) : q[i];
      if (want != got) fail("quantize", i, want, got);
    }
    if (ew_dequantize_linear(outer, channels, inner, is_signed, q.data(), scale.data(), zero.data(), params,
                             d.data()) != EW_OK) {
      fail("dequantize status", 0, 0, 1);
      return;
    }
    for (int64_t i = 0; i < n; ++i) {
      const int64_t p = per_axis ? (i / inner) % channels : 0;
      const double v = is_signed ? static_cast<int8_t>(q[i]) : q[i];
      const float want = static_cast<float>((v - zero[p]) * static_cast<double>(scale[p]));
      if (want != d[i]) fail("dequantize", i, want, d[i]);
    }
    // a table per channel (or one) maps every byte
    std::vector<uint8_t> tables(params * 256);
    for (auto& t : tables) t = static_cast<uint8_t>(rng());
    std::vector<uint8_t> y(n);
    if (ew_lookup8(outer, channels, inner, tables.data(), params, q.data(), y.data()) != EW_OK) {
      fail("lookup status", 0, 0, 1);
      return;
    }
    for (int64_t i = 0; i < n; ++i) {
      const int64_t p = per_axis ? (i / inner) % channels : 0;
      if (y[i] != tables[p * 256 + q[i]]) fail("lookup", i, tables[p * 256 + q[i]], y[i]);
    }
  }
}

void check_refusals() {
  float s = 1.0f, x = 0.0f, d = 0.0f;
  int32_t z = 0, big = 300;
  uint8_t q = 0, table[256] = {};
  if (ew_quantize_linear(1, 2, 1, &x, &s, &z, 3, 0, &q) != EW_INVALID_ARGUMENT) fail("params 3 of 2", 0, 1, 0);
  if (ew_quantize_linear(1, 1, 1, &x, &s, &big, 1, 0, &q) != EW_INVALID_ARGUMENT) fail("zero 300", 0, 1, 0);
  if (ew_quantize_linear(-1, 1, 1, &x, &s, &z, 1, 0, &q) != EW_INVALID_ARGUMENT) fail("negative outer", 0, 1, 0);
  if (ew_quantize_linear(1, 1, 1, nullptr, &s, &z, 1, 0, &q) != EW_INVALID_ARGUMENT) fail("null x", 0, 1, 0);
  if (ew_dequantize_linear(1, 1, 1, 0, &q, nullptr, &z, 1, &d) != EW_INVALID_ARGUMENT) fail("null scale", 0, 1, 0);
  if (ew_lookup8(1, 2, 1, table, 3, &q, &q) != EW_INVALID_ARGUMENT) fail("lookup params", 0, 1, 0);
  if (ew_lookup8(1, 1, 1, nullptr, 1, &q, &q) != EW_INVALID_ARGUMENT) fail("null tables", 0, 1, 0);
  if (ew_lookup8(0, 1, 1, table, 1, nullptr, nullptr) != EW_OK) fail("empty lookup", 0, 0, 1);
}
}  // namespace

int main() {
  for (bool is_signed : {false, true}) {
    for (bool per_axis : {false, true}) {
      check_case(1, 1, 37, per_axis, is_signed);
      check_case(2, 3, 50, per_axis, is_signed);
      check_case(1, 16, 40000, per_axis, is_signed);  // several tasks per plane
      check_case(3, 5, 1, per_axis, is_signed);
    }
  }
  check_refusals();
  ew_set_num_threads(1);
  std::printf(failures == 0 ? "quant: all passed\n" : "quant: %d failures\n", failures);
  return failures == 0 ? 0 : 1;
}

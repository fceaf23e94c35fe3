// ew_reduce and ew_concat32 against direct loops (sums in double), NaN propagation, and bad arguments refused.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "edgewise/edgewise.h"

namespace {
int failures = 0;
std::mt19937 rng(11);

float expected(int kind, int64_t n, int64_t inner, const float* x, int64_t i) {
  double sum = 0;
  float ext = kind == EW_REDUCE_MAX ? -INFINITY : INFINITY;
  bool nan = false;
  for (int64_t k = 0; k < n; ++k) {
    const float v = x[k * inner + i];
    sum += v;
    nan |= std::isnan(v);
    ext = kind == EW_REDUCE_MAX ? std::fmax(ext, v) : std::fmin(ext, v);
  }
  switch (kind) {
    case EW_REDUCE_SUM: return static_cast<float>(sum);
    case EW_REDUCE_MEAN: return n == 0 ? NAN : static_cast<float>(sum / n);
    default: return nan ? NAN : ext;
  }
}

void check_reduce(int kind, int64_t outer, int64_t n, int64_t inner, bool with_nan) {
  std::vector<float> x(outer * n * inner), y(outer * inner, -7.0f);
  std::uniform_real_distribution<float> u(-3, 3);
  for (auto& v : x) v = u(rng);
  if (with_nan && !x.empty()) x[x.size() / 2] = NAN;
  if (ew_reduce(kind, outer, n, inner, x.data(), y.data()) != EW_OK) {
    std::printf("FAIL reduce kind %d refused %lld x %lld x %lld\n", kind, (long long)outer, (long long)n,
                (long long)inner);
    ++failures;
    return;
  }
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const float e = expected(kind, n, inner, x.data() + o * n * inner, i);
      const float a = y[o * inner + i];
      const bool ok = std::isnan(e) ? std::isnan(a) : a == e || std::fabs(a - e) <= 1e-6f + 1e-6f * std::fabs(e);
      if (!ok) {
        std::printf("FAIL reduce kind %d %lld x %lld x %lld at %lld,%lld: %g, expected %g\n", kind, (long long)outer,
                    (long long)n, (long long)inner, (long long)o, (long long)i, a, e);
        ++failures;
        return;
      }
    }
}

void check_concat() {
  const int64_t outer = 5;
  const int64_t widths[3] = {3, 0, 17};
  std::vector<std::vector<float>> parts(3);
  int64_t addresses[3];
  float next = 0;
  for (int i = 0; i < 3; ++i) {
    parts[i].resize(outer * widths[i] + 1);
    for (auto& v : parts[i]) v = next++;
    addresses[i] = static_cast<int64_t>(reinterpret_cast<intptr_t>(parts[i].data()));
  }
  std::vector<float> y(outer * 20, -1.0f);
  if (ew_concat32(3, outer, addresses, widths, y.data()) != EW_OK) ++failures;
  for (int64_t o = 0; o < outer; ++o) {
    int64_t col = 0;
    for (int i = 0; i < 3; ++i)
      for (int64_t j = 0; j < widths[i]; ++j, ++col)
        if (y[o * 20 + col] != parts[i][o * widths[i] + j]) {
          std::printf("FAIL concat at row %lld column %lld\n", (long long)o, (long long)col);
          ++failures;
          return;
        }
  }
  const int64_t bad_widths[3] = {3, -1, 17};
  if (ew_concat32(3, outer, addresses, bad_widths, y.data()) == EW_OK) {
    std::printf("FAIL concat accepted a negative width\n");
    ++failures;
  }
  int64_t null_address[3] = {addresses[0], addresses[1], 0};
  if (ew_concat32(3, outer, null_address, widths, y.data()) == EW_OK) {
    std::printf("FAIL concat accepted a null input\n");
    ++failures;
  }
}
}  // namespace

int main() {
  for (int kind = EW_REDUCE_SUM; kind <= EW_REDUCE_MIN; ++kind) {
    check_reduce(kind, 40, 120, 1, false);   // the recogniser's LayerNorm rows
    check_reduce(kind, 3, 6625, 1, false);   // long rows: lanes and a tail
    check_reduce(kind, 7, 5, 1, true);       // shorter than one set of lanes
    check_reduce(kind, 6, 33, 1, true);
    check_reduce(kind, 4, 9, 13, false);     // a middle axis
    check_reduce(kind, 2, 6, 37, true);
    check_reduce(kind, 1, 0, 5, false);      // nothing to reduce
    check_reduce(kind, 0, 4, 4, false);
  }
  float x[4] = {1, 2, 3, 4}, y[2];
  if (ew_reduce(9, 1, 4, 1, x, y) == EW_OK || ew_reduce(EW_REDUCE_SUM, 1, -4, 1, x, y) == EW_OK ||
      ew_reduce(EW_REDUCE_SUM, 1, 4, 1, nullptr, y) == EW_OK) {
    std::printf("FAIL reduce accepted a bad kind, a negative size or a null input\n");
    ++failures;
  }
  check_concat();
  if (failures == 0) std::printf("reduce and concat: all checks passed\n");
  return failures == 0 ? 0 : 1;
}

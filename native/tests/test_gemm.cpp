// ew_sgemm against a naive triple loop in double precision, over odd shapes and every transpose.
#include "edgewise/edgewise.h"

#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

namespace {
int failures = 0;

void check(int ta, int tb, int64_t M, int64_t N, int64_t K, float alpha, float beta) {
  std::mt19937 rng(static_cast<unsigned>(M * 131 + N * 17 + K + ta * 7 + tb));
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  const int64_t lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 1, ldc = N + 2;
  std::vector<float> A((ta ? K : M) * lda), B((tb ? N : K) * ldb), C(M * ldc);
  for (auto& v : A) v = dist(rng);
  for (auto& v : B) v = dist(rng);
  for (auto& v : C) v = dist(rng);
  std::vector<float> C0 = C;
  int status = ew_sgemm(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);
  if (status != EW_OK) {
    std::printf("FAIL status %d\n", status);
    ++failures;
    return;
  }
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) {
      double acc = 0;
      for (int64_t k = 0; k < K; ++k) {
        double a = ta ? A[k * lda + i] : A[i * lda + k];
        double b = tb ? B[j * ldb + k] : B[k * ldb + j];
        acc += a * b;
      }
      double expected = alpha * acc + (beta == 0.0f ? 0.0 : beta * C0[i * ldc + j]);
      double err = std::fabs(expected - C[i * ldc + j]);
      if (err > 1e-4 * (1.0 + std::sqrt(static_cast<double>(K)))) {
        std::printf("FAIL ta=%d tb=%d M=%lld N=%lld K=%lld at (%lld,%lld): %f vs %f\n", ta, tb, (long long)M,
                    (long long)N, (long long)K, (long long)i, (long long)j, C[i * ldc + j], expected);
        ++failures;
        return;
      }
    }
  }
}
}  // namespace

int main() {
  std::printf("isa: %s\n", ew_isa_name());
  // odd sizes around every blocking boundary (MR 4/6/12, NR 16/32, KC 256, MC 144) and the threaded split
  const int64_t shapes[][3] = {{1, 1, 1},     {1, 17, 3},     {7, 1, 5},      {13, 29, 300}, {65, 130, 257},
                               {3, 1100, 9},  {145, 33, 513}, {200, 300, 150}, {12, 32, 256}, {1, 1000, 512},
                               {500, 7, 70},  {1, 70, 1317}};  // the last: gemv with every dot-product tail
  for (int threads : {1, 2, 3}) {
    ew_set_num_threads(threads);
    for (auto& s : shapes)
      for (int ta = 0; ta < 2; ++ta)
        for (int tb = 0; tb < 2; ++tb) {
          check(ta, tb, s[0], s[1], s[2], 1.0f, 0.0f);
          check(ta, tb, s[0], s[1], s[2], 0.5f, 2.0f);
        }
  }
  check(0, 0, 4, 5, 0, 1.0f, 1.5f);  // K == 0 only scales C
  float c = 1;
  if (ew_sgemm(0, 0, -1, 1, 1, 1, &c, 1, &c, 1, 0, &c, 1) != EW_INVALID_ARGUMENT) {
    std::printf("FAIL negative M accepted\n");
    ++failures;
  }
  std::printf("%s\n", failures == 0 ? "gemm: all passed" : "gemm: FAILED");
  return failures == 0 ? 0 : 1;
}

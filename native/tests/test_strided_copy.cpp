// ew_strided_copy32 (Transpose, Slice, Split on the cpu device) against index arithmetic done per element: every
// permutation of a 4-D tensor and a 5-D one with rows enough for several tasks (whose first rows start mid-axis),
// a reversed axis, and rows of one element.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <vector>

#include "edgewise/edgewise.h"

namespace {
int failures = 0;

// y[i] = x[sum_d index_d(i) * strides[d] + offset] for the output's row-major index i
void check(const std::vector<int64_t>& dims, const std::vector<int64_t>& strides, int64_t offset, int64_t source_size,
           const char* what) {
  const int rank = static_cast<int>(dims.size());
  int64_t count = 1;
  for (int64_t d : dims) count *= d;
  std::vector<uint32_t> x(source_size), y(count, 0xdeadbeef);
  std::iota(x.begin(), x.end(), 1u);
  if (ew_strided_copy32(rank, dims.data(), strides.data(), x.data() + offset, y.data()) != EW_OK) {
    std::printf("FAIL %s: status\n", what);
    ++failures;
    return;
  }
  for (int64_t i = 0; i < count; ++i) {
    int64_t rest = i, at = offset;
    for (int d = rank - 1; d >= 0; --d) {
      at += (rest % dims[d]) * strides[d];
      rest /= dims[d];
    }
    if (y[i] != x[at]) {
      std::printf("FAIL %s at %lld: %u, expected %u\n", what, static_cast<long long>(i), y[i], x[at]);
      ++failures;
      return;
    }
  }
}

// the strides that read x (row-major dims `in`) in the axis order perm
void check_transpose(const std::vector<int64_t>& in, std::vector<int> perm, const char* what) {
  const int rank = static_cast<int>(in.size());
  std::vector<int64_t> in_strides(rank, 1);
  for (int d = rank - 2; d >= 0; --d) in_strides[d] = in_strides[d + 1] * in[d + 1];
  int64_t size = 1;
  for (int64_t d : in) size *= d;
  std::vector<int64_t> dims(rank), strides(rank);
  for (int d = 0; d < rank; ++d) {
    dims[d] = in[perm[d]];
    strides[d] = in_strides[perm[d]];
  }
  check(dims, strides, 0, size, what);
}
}  // namespace

int main() {
  for (int threads : {1, 2}) {
    ew_set_num_threads(threads);
    std::vector<int> perm = {0, 1, 2, 3};
    do {
      check_transpose({2, 3, 5, 7}, perm, "4-D permutation");
    } while (std::next_permutation(perm.begin(), perm.end()));
    check_transpose({3, 4, 5, 6, 70}, {4, 2, 0, 3, 1}, "5-D, several tasks");
    check_transpose({1, 3, 40, 41}, {0, 2, 3, 1}, "NCHW -> NHWC of a 3-channel image (rows of 3)");
    check({4, 9, 6}, {-54, 6, 1}, 3 * 54, 4 * 54, "the first axis reversed");
    check({5, 300, 1}, {300, 1, 7}, 0, 1500, "rows of one element");
  }
  std::printf("%s\n", failures == 0 ? "strided copy: all passed" : "strided copy: FAILED");
  return failures == 0 ? 0 : 1;
}

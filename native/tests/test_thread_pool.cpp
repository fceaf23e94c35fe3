// The pool under churn: resizes between parallel regions must neither lose nor replay work, nor deadlock
// (a worker created by a resize once waited for a region that had already started).
#include <atomic>
#include <cstdio>

#include "../src/thread_pool.h"

int main() {
  int failures = 0;
  for (int round = 0; round < 2000; ++round) {
    edgewise::set_num_threads(1 + round % 3);
    std::atomic<int64_t> sum{0};
    edgewise::parallel_for(37, [&](int64_t i) { sum += i + 1; });
    if (sum != 37 * 38 / 2) {
      std::printf("FAIL round %d: sum %lld\n", round, static_cast<long long>(sum.load()));
      ++failures;
      break;
    }
  }
  std::printf("%s\n", failures == 0 ? "thread pool: all passed" : "thread pool: FAILED");
  return failures;
}

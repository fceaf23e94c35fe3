// The pool under churn: resizes between parallel regions must neither lose nor replay work, nor deadlock
// (a worker created by a resize once waited for a region that had already started). And a pool of one thread lets
// two threads be inside their regions at once (the co-scheduler's 1-thread cpu groups run side by side).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

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
  // two callers, pool of one: each region waits (up to 20 s, a bound that only a serializing pool reaches) until the
  // other caller is inside its own region too
  edgewise::set_num_threads(1);
  std::atomic<int> inside{0};
  std::atomic<int> met{0};
  auto caller = [&] {
    edgewise::parallel_for(2, [&](int64_t i) {
      if (i != 0) return;
      inside.fetch_add(1);
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (inside.load() < 2 && std::chrono::steady_clock::now() < until) std::this_thread::yield();
      if (inside.load() == 2) met.fetch_add(1);
    });
  };
  std::thread first(caller);
  std::thread second(caller);
  first.join();
  second.join();
  if (met.load() != 2) {
    std::printf("FAIL: with one thread, two callers' regions ran one after the other (%d met)\n", met.load());
    ++failures;
  }
  std::printf("%s\n", failures == 0 ? "thread pool: all passed" : "thread pool: FAILED");
  return failures;
}

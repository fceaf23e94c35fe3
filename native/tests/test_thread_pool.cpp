// The pool under churn: resizes between parallel regions must neither lose nor replay work, nor deadlock
// (a worker created by a resize once waited for a region that had already started). And a pool of one thread lets
// two threads be inside their regions at once (the co-scheduler's 1-thread cpu groups run side by side).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "../src/thread_pool.h"

int main() {
  int failures = 0;
  // guided claims, hand-computed: a claim takes what is left / (2 * threads), at least one task
  struct Claim { int64_t remaining, threads, expected; };
  const Claim claims[] = {{131, 2, 32}, {99, 2, 24}, {7, 2, 1}, {3, 2, 1}, {1, 2, 1}, {1, 1, 1}, {8, 1, 4},
                          {100, 3, 16}, {5, 3, 1}, {1048575, 2, 262143}, {10, 0, 5}};
  for (const Claim& c : claims) {
    if (edgewise::guided_claim(c.remaining, c.threads) != c.expected) {
      std::printf("FAIL guided_claim(%lld, %lld) = %lld, expected %lld\n", static_cast<long long>(c.remaining),
                  static_cast<long long>(c.threads),
                  static_cast<long long>(edgewise::guided_claim(c.remaining, c.threads)),
                  static_cast<long long>(c.expected));
      ++failures;
    }
  }
  // every task of a region runs exactly once, whatever the task count (odd, below and above the thread count, runs
  // of claims that end exactly at the last task) and the pool size
  for (int threads = 1; threads <= 3; ++threads) {
    edgewise::set_num_threads(threads);
    for (int64_t tasks : {1, 2, 3, 5, 7, 17, 131, 1000, 4099}) {
      std::vector<std::atomic<int>> runs(static_cast<size_t>(tasks));
      for (auto& r : runs) r.store(0);
      edgewise::parallel_for(tasks, [&](int64_t i) { runs[static_cast<size_t>(i)].fetch_add(1); });
      for (int64_t i = 0; i < tasks; ++i) {
        if (runs[static_cast<size_t>(i)].load() != 1) {
          std::printf("FAIL %d threads, %lld tasks: task %lld ran %d times\n", threads, static_cast<long long>(tasks),
                      static_cast<long long>(i), runs[static_cast<size_t>(i)].load());
          ++failures;
          break;
        }
      }
    }
  }
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

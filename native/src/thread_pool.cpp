#include "thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "edgewise/edgewise.h"

namespace edgewise {
namespace {

// Workers spin briefly on the region counter before sleeping, as ONNX Runtime's pool does: the many short
// regions of one inference then start without a futex wake-up each (tens of microseconds otherwise).
inline void cpu_relax() {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#endif
}
constexpr int kSpins = 30000;

class Pool {
 public:
  ~Pool() { resize(1); }

  int size() {
    std::lock_guard<std::mutex> lock(call_mutex_);
    return static_cast<int>(workers_.size()) + 1;
  }

  void resize(int n) {
    std::lock_guard<std::mutex> lock(call_mutex_);
    stop_workers();
    stop_.store(false);
    // workers join the next parallel region, not the last one; no region can start while call_mutex_ is held
    const uint64_t current = generation_.load();
    for (int i = 1; i < n; ++i) workers_.emplace_back([this, current] { work(current); });
  }

  void run(int64_t tasks, const std::function<void(int64_t)>& fn) {
    std::lock_guard<std::mutex> call(call_mutex_);  // one parallel region at a time
    if (workers_.empty() || tasks <= 1) {
      for (int64_t i = 0; i < tasks; ++i) fn(i);
      return;
    }
    fn_ = &fn;
    tasks_ = tasks;
    next_.store(0);
    pending_.store(static_cast<int>(workers_.size()));
    {
      std::lock_guard<std::mutex> lock(mutex_);
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    drain();
    for (int spin = 0; spin < kSpins && pending_.load(std::memory_order_acquire) != 0; ++spin) cpu_relax();
    if (pending_.load(std::memory_order_acquire) != 0) {
      std::unique_lock<std::mutex> lock(mutex_);
      done_.wait(lock, [this] { return pending_.load() == 0; });
    }
    fn_ = nullptr;
  }

 private:
  void drain() {
    for (int64_t i = next_.fetch_add(1); i < tasks_; i = next_.fetch_add(1)) (*fn_)(i);
  }

  void work(uint64_t seen) {
    for (;;) {
      for (int spin = 0; spin < kSpins && generation_.load(std::memory_order_acquire) == seen && !stop_.load();
           ++spin) {
        cpu_relax();
      }
      if (generation_.load(std::memory_order_acquire) == seen) {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stop_.load() || generation_.load() != seen; });
      }
      if (stop_.load()) return;
      seen = generation_.load(std::memory_order_acquire);
      drain();
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lock(mutex_);  // the caller may be about to wait: wake it under the lock
        done_.notify_one();
      }
    }
  }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_.store(true);
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  std::mutex call_mutex_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::vector<std::thread> workers_;
  const std::function<void(int64_t)>* fn_ = nullptr;
  int64_t tasks_ = 0;
  std::atomic<int64_t> next_{0};
  std::atomic<int> pending_{0};
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> stop_{false};
};

Pool& pool() {
  static Pool instance;
  static std::once_flag once;
  std::call_once(once, [] {
    unsigned hw = std::thread::hardware_concurrency();
    instance.resize(static_cast<int>(std::max(1u, hw)));
  });
  return instance;
}

}  // namespace

void parallel_for(int64_t tasks, const std::function<void(int64_t)>& fn) { pool().run(tasks, fn); }

void parallel_for_work(int64_t work, int64_t tasks, const std::function<void(int64_t)>& fn) {
  constexpr int64_t kMinParallelWork = int64_t(1) << 18;
  if (work < kMinParallelWork) {
    for (int64_t i = 0; i < tasks; ++i) fn(i);
    return;
  }
  pool().run(tasks, fn);
}
int num_threads() { return pool().size(); }
void set_num_threads(int n) {
  // re-creating the workers would also drop their packing buffers: only resize on a real change
  if (std::max(1, n) != pool().size()) pool().resize(std::max(1, n));
}

}  // namespace edgewise

extern "C" int ew_set_num_threads(int n) noexcept {
  if (n < 1) return EW_INVALID_ARGUMENT;
  try {
    edgewise::set_num_threads(n);
    return EW_OK;
  } catch (...) {
    return EW_INTERNAL;
  }
}

extern "C" int ew_get_num_threads() noexcept {
  try {
    return edgewise::num_threads();
  } catch (...) {
    return 1;
  }
}

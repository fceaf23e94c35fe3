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
    stop_ = false;
    // workers join the next parallel region, not the last one; no region can start while call_mutex_ is held
    const uint64_t current = generation_;
    for (int i = 1; i < n; ++i) workers_.emplace_back([this, current] { work(current); });
  }

  void run(int64_t tasks, const std::function<void(int64_t)>& fn) {
    std::lock_guard<std::mutex> call(call_mutex_);  // one parallel region at a time
    if (workers_.empty() || tasks <= 1) {
      for (int64_t i = 0; i < tasks; ++i) fn(i);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      fn_ = &fn;
      tasks_ = tasks;
      next_.store(0);
      pending_ = static_cast<int>(workers_.size());
      ++generation_;
    }
    wake_.notify_all();
    drain();
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return pending_ == 0; });
    fn_ = nullptr;
  }

 private:
  void drain() {
    for (int64_t i = next_.fetch_add(1); i < tasks_; i = next_.fetch_add(1)) (*fn_)(i);
  }

  void work(uint64_t seen) {
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
      }
      drain();
      std::lock_guard<std::mutex> lock(mutex_);
      if (--pending_ == 0) done_.notify_one();
    }
  }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
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
  int pending_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
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

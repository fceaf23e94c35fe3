#include "thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "edgewise/edgewise.h"

namespace edgewise {
namespace {

// Workers spin briefly on the region counter before sleeping, as ONNX Runtime's pool does: the many short
// regions of one inference then start without a futex wake-up each (tens of microseconds otherwise).
// Briefly: ~90 us idle, ~45 us for the caller waiting on a task a worker holds (PAUSE is ~22 ns on Zen 5). With
// 30000 each (660 us) a JVM thread that woke up (the JIT compiler, GC) on a 2-core machine left a spinning thread
// holding a core while the thread it waited for sat descheduled: MobileNetV2's convolutions at 2 threads took
// 3.6 ms instead of 1.9 for seconds at a time, and 8 ms instead of 5 with an ONNX Runtime session beside them.
inline void cpu_relax(int spin) {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#endif
  // now and then give the core away: when the thread with the work shares this CPU (a host that took the other
  // vCPU away), a spinner that never yields burns the time slice the work needs
  if ((spin & 31) == 31) std::this_thread::yield();
}
constexpr int kSpins = 4000;
constexpr int kWaitSpins = 2000;

// After the PAUSE spins a worker keeps polling with sched_yield for this long since its last region before it sleeps
// (EDGEWISE_SPIN_MS overrides it; 0: sleep right after the spins), as ONNX Runtime's pool spins 20-30 ms after a run
// and OpenMP runtimes for KMP_BLOCKTIME. A worker asleep when a run starts costs far more than a futex wake on a VM:
// its vCPU went idle and the host let it go. SqueezeNet at 2 threads with 10 ms between runs took 3.1 ms a run
// (1.6 back to back, ONNX Runtime 1.7-1.9 either way); polling 20 ms, 1.6-1.7. A yield gives the core to any thread
// that wants it (the JIT, GC, another process), which PAUSE alone did not (see cpu_relax).
std::chrono::nanoseconds idle_poll() {
  static const std::chrono::nanoseconds poll = [] {
    const char* ms = std::getenv("EDGEWISE_SPIN_MS");
    const long value = ms != nullptr ? std::strtol(ms, nullptr, 10) : 20;
    return std::chrono::milliseconds(std::max(0L, value));
  }();
  return poll;
}

// A region is published as one 64-bit word: generation (24 bits) | end (20) | start (20) of the unclaimed tasks.
// Workers and the caller claim tasks by compare-and-swap on that word, so a claim succeeds only for a task that exists in
// the region that is current: a worker that wakes late (descheduled on a busy machine) finds nothing to do instead
// of running stale work, and the caller waits for its tasks to be done, not for every worker to check in. The
// function and the done count live in one of two slots (by generation parity); a slot is rewritten only two regions
// later, which cannot start while a claimed task of this region is unfinished.
class Pool {
 public:
  ~Pool() { resize(1); }

  int size() { return size_.load(std::memory_order_acquire); }

  void resize(int n) {
    std::lock_guard<std::mutex> lock(call_mutex_);
    stop_workers();
    stop_.store(false);
    for (int i = 1; i < n; ++i) workers_.emplace_back([this] { work(); });
    size_.store(static_cast<int>(workers_.size()) + 1, std::memory_order_release);
  }

  void run(int64_t tasks, const std::function<void(int64_t)>& fn) {
    // A pool of one thread has nothing to share: each caller runs its region itself, without the call lock, so
    // several Java threads (the co-scheduler's 1-thread cpu groups) run their kernels side by side on their own
    // cores instead of taking turns. The kernels' scratch is thread_local, so concurrent callers never share it.
    if (tasks <= 1 || size() == 1) {
      for (int64_t i = 0; i < tasks; ++i) fn(i);
      return;
    }
    std::lock_guard<std::mutex> call(call_mutex_);  // one parallel region at a time
    if (workers_.empty()) {  // resized to one thread since the check above
      for (int64_t i = 0; i < tasks; ++i) fn(i);
      return;
    }
    // more tasks than the word can count: hand out batches of consecutive indices
    const int64_t batch = (tasks + kMaxTasks - 1) / kMaxTasks;
    const int64_t batches = (tasks + batch - 1) / batch;
    const std::function<void(int64_t)> batched = [&](int64_t b) {
      for (int64_t i = b * batch; i < std::min(tasks, (b + 1) * batch); ++i) fn(i);
    };
    generation_ = (generation_ + 1) & kGenerationMask;
    Slot& slot = slots_[generation_ & 1];
    slot.fn = batch == 1 ? &fn : &batched;
    slot.done.store(0, std::memory_order_relaxed);
    slot.tasks = batches;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      state_.store(generation_ << 40 | static_cast<uint64_t>(batches) << 20, std::memory_order_release);
    }
    wake_.notify_all();
    drain(size(), false);
    for (int spin = 0; spin < kWaitSpins && slot.done.load(std::memory_order_acquire) != batches; ++spin) {
      cpu_relax(spin);
    }
    if (slot.done.load(std::memory_order_acquire) != batches) {
      std::unique_lock<std::mutex> lock(mutex_);
      done_.wait(lock, [&] { return slot.done.load(std::memory_order_acquire) == batches; });
    }
  }

 private:
  static constexpr int64_t kMaxTasks = (int64_t(1) << 20) - 1;
  static constexpr uint64_t kGenerationMask = (uint64_t(1) << 24) - 1;

  // The claim word, each region's done count and what is read-only during a region sit on their own cache lines:
  // sharing one, every claim and every finished run invalidated the line the other core was reading.
  struct alignas(64) Slot {
    const std::function<void(int64_t)>* fn = nullptr;  // written before the region is published
    int64_t tasks = 0;                                  // likewise: the region's task (batch) count
    alignas(64) std::atomic<int64_t> done{0};
  };

  // Claims and runs tasks of the current region until none is left, a run of consecutive tasks per claim
  // (guided_claim): a claim and its done count are read-modify-writes of lines both cores write, and one per task
  // cost as much as the task when the tasks are short (see guided_claim). The caller claims from the front of the
  // range and the workers from the back, so at two threads the caller runs a region's first tasks and the worker its
  // last ones, in every region: the drivers order tasks so that consecutive layers' first tasks cover the same rows
  // (nchwc.cpp), and each core then reads what it wrote itself a layer before. MnasNet 0.5's convolutions at two
  // threads (a C++ driver, 400 passes, sum of per-layer 10th percentiles, load ~3): 1.33-1.52 ms, against
  // 1.51-1.73 with both claiming from the front.
  void drain(int64_t threads, bool from_back) {
    uint64_t s = state_.load(std::memory_order_acquire);
    for (;;) {
      const uint64_t hi = (s >> 20) & 0xfffff;
      const uint64_t lo = s & 0xfffff;
      if (lo >= hi) return;
      const uint64_t take = static_cast<uint64_t>(guided_claim(static_cast<int64_t>(hi - lo), threads));
      const uint64_t next = from_back ? s - (take << 20) : s + take;
      if (!state_.compare_exchange_weak(s, next, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
      const uint64_t index = from_back ? hi - take : lo;
      // the claimed tasks keep this region current until they are done, so its slot still holds this region
      Slot& slot = slots_[(s >> 40) & 1];
      for (uint64_t i = index; i < index + take; ++i) (*slot.fn)(static_cast<int64_t>(i));
      const int64_t claimed = static_cast<int64_t>(take);
      if (slot.done.fetch_add(claimed, std::memory_order_acq_rel) + claimed == slot.tasks) {
        std::lock_guard<std::mutex> lock(mutex_);  // the caller may be about to wait: wake it under the lock
        done_.notify_one();
      }
      s = state_.load(std::memory_order_acquire);
    }
  }

  void work() {
    uint64_t seen = state_.load(std::memory_order_acquire) >> 40;
    for (;;) {
      const auto idle = [&] { return (state_.load(std::memory_order_acquire) >> 40) == seen && !stop_.load(); };
      for (int spin = 0; spin < kSpins && idle(); ++spin) {
        cpu_relax(spin);
      }
      const auto until = std::chrono::steady_clock::now() + idle_poll();
      while (idle() && std::chrono::steady_clock::now() < until) {
        std::this_thread::yield();
      }
      if (idle()) {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stop_.load() || (state_.load() >> 40) != seen; });
      }
      if (stop_.load()) return;
      seen = state_.load(std::memory_order_acquire) >> 40;
      drain(size(), true);
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
  Slot slots_[2];
  uint64_t generation_ = 0;         // written under call_mutex_ only
  alignas(64) std::atomic<uint64_t> state_{0};  // generation << 40 | end of unclaimed tasks << 20 | start
  alignas(64) std::atomic<bool> stop_{false};
  std::atomic<int> size_{1};        // workers + the caller; read without the call lock
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

int64_t guided_claim(int64_t remaining, int64_t threads) {
  // Guided self-scheduling: a claim takes 1 / (2 * threads) of what is left, so the first claims are long runs
  // (few read-modify-writes of the shared claim word) and the last are single tasks (the threads finish within
  // one task of each other, and a thread that arrives late still finds work). MnasNet 0.5's pointwise convolutions
  // at 112x112 are 131 tasks of under a microsecond: claimed one by one they ran no faster on 2 threads than on 1.
  return std::max<int64_t>(1, remaining / (2 * std::max<int64_t>(1, threads)));
}

void parallel_for(int64_t tasks, const std::function<void(int64_t)>& fn) { pool().run(tasks, fn); }

void parallel_for_work(int64_t work, int64_t tasks, const std::function<void(int64_t)>& fn) {
  // ~64k float operations, a few microseconds: between the regions of one inference the workers are still
  // spinning, so sharing costs about a microsecond (with 1 << 18 SqueezeNet's global average pool, 170k floats,
  // ran alone: 20.6 us at 2 threads, 13 us shared)
  constexpr int64_t kMinParallelWork = int64_t(1) << 16;
  if (work < kMinParallelWork) {
    for (int64_t i = 0; i < tasks; ++i) fn(i);
    return;
  }
  // Contiguous runs of tasks, a few per thread: a claim is a compare-and-swap on a line both cores write, and one
  // per row (SqueezeNet's first max pool: 220 rows of 55 pixels) cost about as much as the rows at 2 threads.
  constexpr int64_t kRunsPerThread = 4;
  const int64_t runs = std::min<int64_t>(tasks, kRunsPerThread * pool().size());
  if (runs == tasks) {
    pool().run(tasks, fn);
    return;
  }
  pool().run(runs, [&](int64_t r) {
    for (int64_t i = r * tasks / runs; i < (r + 1) * tasks / runs; ++i) fn(i);
  });
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

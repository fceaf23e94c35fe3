// A fixed-size pool of worker threads for the native kernels: parallel_for(n, fn) runs fn(0..n-1) across the
// workers and the calling thread, and returns when all are done. One pool per process; its size is a session
// option (ew_set_num_threads). Calls from several Java threads at once are serialized, not interleaved, except with
// a pool of one thread: then each caller runs its own region at once, so threads run kernels side by side.
#ifndef EDGEWISE_THREAD_POOL_H
#define EDGEWISE_THREAD_POOL_H

#include <cstdint>
#include <functional>

namespace edgewise {

void parallel_for(int64_t tasks, const std::function<void(int64_t)>& fn);

// parallel_for when the region has enough work (about `work` float operations) to repay sharing it, else a plain
// loop on the calling thread; tasks are handed out in a few contiguous runs per thread.
void parallel_for_work(int64_t work, int64_t tasks, const std::function<void(int64_t)>& fn);
// How many consecutive tasks one claim of a region takes when `remaining` are left to `threads` threads (at least 1).
int64_t guided_claim(int64_t remaining, int64_t threads);
int num_threads();
void set_num_threads(int n);

}  // namespace edgewise

#endif

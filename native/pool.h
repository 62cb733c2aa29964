// Persistent worker pool shared by every kernel. Workers spin briefly on a generation counter
// before sleeping, because a wake-up through the OS costs 20-40 us: far more than a decode-time
// GEMV. The calling thread always takes part (as thread 0), so a pool of N threads has N-1
// workers. Size: LMLAB_THREADS, else the number of cores.
// Not reentrant: a task must not call parallel_* itself (kernels never nest).
#pragma once
#include <cstdint>
#include <functional>

namespace lmlab {

int pool_threads();

// Calls fn(thread_index, thread_count) once on each of `threads` threads (<= pool_threads()).
void run_on_threads(int threads, const std::function<void(int, int)>& fn);

// Splits [0, n) into contiguous chunks of at least `grain` items, one chunk per thread, and
// calls fn(begin, end) for each non-empty chunk.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

// Dynamic scheduling for uneven tasks (e.g. causal attention blocks): tasks [0, n) are handed
// out one at a time through an atomic counter; fn(task, thread_index).
void parallel_tasks(int64_t n, const std::function<void(int64_t, int)>& fn);

}  // namespace lmlab

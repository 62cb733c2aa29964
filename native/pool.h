// Persistent worker pool shared by every kernel. Waiting is a bounded spin, then a futex sleep
// (a wake-up through the OS costs 20-40 us: far more than a decode-time GEMV). The calling
// thread always takes part (as slot 0), so a pool of N threads has N-1 workers. Regions whose
// slots need no thread of their own (parallel_for, parallel_tasks, run_slots) let the caller run
// the slots no worker has claimed yet, so a descheduled worker does not stall the caller when
// the machine is oversubscribed. Size: LMLAB_THREADS, else the number of cores. Spin budgets:
// LMLAB_POOL_WORKER_SPIN_US and LMLAB_POOL_CALLER_SPIN_US (default 2000 each: shorter
// budgets let a caller sleep while its worker is still finishing, which cost GEMM ~40%).
// Not reentrant: a task must not call parallel_* itself (kernels never nest).
#pragma once
#include <cstdint>
#include <functional>

namespace lmlab {

int pool_threads();

// Calls fn(thread_index, thread_count) once for each index < `threads` (<= pool_threads()),
// each index on a thread of its own: per-thread state (thread_local) is safe.
void run_on_threads(int threads, const std::function<void(int, int)>& fn);

// Like run_on_threads, but two slots may run one after the other on the same thread (never at
// the same time): use it when fn keeps no per-thread state beyond one call, to be resilient to
// descheduled workers.
void run_slots(int slots, const std::function<void(int, int)>& fn);

// Splits [0, n) into contiguous chunks of at least `grain` items, one chunk per slot, and
// calls fn(begin, end) for each non-empty chunk (slots may share a thread).
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

// Dynamic scheduling for uneven tasks (e.g. causal attention blocks): tasks [0, n) are handed
// out one at a time through an atomic counter; fn(task, slot_index). Slots may share a thread
// one after the other, so per-slot scratch indexed by slot_index is safe, thread_local is not.
void parallel_tasks(int64_t n, const std::function<void(int64_t, int)>& fn);

}  // namespace lmlab

// The persistent thread pool (see pool.h for the contract).
//
// A parallel region has `active` slots, slot 0 always run by the caller; the other slots are
// claimed by whichever worker comes first (one CAS on a word holding the region's generation,
// its slot count, whether slots may share a thread, and the next free slot). In a region whose
// slots may share a thread (parallel_for, parallel_tasks, run_slots), the caller claims and runs
// the slots no worker has taken yet: when the machine is oversubscribed and a worker is
// descheduled, the caller does the work instead of waiting for the worker to be scheduled again,
// and then waits only for slots a worker has actually started. A worker that wakes up late finds
// no slot left and goes back to waiting without touching the region. In run_on_threads regions
// every slot runs on a thread of its own (kernels keep per-thread state there), so the caller
// can only wait.
//
// Waiting on both sides is a bounded spin (a wake-up through the OS costs 20-40 us, far more
// than a decode-time GEMV, and regions follow each other within microseconds) and then a futex
// sleep, so that an idle pool, or a caller blocked on a descheduled worker, gives its core away.
#include "pool.h"

#include <atomic>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define LMLAB_PAUSE() _mm_pause()
#else
#define LMLAB_PAUSE() ((void)0)
#endif
#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace lmlab {
namespace {

// Sleeps while *word == expected (spurious returns allowed: callers re-check in a loop).
void futex_wait(std::atomic<uint32_t>& word, uint32_t expected) {
#if defined(__linux__)
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr, 0);
#else
  (void)word;
  (void)expected;
  std::this_thread::yield();
#endif
}

void futex_wake(std::atomic<uint32_t>& word, int count) {
#if defined(__linux__)
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAKE_PRIVATE, count, nullptr, nullptr, 0);
#else
  (void)word;
  (void)count;
#endif
}

// Spins (with PAUSE) until done() or about `micros` have passed; true when done() held.
template <class Done>
bool spin_until(const Done& done, int64_t micros) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(micros);
  for (;;) {
    for (int i = 0; i < 64; i++) {
      if (done()) return true;
      LMLAB_PAUSE();
    }
    if (std::chrono::steady_clock::now() >= deadline) return done();
  }
}

int64_t env_micros(const char* name, int64_t fallback) {
  const char* text = std::getenv(name);
  if (!text) return fallback;
  long long value = std::atoll(text);
  return value >= 0 && value <= 1000000 ? value : fallback;
}

constexpr uint64_t kSlotMask = 0xffff;   // bits 0-15: next free slot
constexpr int kActiveShift = 16;         // bits 16-30: slot count
constexpr uint64_t kSharedBit = 1u << 31; // bit 31: slots may share a thread
// bits 32-63: generation

class Pool {
 public:
  Pool() {
    int n = static_cast<int>(std::thread::hardware_concurrency());
    if (const char* env = std::getenv("LMLAB_THREADS")) {
      int requested = std::atoi(env);
      if (requested > 0) n = requested;
    }
    if (n < 1) n = 1;
    if (n > 256) n = 256;
    threads_ = n;
    worker_spin_us_ = env_micros("LMLAB_POOL_WORKER_SPIN_US", 2000);
    caller_spin_us_ = env_micros("LMLAB_POOL_CALLER_SPIN_US", 2000);
    for (int i = 1; i < n; i++) workers_.emplace_back([this] { Loop(); });
  }

  ~Pool() {
    stopping_.store(true, std::memory_order_seq_cst);
    epoch_.fetch_add(1, std::memory_order_seq_cst);
    futex_wake(epoch_, INT_MAX);
    for (auto& t : workers_) t.join();
  }

  int threads() const { return threads_; }

  // shared: slots may run one after another on the same thread (the caller helps).
  void Run(int active, bool shared, const std::function<void(int, int)>& fn) {
    if (active > threads_) active = threads_;
    if (active <= 1) {
      fn(0, 1);
      return;
    }
    std::lock_guard<std::mutex> run_lock(run_mutex_);  // one parallel region at a time
    job_ = &fn;
    done_.store(0, std::memory_order_relaxed);
    generation_++;
    // slot 0 is the caller's; workers claim from 1
    state_.store((generation_ << 32) | (shared ? kSharedBit : 0) | (uint64_t(active) << kActiveShift) | 1,
                 std::memory_order_release);
    epoch_.fetch_add(1, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) > 0) futex_wake(epoch_, INT_MAX);

    fn(0, active);
    uint32_t ran_here = 0;  // extra slots the caller ran because no worker had claimed them
    for (int slot; shared && (slot = Claim()) >= 0;) {
      fn(slot, active);
      ran_here++;
    }
    // wait for the slots workers took (in a shared region every slot is claimed by now)
    const uint32_t target = uint32_t(active - 1) - ran_here;
    auto finished = [&] { return done_.load(std::memory_order_acquire) == target; };
    if (!spin_until(finished, caller_spin_us_)) {
      caller_waiting_.store(1, std::memory_order_seq_cst);
      for (uint32_t d; (d = done_.load(std::memory_order_seq_cst)) != target;) futex_wait(done_, d);
      caller_waiting_.store(0, std::memory_order_relaxed);
    }
    job_ = nullptr;
  }

 private:
  // Claims the next free slot of the current region; -1 when none is left.
  int Claim() {
    uint64_t s = state_.load(std::memory_order_acquire);
    for (;;) {
      const uint64_t slot = s & kSlotMask;
      const uint64_t active = (s >> kActiveShift) & 0x7fff;
      if (slot >= active) return -1;
      if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
        return static_cast<int>(slot);
      }
    }
  }

  void Loop() {
    // Not epoch_.load(): a worker thread may start only after the first region was published,
    // and must not take that region's epoch for one it has already served.
    uint32_t seen = 0;
    for (;;) {
      auto changed = [&] { return epoch_.load(std::memory_order_acquire) != seen; };
      if (!spin_until(changed, worker_spin_us_)) {
        sleepers_.fetch_add(1, std::memory_order_seq_cst);
        while (epoch_.load(std::memory_order_seq_cst) == seen) futex_wait(epoch_, seen);
        sleepers_.fetch_sub(1, std::memory_order_seq_cst);
      }
      seen = epoch_.load(std::memory_order_acquire);
      if (stopping_.load(std::memory_order_acquire)) return;
      for (int slot; (slot = Claim()) >= 0;) {
        // A successful claim holds the region open (the caller waits for it), so job_ and the
        // state's slot count and flag are those of the region the slot belongs to.
        const uint64_t s = state_.load(std::memory_order_acquire);
        (*job_)(slot, static_cast<int>((s >> kActiveShift) & 0x7fff));
        done_.fetch_add(1, std::memory_order_seq_cst);
        if (caller_waiting_.load(std::memory_order_seq_cst)) futex_wake(done_, 1);
        if (!(s & kSharedBit)) break;  // one slot per thread in a run_on_threads region
      }
    }
  }

  int threads_ = 1;
  int64_t worker_spin_us_ = 2000;
  int64_t caller_spin_us_ = 2000;
  std::vector<std::thread> workers_;
  std::mutex run_mutex_;
  uint64_t generation_ = 0;  // written by the caller only, under run_mutex_
  // generation, shared flag, slot count, next free slot (see kSlotMask)
  std::atomic<uint64_t> state_{0};
  std::atomic<uint32_t> epoch_{0};  // bumped per region: what sleeping workers wait on
  std::atomic<uint32_t> done_{0};   // slots finished by workers in the current region
  std::atomic<uint32_t> caller_waiting_{0};
  std::atomic<int> sleepers_{0};
  std::atomic<bool> stopping_{false};
  const std::function<void(int, int)>* job_ = nullptr;
};

Pool& pool() {
  static Pool instance;
  return instance;
}

}  // namespace

int pool_threads() { return pool().threads(); }

void run_on_threads(int threads, const std::function<void(int, int)>& fn) { pool().Run(threads, false, fn); }

void run_slots(int slots, const std::function<void(int, int)>& fn) { pool().Run(slots, true, fn); }

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  int64_t max_chunks = (n + grain - 1) / grain;
  int threads = pool_threads();
  if (max_chunks < threads) threads = static_cast<int>(max_chunks);
  if (threads <= 1) {
    fn(0, n);
    return;
  }
  pool().Run(threads, true, [&](int t, int count) {
    int64_t begin = n * t / count;
    int64_t end = n * (t + 1) / count;
    if (begin < end) fn(begin, end);
  });
}

void parallel_tasks(int64_t n, const std::function<void(int64_t, int)>& fn) {
  if (n <= 0) return;
  int threads = pool_threads();
  if (n < threads) threads = static_cast<int>(n);
  if (threads <= 1) {
    for (int64_t i = 0; i < n; i++) fn(i, 0);
    return;
  }
  std::atomic<int64_t> next{0};
  pool().Run(threads, true, [&](int t, int) {
    for (int64_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i, t);
  });
}

}  // namespace lmlab

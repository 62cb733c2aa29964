// The persistent thread pool (see pool.h for why it spins before sleeping).
#include "pool.h"

#include <atomic>
#include <condition_variable>
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

namespace lmlab {
namespace {

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
    for (int i = 1; i < n; i++) workers_.emplace_back([this, i] { Loop(i); });
  }

  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
  }

  int threads() const { return threads_; }

  void Run(int active, const std::function<void(int, int)>& fn) {
    if (active > threads_) active = threads_;
    if (active <= 1) {
      fn(0, 1);
      return;
    }
    std::lock_guard<std::mutex> run_lock(run_mutex_);  // one parallel region at a time
    job_ = &fn;
    active_ = active;
    // Every worker acknowledges every region (idle ones without running it), so no worker can
    // lag a generation behind and mistake the next region's job for the one it woke up for.
    pending_.store(threads_ - 1, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    fn(0, active);
    while (pending_.load(std::memory_order_acquire) != 0) LMLAB_PAUSE();
    job_ = nullptr;
  }

 private:
  void Loop(int index) {
    uint64_t seen = 0;
    for (;;) {
      // Spin for a short while: most parallel regions follow each other within microseconds.
      uint64_t gen = generation_.load(std::memory_order_acquire);
      for (int spin = 0; gen == seen && spin < 20000; spin++) {
        LMLAB_PAUSE();
        gen = generation_.load(std::memory_order_acquire);
      }
      if (gen == seen) {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
        gen = generation_.load(std::memory_order_acquire);
      }
      seen = gen;
      if (stopping_) return;
      if (index < active_) (*job_)(index, active_);
      pending_.fetch_sub(1, std::memory_order_acq_rel);
    }
  }

  int threads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::mutex run_mutex_;
  std::condition_variable wake_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  const std::function<void(int, int)>* job_ = nullptr;
  int active_ = 0;
  bool stopping_ = false;
};

Pool& pool() {
  static Pool instance;
  return instance;
}

}  // namespace

int pool_threads() { return pool().threads(); }

void run_on_threads(int threads, const std::function<void(int, int)>& fn) { pool().Run(threads, fn); }

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
  pool().Run(threads, [&](int t, int count) {
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
  pool().Run(threads, [&](int t, int) {
    for (int64_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i, t);
  });
}

}  // namespace lmlab

#include "autodiff/parallel.h"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "autodiff/blas.h"

namespace ad::detail {
namespace {

// BLAS single-threaded for the duration of a parallel region.
struct SerialBlas {
  int saved = blas::num_threads();
  SerialBlas() { blas::set_num_threads(1); }
  ~SerialBlas() { blas::set_num_threads(saved); }
};

// Workers 1 .. T-1; the caller is thread 0. A job is published under the mutex with a new generation number;
// each worker runs its range once per generation and counts itself done.
class Workers {
 public:
  static Workers& get() {
    static Workers w;
    return w;
  }

  void run(std::size_t n, int threads, void (*call)(void*, std::size_t, std::size_t, int), void* ctx) {
    std::unique_lock<std::mutex> lock(run_mu_);  // one parallel region at a time (callers on other threads wait)
    SerialBlas serial;                           // inside the lock: concurrent regions restore the right count
    grow(threads - 1);
    {
      std::lock_guard<std::mutex> g(mu_);
      n_ = n, threads_ = threads, call_ = call, ctx_ = ctx, pending_ = threads - 1, error_ = nullptr, flops_ = 0;
      ++generation_;
    }
    cv_.notify_all();
    std::exception_ptr mine;
    try {
      range(0);
    } catch (...) {
      mine = std::current_exception();
    }
    std::unique_lock<std::mutex> g(mu_);
    done_.wait(g, [&] { return pending_ == 0; });
    blas::count_flops(flops_);  // the workers' products count as the caller's (benchmarks read them)
    if (mine) std::rethrow_exception(mine);
    if (error_) std::rethrow_exception(error_);
  }

  ~Workers() {
    {
      std::lock_guard<std::mutex> g(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_list_) t.join();
  }

 private:
  void range(int t) {
    const std::size_t b = n_ * static_cast<std::size_t>(t) / static_cast<std::size_t>(threads_);
    const std::size_t e = n_ * static_cast<std::size_t>(t + 1) / static_cast<std::size_t>(threads_);
    call_(ctx_, b, e, t);
  }

  void grow(int workers) {
    while (static_cast<int>(threads_list_.size()) < workers) {
      const int id = static_cast<int>(threads_list_.size()) + 1;
      threads_list_.emplace_back([this, id] { loop(id); });
    }
  }

  void loop(int id) {
    std::size_t seen = 0;
    std::unique_lock<std::mutex> g(mu_);
    for (;;) {
      cv_.wait(g, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      if (id >= threads_) continue;  // not part of this call
      g.unlock();
      std::exception_ptr err;
      const double f0 = blas::flops_done();
      try {
        range(id);
      } catch (...) {
        err = std::current_exception();
      }
      const double flops = blas::flops_done() - f0;
      g.lock();
      flops_ += flops;
      if (err && !error_) error_ = err;
      if (--pending_ == 0) done_.notify_one();
    }
  }

  std::mutex run_mu_, mu_;
  std::condition_variable cv_, done_;
  std::vector<std::thread> threads_list_;
  std::size_t generation_ = 0, n_ = 0;
  int threads_ = 1, pending_ = 0;
  void (*call_)(void*, std::size_t, std::size_t, int) = nullptr;
  void* ctx_ = nullptr;
  std::exception_ptr error_;
  double flops_ = 0;
  bool stop_ = false;
};

thread_local bool t_in_region = false;

}  // namespace

int parallel_threads() { return t_in_region ? 1 : std::max(1, blas::num_threads()); }

void parallel_run(std::size_t n, void (*call)(void*, std::size_t, std::size_t, int), void* ctx) {
  const int threads = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(parallel_threads()), n));
  if (threads <= 1) return call(ctx, 0, n, 0);
  t_in_region = true;
  struct Reset {
    ~Reset() { t_in_region = false; }
  } reset;
  Workers::get().run(n, threads, call, ctx);
}

}  // namespace ad::detail

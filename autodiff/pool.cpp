#include "autodiff/pool.h"

#include <cstdlib>
#include <new>

namespace ad {
namespace {

constexpr std::size_t kMinClass = 4;   // 16 bytes (holds the free-list link)
constexpr std::size_t kNumClasses = 48;
// A thread keeps at most this many bytes in its free lists; beyond it blocks go back to the system.
constexpr std::size_t kMaxCachedBytes = std::size_t(2) << 30;

// Smallest c >= kMinClass with 2^c >= bytes.
std::size_t size_class(std::size_t bytes) {
  if (bytes <= (std::size_t(1) << kMinClass)) return kMinClass;
  return 64 - static_cast<std::size_t>(__builtin_clzll(static_cast<unsigned long long>(bytes - 1)));
}

// Free blocks of each size class form an intrusive singly linked list: the first word of a free block points to
// the next one, so taking and returning a block is two loads and a store.
struct ThreadPool {
  void* heads[kNumClasses] = {};
  std::size_t in_use = 0, cached = 0, os_allocs = 0;

  ~ThreadPool() { trim(); }
  void trim() {
    for (std::size_t c = 0; c < kNumClasses; ++c) {
      while (void* p = heads[c]) {
        heads[c] = *static_cast<void**>(p);
        std::free(p);
      }
    }
    cached = 0;
  }
};

// A trivially destructible thread-local pointer is read without the init-guard call a thread_local object with
// a destructor costs on every access (this is on the path of every op); the guard frees the pool at thread exit.
thread_local ThreadPool* t_pool = nullptr;
struct PoolGuard {
  ~PoolGuard() {
    delete t_pool;
    t_pool = nullptr;
  }
};
thread_local PoolGuard t_pool_guard;

ThreadPool& local_pool() {
  if (__builtin_expect(t_pool == nullptr, 0)) {
    (void)&t_pool_guard;
    t_pool = new ThreadPool;
  }
  return *t_pool;
}

}  // namespace

void* pool_alloc(std::size_t bytes) {
  if (bytes == 0) bytes = 1;
  const std::size_t c = size_class(bytes);
  const std::size_t block = std::size_t(1) << c;
  ThreadPool& tp = local_pool();
  tp.in_use += block;
  if (void* p = tp.heads[c]) {
    tp.heads[c] = *static_cast<void**>(p);
    tp.cached -= block;
    return p;
  }
  ++tp.os_allocs;
  void* p = block >= 64 ? std::aligned_alloc(64, block) : std::malloc(block);
  if (!p) throw std::bad_alloc();
  return p;
}

void pool_free(void* p, std::size_t bytes) noexcept {
  if (!p) return;
  if (!t_pool) {  // after this thread's pool was torn down (static destruction): give it straight back
    std::free(p);
    return;
  }
  if (bytes == 0) bytes = 1;
  const std::size_t c = size_class(bytes);
  const std::size_t block = std::size_t(1) << c;
  ThreadPool& tp = local_pool();
  tp.in_use -= block;
  if (tp.cached + block > kMaxCachedBytes) {
    std::free(p);
    return;
  }
  *static_cast<void**>(p) = tp.heads[c];
  tp.heads[c] = p;
  tp.cached += block;
}

PoolStats pool_stats() {
  const ThreadPool& tp = local_pool();
  return {tp.in_use, tp.cached, tp.os_allocs};
}

void pool_trim() { local_pool().trim(); }

}  // namespace ad

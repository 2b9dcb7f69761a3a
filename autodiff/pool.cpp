#include "autodiff/pool.h"

#include <cstdlib>
#include <new>
#include <vector>

namespace ad {
namespace {

constexpr std::size_t kMinClass = 4;   // 16 bytes
constexpr std::size_t kNumClasses = 48;
// A thread keeps at most this many bytes in its free lists; beyond it blocks go back to the system.
constexpr std::size_t kMaxCachedBytes = std::size_t(2) << 30;

std::size_t size_class(std::size_t bytes) {
  std::size_t c = kMinClass;
  while ((std::size_t(1) << c) < bytes) ++c;
  return c;
}

struct ThreadPool {
  std::vector<void*> free_lists[kNumClasses];
  std::size_t in_use = 0, cached = 0, os_allocs = 0;

  ~ThreadPool() { trim(); }
  void trim() {
    for (std::size_t c = 0; c < kNumClasses; ++c) {
      for (void* p : free_lists[c]) std::free(p);
      free_lists[c].clear();
    }
    cached = 0;
  }
};

ThreadPool& local_pool() {
  thread_local ThreadPool pool;
  return pool;
}

}  // namespace

void* pool_alloc(std::size_t bytes) {
  if (bytes == 0) bytes = 1;
  const std::size_t c = size_class(bytes);
  const std::size_t block = std::size_t(1) << c;
  ThreadPool& tp = local_pool();
  tp.in_use += block;
  auto& list = tp.free_lists[c];
  if (!list.empty()) {
    void* p = list.back();
    list.pop_back();
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
  if (bytes == 0) bytes = 1;
  const std::size_t c = size_class(bytes);
  const std::size_t block = std::size_t(1) << c;
  ThreadPool& tp = local_pool();
  tp.in_use -= block;
  if (tp.cached + block > kMaxCachedBytes) {
    std::free(p);
    return;
  }
  try {
    tp.free_lists[c].push_back(p);
    tp.cached += block;
  } catch (...) {
    std::free(p);
  }
}

PoolStats pool_stats() {
  const ThreadPool& tp = local_pool();
  return {tp.in_use, tp.cached, tp.os_allocs};
}

void pool_trim() { local_pool().trim(); }

}  // namespace ad

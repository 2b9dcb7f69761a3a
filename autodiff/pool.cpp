#include "autodiff/pool.h"

#include <cstdlib>
#include <new>

// Under AddressSanitizer a cached block is poisoned, and so is the slack between the bytes asked for and the block's
// size class: a read of a freed tensor's storage, or past the end of a live one, is then reported
// ("use-after-poison") as it would be with plain malloc/free. g++ defines __SANITIZE_ADDRESS__, clang has
// __has_feature(address_sanitizer); elsewhere the hooks compile to nothing.
#if defined(__SANITIZE_ADDRESS__)
#define AD_POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AD_POOL_ASAN 1
#endif
#endif
#ifdef AD_POOL_ASAN
#include <sanitizer/asan_interface.h>
#define AD_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define AD_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define AD_POISON(p, n) ((void)(p), (void)(n))
#define AD_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace ad {
namespace detail {
namespace {

using Heads = PoolHeads;
constexpr std::size_t kMaxCachedBytes = std::size_t(2) << 30;  // a thread keeps at most this much in its free lists

// Free blocks of each size class form an intrusive singly linked list: the first word of a free block points to
// the next one, so taking and returning a block is two loads and a store. (Under ASan the whole cached block is
// poisoned; the pool unpoisons the link word just around its own reads and writes.)
void* next_of(void* p) {
  AD_UNPOISON(p, sizeof(void*));
  void* next = *static_cast<void**>(p);
  AD_POISON(p, sizeof(void*));
  return next;
}

void trim(Heads& tp) {
  for (std::size_t c = 0; c < kNumClasses; ++c) {
    while (void* p = tp.heads[c]) {
      tp.heads[c] = next_of(p);
      AD_UNPOISON(p, class_bytes(c));
      std::free(p);
    }
  }
  tp.cached = 0;
}

// The thread's pool is reached through a trivially destructible thread-local pointer, read without the init-guard
// call that a thread_local object with a destructor costs on every access (pool_alloc and pool_free are on the
// path of every op); the guard frees the pool at thread exit.
struct PoolGuard {
  ~PoolGuard() {
    if (t_pool) trim(*t_pool);
    delete t_pool;
    t_pool = nullptr;
  }
};
thread_local PoolGuard t_pool_guard;

Heads& local_pool() {
  if (__builtin_expect(t_pool == nullptr, 0)) {
    (void)&t_pool_guard;
    t_pool = new Heads;
  }
  return *t_pool;
}

}  // namespace

void* pool_alloc_slow(std::size_t bytes) {
  if (bytes == 0) bytes = 1;
  const std::size_t c = size_class(bytes);
  const std::size_t block = class_bytes(c);
  Heads& tp = local_pool();
  tp.in_use += block;
  void* p = tp.heads[c];
  if (p) {
    tp.heads[c] = next_of(p);
    tp.cached -= block;
  } else {
    ++tp.os_allocs;
    // Every block 64-byte aligned, small ones too: BLAS kernels peel unaligned heads, so an address's alignment can
    // change a sum's order, and results must not depend on where malloc happened to put a block.
    p = std::aligned_alloc(64, (block + 63) / 64 * 64);
    if (!p) throw std::bad_alloc();
  }
  AD_UNPOISON(p, bytes);
  AD_POISON(static_cast<char*>(p) + bytes, block - bytes);  // the slack: an overrun is reported
  return p;
}

void pool_free_slow(void* p, std::size_t bytes) noexcept {
  if (!p) return;
  if (bytes == 0) bytes = 1;
  const std::size_t c = size_class(bytes);
  const std::size_t block = class_bytes(c);
  if (!t_pool) {  // after this thread's pool was torn down (static destruction): give it straight back
    AD_UNPOISON(p, block);
    std::free(p);
    return;
  }
  Heads& tp = *t_pool;
  tp.in_use -= block;
  if (tp.cached + block > kMaxCachedBytes) {
    AD_UNPOISON(p, block);
    std::free(p);
    return;
  }
  AD_UNPOISON(p, sizeof(void*));
  *static_cast<void**>(p) = tp.heads[c];
  AD_POISON(p, block);
  tp.heads[c] = p;
  tp.cached += block;
}

}  // namespace detail

PoolStats pool_stats() {
  const detail::PoolHeads& tp = detail::local_pool();
  return {tp.in_use, tp.cached, tp.os_allocs};
}

void pool_trim() { detail::trim(detail::local_pool()); }

}  // namespace ad

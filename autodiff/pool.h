// Memory pool for tensor storage and tape nodes.
//
// Training repeats the same allocations every step. Returning large blocks to the OS and faulting them back in
// costs ~12 us per 4 KiB page on these VMs (see STACK-NOTES), more than the GEMMs of a small network; small
// heap allocations cost 20-60 ns, more than a tiny elementwise op. So freed blocks are kept in per-thread free
// lists by size class and handed out again. Blocks freed by another thread join that thread's lists.
#pragma once
#include <cstddef>

namespace ad {

namespace detail {
// Size classes: 16 bytes (room for the free-list link), then two per power of two, 2^c and 3 2^(c-1): 24, 32, 48,
// 64, 96, 128, 192, 256, 384, ... A block wastes at most a third of itself, where powers of two alone waste up to
// half (a tensor with its node, 384 bytes, would take 512).
constexpr std::size_t kNumClasses = 96;
constexpr std::size_t class_bytes(std::size_t c) {
  return c == 0 ? 16 : (c % 2 == 0 ? std::size_t(1) << (c / 2 + 4) : std::size_t(3) << ((c + 1) / 2 + 2));
}
// The smallest class whose blocks hold `bytes`.
inline std::size_t size_class(std::size_t bytes) {
  if (bytes <= 16) return 0;
  const std::size_t c = 64 - static_cast<std::size_t>(__builtin_clzll(static_cast<unsigned long long>(bytes - 1)));
  return 2 * (c - 4) - (bytes <= (std::size_t(3) << (c - 2)) ? 1 : 0);  // 2^c >= bytes; 3 2^(c-2) is its 3/4
}

// The calling thread's free lists: heads[c] is the first free block of class c (each free block's first word points
// to the next). Allocation and release of a cached block are inline (they happen several times per op); everything
// else (the first allocation of a size, the cache limit, AddressSanitizer's poisoning) is out of line.
struct PoolHeads {
  void* heads[kNumClasses] = {};
  std::size_t bytes[kNumClasses] = {};  // class_bytes(c), looked up rather than computed on the hot path
  std::size_t in_use = 0, cached = 0, os_allocs = 0;
  PoolHeads() {
    for (std::size_t c = 0; c < kNumClasses; ++c) bytes[c] = class_bytes(c);
  }
};
inline thread_local PoolHeads* t_pool = nullptr;  // inline: no TLS init wrapper call per access (see tape.h)
void* pool_alloc_slow(std::size_t bytes);
void pool_free_slow(void* p, std::size_t bytes) noexcept;

#if defined(__SANITIZE_ADDRESS__)
#define AD_POOL_INLINE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AD_POOL_INLINE 0
#endif
#endif
#ifndef AD_POOL_INLINE
#define AD_POOL_INLINE 1  // under AddressSanitizer every block goes through the poisoning slow path
#endif
}  // namespace detail

// Returns a block of at least `bytes` bytes, aligned to 64 bytes (for SIMD, and so that results never depend on an
// address).
inline void* pool_alloc(std::size_t bytes) {
#if AD_POOL_INLINE
  detail::PoolHeads* tp = detail::t_pool;
  if (__builtin_expect(tp != nullptr && bytes != 0, 1)) {
    const std::size_t c = detail::size_class(bytes);
    if (void* p = tp->heads[c]) {
      tp->heads[c] = *static_cast<void**>(p);
      tp->in_use += tp->bytes[c];
      tp->cached -= tp->bytes[c];
      return p;
    }
  }
#endif
  return detail::pool_alloc_slow(bytes);
}

// Gives back a block obtained from pool_alloc with the same `bytes`.
inline void pool_free(void* p, std::size_t bytes) noexcept {
#if AD_POOL_INLINE
  detail::PoolHeads* tp = detail::t_pool;
  if (__builtin_expect(tp != nullptr && p != nullptr && bytes != 0, 1)) {
    const std::size_t c = detail::size_class(bytes);
    const std::size_t block = tp->bytes[c];
    if (__builtin_expect(tp->cached + block <= (std::size_t(2) << 30), 1)) {  // the cache limit: see pool.cpp
      *static_cast<void**>(p) = tp->heads[c];
      tp->heads[c] = p;
      tp->in_use -= block;
      tp->cached += block;
      return;
    }
  }
#endif
  detail::pool_free_slow(p, bytes);
}

struct PoolStats {
  std::size_t bytes_in_use;    // handed out and not yet returned (this thread)
  std::size_t bytes_cached;    // kept in free lists (this thread)
  std::size_t os_allocations;  // blocks obtained from the system allocator so far (this thread)
};
PoolStats pool_stats();
// Returns every cached block of this thread to the system allocator.
void pool_trim();

}  // namespace ad

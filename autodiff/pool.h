// Memory pool for tensor storage and tape nodes.
//
// Training repeats the same allocations every step. Returning large blocks to the OS and faulting them back in
// costs ~12 us per 4 KiB page on these VMs (see STACK-NOTES), more than the GEMMs of a small network; small
// heap allocations cost 20-60 ns, more than a tiny elementwise op. So freed blocks are kept in per-thread free
// lists by power-of-two size class and handed out again. Blocks freed by another thread join that thread's lists.
#pragma once
#include <cstddef>

namespace ad {

// Returns a block of at least `bytes` bytes, aligned to 64 bytes (for SIMD) when bytes >= 64.
void* pool_alloc(std::size_t bytes);
// Gives back a block obtained from pool_alloc with the same `bytes`.
void pool_free(void* p, std::size_t bytes) noexcept;

struct PoolStats {
  std::size_t bytes_in_use;    // handed out and not yet returned (this thread)
  std::size_t bytes_cached;    // kept in free lists (this thread)
  std::size_t os_allocations;  // blocks obtained from the system allocator so far (this thread)
};
PoolStats pool_stats();
// Returns every cached block of this thread to the system allocator.
void pool_trim();

}  // namespace ad

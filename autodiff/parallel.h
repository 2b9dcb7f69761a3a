// Data parallelism inside an op: parallel_for splits [0, n) into one contiguous range per thread and runs the
// ranges at once, the calling thread taking the first. The thread count is the library's, set with
// blas::set_num_threads (OpenBLAS's count, one setting for both). Inside the ranges, BLAS calls run single-threaded
// (each thread already has a core); the count is restored afterwards.
//
// Used where an op's work splits over independent images (conv2d's im2col + GEMM per image) and one image's GEMM is
// too small for OpenBLAS to split well. The partition is fixed by n and the thread count, so results do not depend
// on timing. The workers are created on first use and wait on a condition variable between calls (no spinning).
#pragma once
#include <cstddef>
#include <type_traits>

namespace ad::detail {

// The number of threads parallel_for uses (1: it runs in the caller).
int parallel_threads();

// f(begin, end, thread) for each thread's range; ranges are empty when n < threads. Rethrows the first exception
// of any range after all have finished.
template <class F>
void parallel_for(std::size_t n, F&& f);

// Implementation: a type-erased call without allocation.
void parallel_run(std::size_t n, void (*call)(void*, std::size_t, std::size_t, int), void* ctx);

template <class F>
void parallel_for(std::size_t n, F&& f) {
  parallel_run(
      n,
      [](void* ctx, std::size_t b, std::size_t e, int t) { (*static_cast<std::remove_reference_t<F>*>(ctx))(b, e, t); },
      const_cast<void*>(static_cast<const void*>(&f)));
}

}  // namespace ad::detail

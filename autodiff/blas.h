// Thin wrapper over CBLAS (OpenBLAS). Kept xtensor-free: <cblas.h> and xtensor-blas headers cannot be included
// in the same translation unit (conflicting declarations), so only blas.cpp includes <cblas.h>.
#pragma once
#include <cstddef>
#include <string>

namespace ad::blas {

// Row-major C (m x n) = alpha * op(A) op(B) + beta * C, op(X) = X or X^T; op(A) is m x k, op(B) is k x n.
// lda/ldb/ldc are the row lengths of A, B, C as stored. beta = 1 accumulates (used for gradients).
template <class T>
void gemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a, std::size_t lda,
          const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc);

// Floating-point operations (2 m n k each) of the products this thread has run through gemm: benchmarks read it
// around a step to report GFLOP/s.
double flops_done() noexcept;
// Adds to this thread's count the products other threads ran on its behalf (detail::parallel_for).
void count_flops(double flops) noexcept;

// The kernel family OpenBLAS selected for this CPU (e.g. "Haswell"); benchmarks print it.
std::string corename();
int num_threads();
void set_num_threads(int n);

}  // namespace ad::blas

#include "autodiff/blas.h"

#include <cblas.h>

#include <climits>
#include <cstring>

#include "autodiff/error.h"

namespace ad::blas {
namespace {

[[noreturn]] void too_large(std::size_t v) {
  throw ValueError("matmul: dimension " + std::to_string(v) + " exceeds the range of BLAS integers (2^31 - 1)");
}
inline int as_int(std::size_t v) {
  if (__builtin_expect(v > static_cast<std::size_t>(INT_MAX), 0)) too_large(v);
  return static_cast<int>(v);
}

// The CBLAS routines of one precision, so that one gemm body serves float and double.
template <class T>
struct Cblas;
template <>
struct Cblas<float> {
  static constexpr auto gemm = cblas_sgemm;
  static constexpr auto gemv = cblas_sgemv;
};
template <>
struct Cblas<double> {
  static constexpr auto gemm = cblas_dgemm;
  static constexpr auto gemv = cblas_dgemv;
};

// C = beta C, with beta = 0 writing zeros whatever C held (as BLAS does).
template <class T>
void scale(std::size_t m, std::size_t n, T beta, T* c, std::size_t ldc) {
  if (beta == T(1)) return;
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j) c[i * ldc + j] = beta == T(0) ? T(0) : beta * c[i * ldc + j];
}

}  // namespace

namespace {
thread_local double t_flops = 0;
}
double flops_done() noexcept { return t_flops; }
void count_flops(double flops) noexcept { t_flops += flops; }

// Products with a dimension of 1 (a layer with one output, a one-row batch, an outer product) do not go to gemm:
// OpenBLAS's gemm pays ~0.2-0.3 us of packing and set-up per call, several times the work of such a product, while
// gemv (or a plain loop for the outer product) runs it directly (PyTorch's addmm also dispatches these to gemv). Element (i, p) of op(A) is
// a[i lda + p], or a[p lda + i] when transposed; likewise for B.
template <class T>
void gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a, std::size_t lda,
          const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
  t_flops += 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  using B = Cblas<T>;
  if (m == 0 || n == 0) return;
  if (k == 0) return scale(m, n, beta, c, ldc);  // empty inner dimension: C = beta C
  // beta is applied here, not by gemv: outputs are often uninitialised memory with beta = 0, and whether a BLAS
  // scales by 0 or writes 0 (NaN * 0 is NaN) differs between versions.
  if (n == 1) {  // c (column, stride ldc) = alpha op(A) x + c, x = column of op(B)
    scale(m, n, beta, c, ldc);
    const int incx = tb ? 1 : as_int(ldb);
    if (ta)
      B::gemv(CblasRowMajor, CblasTrans, as_int(k), as_int(m), alpha, a, as_int(lda), b, incx, T(1), c, as_int(ldc));
    else
      B::gemv(CblasRowMajor, CblasNoTrans, as_int(m), as_int(k), alpha, a, as_int(lda), b, incx, T(1), c, as_int(ldc));
    return;
  }
  if (m == 1) {  // c (row) = alpha op(B)^T x + c, x = row of op(A)
    scale(m, n, beta, c, ldc);
    const int incx = ta ? as_int(lda) : 1;
    if (tb)
      B::gemv(CblasRowMajor, CblasNoTrans, as_int(n), as_int(k), alpha, b, as_int(ldb), a, incx, T(1), c, 1);
    else
      B::gemv(CblasRowMajor, CblasTrans, as_int(k), as_int(n), alpha, b, as_int(ldb), a, incx, T(1), c, 1);
    return;
  }
  if (k == 1) {  // C = beta C + alpha x y^T, x = the column op(A), y = the row op(B): a plain loop (OpenBLAS's
                 // ger costs as much as its gemm here)
    scale(m, n, beta, c, ldc);
    const std::size_t incx = ta ? 1 : lda, incy = tb ? ldb : 1;
    for (std::size_t i = 0; i < m; ++i) {
      const T xi = alpha * a[i * incx];
      T* __restrict ci = c + i * ldc;
      if (incy == 1)
        for (std::size_t j = 0; j < n; ++j) ci[j] += xi * b[j];
      else
        for (std::size_t j = 0; j < n; ++j) ci[j] += xi * b[j * incy];
    }
    return;
  }
  B::gemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, as_int(m), as_int(n),
          as_int(k), alpha, a, as_int(lda), b, as_int(ldb), beta, c, as_int(ldc));
}

template void gemm<float>(bool, bool, std::size_t, std::size_t, std::size_t, float, const float*, std::size_t,
                          const float*, std::size_t, float, float*, std::size_t);
template void gemm<double>(bool, bool, std::size_t, std::size_t, std::size_t, double, const double*, std::size_t,
                           const double*, std::size_t, double, double*, std::size_t);

std::string corename() {
  const char* s = openblas_get_corename();
  return s ? s : "unknown";
}
int num_threads() { return openblas_get_num_threads(); }
void set_num_threads(int n) { openblas_set_num_threads(n); }

}  // namespace ad::blas

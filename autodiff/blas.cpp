#include "autodiff/blas.h"

#include <cblas.h>

#include <climits>
#include <cstring>

#include "autodiff/error.h"

namespace ad::blas {
namespace {

[[noreturn]] void too_large(std::size_t v) {
  throw ValueError("gemm: dimension " + std::to_string(v) + " exceeds BLAS int range");
}
inline int as_int(std::size_t v) {
  if (__builtin_expect(v > static_cast<std::size_t>(INT_MAX), 0)) too_large(v);
  return static_cast<int>(v);
}

}  // namespace

template <>
void gemm<float>(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, float alpha, const float* a,
                 std::size_t lda, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // empty inner dimension: C = beta C
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j) c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
    return;
  }
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, as_int(m), as_int(n),
              as_int(k), alpha, a, as_int(lda), b, as_int(ldb), beta, c, as_int(ldc));
}

template <>
void gemm<double>(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, double alpha, const double* a,
                  std::size_t lda, const double* b, std::size_t ldb, double beta, double* c, std::size_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j) c[i * ldc + j] = beta == 0.0 ? 0.0 : beta * c[i * ldc + j];
    return;
  }
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, as_int(m), as_int(n),
              as_int(k), alpha, a, as_int(lda), b, as_int(ldb), beta, c, as_int(ldc));
}

std::string corename() {
  const char* s = openblas_get_corename();
  return s ? s : "unknown";
}
int num_threads() { return openblas_get_num_threads(); }
void set_num_threads(int n) { openblas_set_num_threads(n); }

}  // namespace ad::blas

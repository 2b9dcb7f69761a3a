// blas::gemm against the definition C = alpha op(A) op(B) + beta C, for every transpose combination and the shapes
// it routes to gemv/ger (a dimension of 1), with padded leading dimensions and beta 0 over NaN-filled outputs.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "autodiff/blas.h"

namespace {

template <class T>
void check_gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, T beta, std::mt19937& gen) {
  std::uniform_real_distribution<double> u(-1, 1);
  // Stored shapes: A is (m x k) or (k x m) when transposed; leading dimensions padded by 2 to catch stride mix-ups.
  const std::size_t ar = ta ? k : m, ac = ta ? m : k, br = tb ? n : k, bc = tb ? k : n;
  const std::size_t lda = ac + 2, ldb = bc + 2, ldc = n + 2;
  std::vector<T> a(ar * lda), b(br * ldb), c(m * ldc);
  for (T& v : a) v = static_cast<T>(u(gen));
  for (T& v : b) v = static_cast<T>(u(gen));
  for (T& v : c) v = beta == T(0) ? std::numeric_limits<T>::quiet_NaN() : static_cast<T>(u(gen));
  const std::vector<T> c0 = c;
  const T alpha = static_cast<T>(0.75);
  ad::blas::gemm<T>(ta, tb, m, n, k, alpha, a.data(), lda, b.data(), ldb, beta, c.data(), ldc);
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      double dot = 0;
      for (std::size_t p = 0; p < k; ++p)
        dot += static_cast<double>(ta ? a[p * lda + i] : a[i * lda + p]) * (tb ? b[j * ldb + p] : b[p * ldb + j]);
      const double want = alpha * dot + (beta == T(0) ? 0.0 : beta * static_cast<double>(c0[i * ldc + j]));
      CAPTURE(ta);
      CAPTURE(tb);
      CAPTURE(m);
      CAPTURE(n);
      CAPTURE(k);
      CAPTURE(beta);
      REQUIRE(std::abs(c[i * ldc + j] - want) <= 1e-5 * (1 + std::abs(want)));
    }
  // The padding between rows of C is never written.
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = n; j < ldc; ++j)
      REQUIRE((std::isnan(c0[i * ldc + j]) ? std::isnan(c[i * ldc + j]) : c[i * ldc + j] == c0[i * ldc + j]));
}

}  // namespace

TEST_CASE("blas: gemm equals the definition for all transposes, unit dimensions (gemv/ger paths) and beta 0/1/0.5") {
  std::mt19937 gen(5);
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      for (std::size_t m : {1, 2, 5})
        for (std::size_t n : {1, 3, 4})
          for (std::size_t k : {0, 1, 2, 7})
            for (double beta : {0.0, 1.0, 0.5}) {
              check_gemm<float>(ta, tb, m, n, k, static_cast<float>(beta), gen);
              check_gemm<double>(ta, tb, m, n, k, beta, gen);
            }
}

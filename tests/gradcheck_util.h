// Helpers for gradient-checking ops over random shapes (double precision).
#pragma once
#include <doctest/doctest.h>

#include <functional>
#include <random>
#include <string>
#include <vector>

#include "autodiff/autodiff.h"

namespace ad::testing {

inline std::mt19937_64& rng() {
  static std::mt19937_64 g(20261123);
  return g;
}

inline std::size_t rand_int(std::size_t lo, std::size_t hi) {  // inclusive
  return std::uniform_int_distribution<std::size_t>(lo, hi)(rng());
}

// A random shape of rank in [min_rank, max_rank], each dimension in [1, 4], with size-1 dimensions common.
inline Shape random_shape(std::size_t min_rank = 0, std::size_t max_rank = 3) {
  Shape s;
  const std::size_t r = rand_int(min_rank, max_rank);
  for (std::size_t i = 0; i < r; ++i) s.push_back(rand_int(0, 3) == 0 ? 1 : rand_int(1, 4));
  return s;
}

// A shape that broadcasts with s: some leading axes dropped, some axes set to 1.
inline Shape broadcast_partner(const Shape& s) {
  const std::size_t drop = rand_int(0, s.rank());
  Shape p;
  for (std::size_t i = drop; i < s.rank(); ++i) p.push_back(rand_int(0, 2) == 0 ? 1 : s[i]);
  return p;
}

// Values uniform in [lo, hi], kept at least `margin` away from each point in `avoid` (kinks of relu, abs, ...).
inline TensorD random_input(const Shape& s, double lo, double hi, std::vector<double> avoid = {},
                            double margin = 0.02) {
  TensorD t = TensorD::uniform(s, lo, hi);
  double* p = t.mutable_data();
  for (std::size_t i = 0; i < t.numel(); ++i)
    for (double a : avoid)
      if (std::abs(p[i] - a) < margin) p[i] = a + (p[i] < a ? -margin : margin);
  t.requires_grad_(true);
  return t;
}

using Fn = std::function<TensorD(const std::vector<TensorD>&)>;

// The recorded backward (each node's backward_graph, used by ad::grad and create_graph) gives the same first-order
// gradient as the fast one (backward()), to rounding.
inline void expect_same_first_order(const Fn& f, const std::vector<TensorD>& inputs, const std::string& what) {
  std::vector<TensorD> wanted;
  for (const auto& x : inputs)
    if (x.requires_grad()) wanted.push_back(x);
  const TensorD y = f(inputs);
  if (!y.requires_grad()) return;
  const TensorD v = TensorD::randn(y.shape());
  for (auto& x : wanted) x.zero_grad(true);
  y.backward(v, /*retain_graph=*/true);
  const std::vector<TensorD> g = grad<double>({y}, wanted, {v}, GradOptions{true, false, true});
  INFO(what << ": backward_graph against backward");
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    const TensorD fast = wanted[i].grad();
    REQUIRE(fast.defined() == g[i].defined());
    if (!fast.defined()) continue;
    REQUIRE(fast.shape() == g[i].shape());
    for (std::size_t e = 0; e < fast.numel(); ++e)
      CHECK(std::abs(fast.data()[e] - g[i].data()[e]) <= 1e-12 * (1 + std::abs(fast.data()[e])));
    wanted[i].zero_grad(true);
  }
}

// Whether this call of expect_gradcheck also runs gradgradcheck: always in a normal build (the Release suite checks
// every op to second order on every random shape); in the AddressSanitizer build, which runs the same suite about 4x
// slower and is there to find memory errors, on one call in four (every op still runs its double backward there, on
// fewer shapes), which keeps .ci/run within its time budget.
inline bool second_order_this_call() {
#if defined(__SANITIZE_ADDRESS__)
  static unsigned calls = 0;
  return calls++ % 4 == 0;
#else
  return true;
#endif
}

// gradcheck, and unless first_order_only: the recorded backward against the fast one, and gradgradcheck (every op
// is differentiable to second order).
inline void expect_gradcheck(const Fn& f, const std::vector<TensorD>& inputs, const std::string& what,
                             bool first_order_only = false) {
  GradcheckResult r = gradcheck<double>(f, inputs);
  std::string shapes;
  for (const auto& x : inputs) shapes += x.shape().str() + " ";
  INFO(what << " with input shapes " << shapes);
  CHECK_MESSAGE(r.ok, r.report);
  CHECK(r.checked > 0);
  if (first_order_only) return;
  expect_same_first_order(f, inputs, what);
  if (!second_order_this_call()) return;
  GradcheckResult r2 = gradgradcheck<double>(f, inputs);
  CHECK_MESSAGE(r2.ok, r2.report);
}

}  // namespace ad::testing

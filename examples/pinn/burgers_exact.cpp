#include "examples/pinn/burgers_exact.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

namespace pinn {

namespace {

// Number of eigenvalues below x of the n x n Jacobi matrix of the Hermite polynomials (zero diagonal, off-diagonal
// b_k = sqrt(k / 2)): the negative pivots of the LDL^T factorisation of J - x I (Sturm's theorem).
std::size_t eigenvalues_below(double x, std::size_t n) {
  std::size_t count = 0;
  double q = -x;
  for (std::size_t k = 0;;) {
    if (q < 0) ++count;
    if (++k == n) break;
    // A zero pivot is perturbed to a tiny one of the same side, which changes no count.
    if (q == 0) q = -std::numeric_limits<double>::min();
    q = -x - 0.5 * static_cast<double>(k) / q;  // b_k² / q_{k-1}
  }
  return count;
}

// p_n(z) / p_n'(z) and log |p_{n-1}(z)| for the polynomials orthonormal under e^{-z²}:
//   p_0 = pi^{-1/4},  p_k = z sqrt(2/k) p_{k-1} - sqrt((k-1)/k) p_{k-2},  p_n' = sqrt(2n) p_{n-1}.
// p_k grows like e^{z²/2}, past the largest double for z beyond ~37 (n beyond ~700), so the pair is rescaled
// by 2^-600 whenever it grows large and the scale is kept as a logarithm.
struct HermiteAtNode {
  double newton_step;
  double log_abs_p_prev;
};

HermiteAtNode orthonormal_hermite(double z, std::size_t n) {
  const double big = std::ldexp(1.0, 600), log_big = 600 * std::log(2.0);
  double p_prev = 0, p = 1, log_scale = -0.25 * std::log(kPi);
  for (std::size_t k = 1; k <= n; ++k) {
    const double kd = static_cast<double>(k);
    const double next = z * std::sqrt(2 / kd) * p - std::sqrt((kd - 1) / kd) * p_prev;
    p_prev = p;
    p = next;
    if (std::abs(p) > big) {
      p /= big;
      p_prev /= big;
      log_scale += log_big;
    }
  }
  return {p / (std::sqrt(2.0 * static_cast<double>(n)) * p_prev), std::log(std::abs(p_prev)) + log_scale};
}

// The quadrature sums of the Cole–Hopf formula at (t, x), t > 0, with eta = c z, c = sqrt(4 nu t), y_i = x - c z_i:
//   D = Σ w_i e^{-a cos(pi y_i)},  N = Σ w_i e^{-a cos(pi y_i)} sin(pi y_i),  a = 1 / (2 pi nu),
// and, for the derivative, N_x = Σ w_i e^{-a cos(pi y_i)} (a pi sin²(pi y_i) + pi cos(pi y_i)) (D_x = a pi N).
// Every term is scaled by the same e^{-m}, m the largest exponent log w_i - a cos(pi y_i), which cancels in the
// ratios; the largest term is then 1 and the terms far below it (outer nodes, underflowed weights) vanish harmlessly.
struct Sums {
  double d = 0, n = 0, n_x = 0;
};

Sums cole_hopf_sums(const GaussHermiteRule& rule, double nu, double t, double x, bool with_derivative) {
  const std::size_t n = rule.nodes.size();
  const double c = std::sqrt(4 * nu * t), a = 1 / (2 * kPi * nu);
  std::vector<double> exponent(n), sine(n), cosine(n);
  double m = -std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < n; ++i) {
    const double y = kPi * (x - c * rule.nodes[i]);
    sine[i] = std::sin(y);
    cosine[i] = std::cos(y);
    exponent[i] = rule.log_weights[i] - a * cosine[i];
    m = std::max(m, exponent[i]);
  }
  Sums s;
  for (std::size_t i = 0; i < n; ++i) {
    const double e = std::exp(exponent[i] - m);
    s.d += e;
    s.n += e * sine[i];
    if (with_derivative) s.n_x += e * kPi * (a * sine[i] * sine[i] + cosine[i]);
  }
  return s;
}

double evaluate(const GaussHermiteRule& rule, double nu, double t, double x) {
  if (!(t >= 0)) throw std::invalid_argument("burgers_exact: t must be >= 0, got " + std::to_string(t));
  if (t == 0) return -std::sin(kPi * x);
  const Sums s = cole_hopf_sums(rule, nu, t, x, false);
  return -s.n / s.d;
}

const GaussHermiteRule& default_rule() {
  static const GaussHermiteRule rule = gauss_hermite(BurgersExact::kDefaultNodes);
  return rule;
}

}  // namespace

GaussHermiteRule gauss_hermite(std::size_t n) {
  if (n == 0) throw std::invalid_argument("gauss_hermite: needs at least one node");
  GaussHermiteRule rule;
  rule.nodes.assign(n, 0.0);
  rule.log_weights.assign(n, 0.0);
  // The nodes are symmetric: compute those >= 0, indices n/2 .. n-1 in ascending order (the middle one of an odd n
  // is exactly 0), and mirror them. Gershgorin bounds every eigenvalue by max_k (b_k + b_{k+1}) <= sqrt(2 (n - 1)).
  const double bound = std::sqrt(2.0 * static_cast<double>(n)) + 1;
  double lo = 0;
  for (std::size_t i = n / 2; i < n; ++i) {
    double z = 0;
    if (!(n % 2 == 1 && i == n / 2)) {
      // Bisection for the i-th smallest eigenvalue (index from 0) on [previous node, bound] to full precision ...
      double hi = bound;
      while (true) {
        const double mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi) break;
        (eigenvalues_below(mid, n) > i ? hi : lo) = mid;
      }
      z = 0.5 * (lo + hi);
      // ... then Newton on p_n, whose rounding is relative to the node rather than to the matrix norm.
      for (int it = 0; it < 3; ++it) {
        const double step = orthonormal_hermite(z, n).newton_step;
        z -= step;
        if (std::abs(step) <= 1e-16 * std::abs(z)) break;
      }
      lo = z;
    }
    // w = 1 / Σ_{k<n} p_k(z)² = 1 / (n p_{n-1}(z)²) at a node (Christoffel–Darboux).
    const double log_w = -std::log(static_cast<double>(n)) - 2 * orthonormal_hermite(z, n).log_abs_p_prev;
    rule.nodes[i] = z;
    rule.nodes[n - 1 - i] = -z;
    rule.log_weights[i] = rule.log_weights[n - 1 - i] = log_w;
  }
  rule.weights.resize(n);
  for (std::size_t i = 0; i < n; ++i) rule.weights[i] = std::exp(rule.log_weights[i]);
  return rule;
}

BurgersExact::BurgersExact(double nu, std::size_t nodes) : nu_(nu), rule_(gauss_hermite(nodes)) {
  if (!(nu > 0)) throw std::invalid_argument("BurgersExact: nu must be > 0, got " + std::to_string(nu));
}

double BurgersExact::operator()(double t, double x) const { return evaluate(rule_, nu_, t, x); }

double BurgersExact::dx(double t, double x) const {
  if (!(t >= 0)) throw std::invalid_argument("BurgersExact::dx: t must be >= 0, got " + std::to_string(t));
  if (t == 0) return -kPi * std::cos(kPi * x);
  // u = -N / D and D_x = N / (2 nu), so u_x = -N_x / D + (N / D)(D_x / D) = -N_x / D + u² / (2 nu).
  const Sums s = cole_hopf_sums(rule_, nu_, t, x, true);
  const double u = -s.n / s.d;
  return -s.n_x / s.d + u * u / (2 * nu_);
}

double burgers_exact(double t, double x, double nu) {
  if (!(nu > 0)) throw std::invalid_argument("burgers_exact: nu must be > 0, got " + std::to_string(nu));
  return evaluate(default_rule(), nu, t, x);
}

BurgersGrid burgers_exact_grid(std::vector<double> t, std::vector<double> x, double nu) {
  BurgersGrid grid;
  grid.t = std::move(t);
  grid.x = std::move(x);
  grid.u.resize(grid.t.size() * grid.x.size());
  for (std::size_t i = 0; i < grid.t.size(); ++i)
    for (std::size_t j = 0; j < grid.x.size(); ++j)
      grid.u[i * grid.x.size() + j] = burgers_exact(grid.t[i], grid.x[j], nu);
  return grid;
}

BurgersGrid burgers_exact_grid(std::size_t nt, std::size_t nx, double t_end, double nu) {
  if (nt < 2 || nx < 2) throw std::invalid_argument("burgers_exact_grid: needs nt >= 2 and nx >= 2");
  std::vector<double> t(nt), x(nx);
  for (std::size_t i = 0; i < nt; ++i) t[i] = t_end * static_cast<double>(i) / static_cast<double>(nt - 1);
  // (2j - (nx - 1)) / (nx - 1): exact endpoints and x_j = -x_{nx-1-j} to the last bit.
  for (std::size_t j = 0; j < nx; ++j)
    x[j] = (2 * static_cast<double>(j) - static_cast<double>(nx - 1)) / static_cast<double>(nx - 1);
  return burgers_exact_grid(std::move(t), std::move(x), nu);
}

}  // namespace pinn

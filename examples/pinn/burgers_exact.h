// The exact solution of the viscous Burgers equation of the physics-informed-network benchmark (Raissi, Perdikaris
// & Karniadakis 2017; Basdevant et al. 1986, "Spectral and finite difference solutions of the Burgers equation"):
//
//   u_t + u u_x - nu u_xx = 0,   x in [-1, 1], t in [0, 1],   u(0, x) = -sin(pi x),   u(t, -1) = u(t, 1) = 0,
//   nu = 0.01 / pi.
//
// The Cole–Hopf transformation u = -2 nu phi_x / phi turns it into the heat equation phi_t = nu phi_xx with
// phi(0, y) = f(y) = exp(-cos(pi y) / (2 pi nu)); convolving f with the heat kernel and differentiating gives
//
//   u(t, x) = - ∫ sin(pi (x - eta)) f(x - eta) e^{-eta² / (4 nu t)} d eta / ∫ f(x - eta) e^{-eta² / (4 nu t)} d eta
//
// over the whole line (f is 2-periodic and even about ±1, so u is odd about 0 and zero at ±1). With
// eta = sqrt(4 nu t) z both integrals take the form ∫ e^{-z²} g(z) dz, evaluated with an n-node Gauss–Hermite rule.
// f spans e^{±1/(2 pi nu)} = e^{±50}: the terms are formed as logarithms and scaled by the largest, so nothing
// overflows, and what underflows is below the last bit of the sums.
//
// Accuracy, measured by convergence in the node count (max |u_n - u_1000| over t = 0.005, 0.010, ..., 1 and
// x = 801 points of [-1, 1] plus 401 points of [-0.05, 0.05] across the shock; the worst points are all at the shock,
// t near 1):  n = 40: 3e-5, 50: 2e-7, 60: 1e-9, 70: 1e-11, 80: 1e-13, 90 and more: 7e-15 (rounding). u_x to 2e-12
// relative from n = 90 on. The default, 150 nodes, has the same 7e-15 also for t up to 2 (where 120 nodes give 5e-13)
// and for nu = 0.005/pi, t <= 1 (which needs 100 nodes for 1e-13); smaller viscosities need more nodes: check by
// convergence. The maximum slope, |u_x(t, 0)| = 152.0051616 at t = 1.603688/pi, matches the published
// 152.00516 at t = 1.6037/pi (tests/test_burgers_exact.cpp).
#pragma once
#include <cstddef>
#include <vector>

namespace pinn {

constexpr double kPi = 3.14159265358979323846;
constexpr double kBurgersNu = 0.01 / kPi;  // the benchmark's viscosity

// The n-node Gauss–Hermite rule: ∫ e^{-z²} g(z) dz ≈ Σ_i w_i g(z_i), exact for polynomials of degree <= 2n - 1.
// Nodes ascending and symmetric (z_i = -z_{n-1-i}); Σ w_i = sqrt(pi). The outer weights fall like e^{-z²}, below
// the smallest double from n = 389 on, so their logarithms are kept too, finite for every node; `weights` holds
// exp(log_weights), 0 where that underflows.
struct GaussHermiteRule {
  std::vector<double> nodes;
  std::vector<double> weights;
  std::vector<double> log_weights;
};

// The rule for n >= 1 nodes, in O(n²) work. The nodes are the eigenvalues of the Jacobi matrix of the Hermite
// polynomials (symmetric tridiagonal, zero diagonal, off-diagonal sqrt(k/2); Golub–Welsch), found by Sturm-sequence
// bisection and polished by Newton's method on the orthonormal three-term recurrence, which also gives the weights
// w_i = 1 / (n p_{n-1}(z_i)²) (Christoffel–Darboux; p_k orthonormal under e^{-z²}, rescaled as the recurrence runs
// so nothing overflows for any n).
GaussHermiteRule gauss_hermite(std::size_t n);

// u(t, x) and u_x(t, x) by the Cole–Hopf formula with a Gauss–Hermite rule computed once, for one viscosity.
// Evaluations are const and may run concurrently.
class BurgersExact {
 public:
  static constexpr std::size_t kDefaultNodes = 150;

  explicit BurgersExact(double nu = kBurgersNu, std::size_t nodes = kDefaultNodes);

  // u(t, x) for t >= 0; t = 0 returns the initial condition -sin(pi x) itself.
  double operator()(double t, double x) const;
  // u_x(t, x): the x-derivative of the same quadrature formula (not a finite difference).
  double dx(double t, double x) const;

  double nu() const { return nu_; }
  const GaussHermiteRule& rule() const { return rule_; }

 private:
  double nu_;
  GaussHermiteRule rule_;
};

// u(t, x) with the default 150-node rule (computed on first use; thread-safe). Throws std::invalid_argument for
// t < 0 or nu <= 0.
double burgers_exact(double t, double x, double nu = kBurgersNu);

// u on a tensor-product grid, row-major in t: u[i * x.size() + j] = u(t[i], x[j]).
struct BurgersGrid {
  std::vector<double> t;
  std::vector<double> x;
  std::vector<double> u;
  double at(std::size_t i, std::size_t j) const { return u[i * x.size() + j]; }
};

BurgersGrid burgers_exact_grid(std::vector<double> t, std::vector<double> x, double nu = kBurgersNu);

// The evenly spaced grid t_i = t_end i / (nt - 1), x_j = -1 + 2 j / (nx - 1) (nt, nx >= 2). The defaults are the
// grid of Raissi et al.'s burgers_shock.mat: t = 0, 0.01, ..., 0.99 and x = linspace(-1, 1, 256).
BurgersGrid burgers_exact_grid(std::size_t nt = 100, std::size_t nx = 256, double t_end = 0.99, double nu = kBurgersNu);

}  // namespace pinn

// The exact Burgers solution of the physics-informed-network example (examples/pinn/burgers_exact.h): the
// Gauss–Hermite rule it rests on, the properties the solution must have (initial and boundary values, odd symmetry,
// the PDE itself), the published maximum slope, and agreement with the same Cole–Hopf integrals evaluated by a
// different quadrature.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "examples/pinn/burgers_exact.h"

using pinn::BurgersExact;
using pinn::kBurgersNu;
using pinn::kPi;

namespace {

// ∫ z^{2k} e^{-z²} dz over the line = Gamma(k + 1/2).
double even_moment(int k) { return std::tgamma(k + 0.5); }

double rule_sum(const pinn::GaussHermiteRule& r, double (*g)(double)) {
  double s = 0;
  for (std::size_t i = 0; i < r.nodes.size(); ++i) s += r.weights[i] * g(r.nodes[i]);
  return s;
}

// The Cole–Hopf quotient by the trapezoidal rule in eta on [-L, L], L = 14 sqrt(4 nu t), m intervals: an
// evaluation sharing nothing with the Gauss–Hermite path but the formula. The integrands are analytic and, after
// the shift by e^{-1/(2 pi nu)}, at most e^{-eta²/(4 nu t)}, so the cut-off tails are below e^{-196 + 100} of the
// integrals and the rule converges geometrically in m (Trefethen & Weideman, SIAM Review 2014).
double cole_hopf_trapezoid(double t, double x, int m) {
  const double a = 1 / (2 * kPi * kBurgersNu), s2 = 4 * kBurgersNu * t, L = 14 * std::sqrt(s2), h = 2 * L / m;
  double num = 0, den = 0;
  for (int k = 0; k <= m; ++k) {
    const double eta = -L + k * h, y = kPi * (x - eta);
    const double e = std::exp(-eta * eta / s2 - a * std::cos(y) - a) * (k == 0 || k == m ? 0.5 : 1.0);
    num += e * std::sin(y);
    den += e;
  }
  return -num / den;
}

}  // namespace

TEST_CASE("burgers_exact: small Gauss-Hermite rules have their closed forms") {
  const double sqrt_pi = std::sqrt(kPi);
  const pinn::GaussHermiteRule r1 = pinn::gauss_hermite(1);
  REQUIRE(r1.nodes.size() == 1);
  CHECK(r1.nodes[0] == 0.0);
  CHECK(r1.weights[0] == doctest::Approx(sqrt_pi).epsilon(1e-15));
  // n = 2: z = ±1/sqrt(2), w = sqrt(pi)/2;  n = 3: z = 0, ±sqrt(3/2), w = 2 sqrt(pi)/3, sqrt(pi)/6.
  const pinn::GaussHermiteRule r2 = pinn::gauss_hermite(2);
  CHECK(std::abs(r2.nodes[1] - std::sqrt(0.5)) < 1e-15);
  CHECK(r2.nodes[0] == -r2.nodes[1]);
  CHECK(std::abs(r2.weights[0] - sqrt_pi / 2) < 1e-15);
  const pinn::GaussHermiteRule r3 = pinn::gauss_hermite(3);
  CHECK(r3.nodes[1] == 0.0);
  CHECK(std::abs(r3.nodes[2] - std::sqrt(1.5)) < 1e-15);
  CHECK(std::abs(r3.weights[1] - 2 * sqrt_pi / 3) < 1e-15);
  CHECK(std::abs(r3.weights[2] - sqrt_pi / 6) < 1e-15);
  CHECK_THROWS_AS(pinn::gauss_hermite(0), std::invalid_argument);
}

TEST_CASE("burgers_exact: the Gauss-Hermite rule integrates polynomials up to degree 2n-1 exactly") {
  for (std::size_t n : {4, 10, 21, 40, 150}) {
    CAPTURE(n);
    const pinn::GaussHermiteRule r = pinn::gauss_hermite(n);
    REQUIRE(r.nodes.size() == n);
    REQUIRE(r.weights.size() == n);
    double total = 0;
    for (double w : r.weights) total += w;
    CHECK(std::abs(total - std::sqrt(kPi)) < 1e-14);
    for (std::size_t i = 0; i < n; ++i) {
      CHECK(r.nodes[i] == -r.nodes[n - 1 - i]);
      if (i > 0) CHECK(r.nodes[i] > r.nodes[i - 1]);
    }
    // x^{2k} up to degree 2n - 2 (and at most 60, beyond which z^{2k} outgrows a double at the outer nodes),
    // and x^{2k+1}, whose integral is 0.
    for (int k = 0; 2 * k <= static_cast<int>(2 * n - 2) && k <= 30; ++k) {
      double even = 0, odd = 0, scale = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const double p = r.weights[i] * std::pow(r.nodes[i], 2 * k);
        even += p;
        odd += p * r.nodes[i];
        scale += std::abs(p * r.nodes[i]);
      }
      CAPTURE(k);
      CHECK(std::abs(even / even_moment(k) - 1) < 1e-13);
      CHECK(std::abs(odd) <= 1e-15 * scale);
    }
    // Not a polynomial: ∫ cos(z) e^{-z²} dz = sqrt(pi) e^{-1/4}, to rounding once n is moderate.
    if (n >= 21)
      CHECK(std::abs(rule_sum(r, [](double z) { return std::cos(z); }) - std::sqrt(kPi) * std::exp(-0.25)) < 1e-14);
  }
}

TEST_CASE("burgers_exact: a 500-node Gauss-Hermite rule keeps finite log-weights where the weights underflow") {
  // The outer weights are near e^{-965}: the orthonormal recurrence is rescaled as it runs and the weights are kept
  // as logarithms.
  const std::size_t n = 500;
  const pinn::GaussHermiteRule r = pinn::gauss_hermite(n);
  CHECK(r.nodes.back() < std::sqrt(2.0 * n + 1));  // the largest zero of H_n lies below sqrt(2n + 1)
  CHECK(r.weights.front() == 0.0);                 // underflowed ...
  CHECK(std::isfinite(r.log_weights.front()));     // ... but its logarithm is there
  CHECK(r.log_weights.front() < -900);
  for (std::size_t i = 1; i < n / 2; ++i) CHECK(r.log_weights[i] > r.log_weights[i - 1]);  // rising to the middle
  double total = 0;
  for (double w : r.weights) total += w;
  CHECK(std::abs(total - std::sqrt(kPi)) < 1e-13);
  for (int k = 1; k <= 20; ++k) {
    double even = 0;
    for (std::size_t i = 0; i < n; ++i) even += r.weights[i] * std::pow(r.nodes[i], 2 * k);
    CHECK(std::abs(even / even_moment(k) - 1) < 1e-12);
  }
  CHECK(std::abs(rule_sum(r, [](double z) { return std::cos(z); }) - std::sqrt(kPi) * std::exp(-0.25)) < 1e-14);
}

TEST_CASE("burgers_exact: t = 0 is the initial condition and small t stays close to it") {
  for (double x = -1; x <= 1.0001; x += 0.125) {
    CAPTURE(x);
    CHECK(pinn::burgers_exact(0, x) == -std::sin(kPi * x));
    // |u(t, x) - u(0, x)| <= t max |u_t| = t max |nu u_xx - u u_x| <= t (pi + nu pi²) ~ 3.2e-9 at t = 1e-9.
    CHECK(std::abs(pinn::burgers_exact(1e-9, x) + std::sin(kPi * x)) < 4e-9);
    CHECK(std::abs(pinn::burgers_exact(1e-13, x) + std::sin(kPi * x)) < 1e-12);
  }
  CHECK_THROWS_AS(pinn::burgers_exact(-0.1, 0.3), std::invalid_argument);
  CHECK_THROWS_AS(pinn::burgers_exact(0.1, 0.3, 0.0), std::invalid_argument);
}

TEST_CASE("burgers_exact: u is zero at x = -1, 0, 1 and odd in x") {
  const BurgersExact u;
  for (double t : {0.001, 0.05, 0.2, 1 / kPi, 0.5, 0.75, 0.99, 1.0}) {
    CAPTURE(t);
    CHECK(std::abs(u(t, -1)) < 1e-13);
    CHECK(std::abs(u(t, 1)) < 1e-13);
    CHECK(std::abs(u(t, 0)) < 1e-15);
    for (double x : {1e-4, 0.003, 0.01, 0.1, 0.37, 0.8, 0.999}) {
      CAPTURE(x);
      CHECK(std::abs(u(t, -x) + u(t, x)) < 1e-14);
    }
  }
}

TEST_CASE("burgers_exact: the maximum slope at x = 0 is Basdevant et al.'s -152.00516 at t = 1.6037/pi") {
  // The published benchmark value (Basdevant et al. 1986, Computers & Fluids 14, p. 23): max over t of |u_x(t, 0)|
  // is 152.00516, reached at t = 1.6037/pi = 0.51047. (At t = 1/pi, when the inviscid solution would break, the
  // slope is only -34.226.) Ours: -152.0051616 at t = 1.603688/pi.
  const BurgersExact u;
  const double t_star = 1.6037 / kPi;
  const double slope = u.dx(t_star, 0);
  CHECK(std::abs(slope / -152.00516 - 1) < 1e-7);
  // The derivative of the quadrature formula agrees with a central difference of u (step 1e-5: truncation
  // h² u_xxx / 6 ~ 1e-10 · 152³ / 6 ~ 6e-5, rounding 1e-14 / 1e-5).
  const double h = 1e-5;
  CHECK(std::abs((u(t_star, h) - u(t_star, -h)) / (2 * h) / slope - 1) < 1e-6);
  // A maximum in t: steeper there than a little before and after.
  CHECK(std::abs(u.dx(t_star - 0.002, 0)) < std::abs(slope));
  CHECK(std::abs(u.dx(t_star + 0.002, 0)) < std::abs(slope));
  CHECK(std::abs(u.dx(1 / kPi, 0) + 34.226289) < 1e-5);
}

TEST_CASE("burgers_exact: agrees with the trapezoidal rule on the untransformed integrals") {
  const BurgersExact u;
  struct Point {
    double t, x;
  };
  // Smooth parts, the boundary layer at x = ±1, and the shock (x = 0.0065 at t = 1 converges slowest in n).
  for (const Point p : {Point{0.001, 0.3}, Point{0.05, 0.8}, Point{0.25, -0.4}, Point{1.6037 / kPi, 0.003},
                        Point{0.75, -0.02}, Point{0.99, -0.9995}, Point{1.0, 0.0065}, Point{1.0, -0.5}}) {
    CAPTURE(p.t);
    CAPTURE(p.x);
    const double coarse = cole_hopf_trapezoid(p.t, p.x, 1500), fine = cole_hopf_trapezoid(p.t, p.x, 3000);
    CHECK(std::abs(coarse - fine) < 1e-13);                               // the reference has converged
    CHECK(std::abs(u(p.t, p.x) - fine) < 1e-13);                          // measured: at most 3e-15
    CHECK(std::abs(pinn::burgers_exact(p.t, p.x) - u(p.t, p.x)) == 0.0);  // the free function: same rule
  }
}

TEST_CASE("burgers_exact: converges in the node count (40 nodes 3e-5 off at the shock, 90 and more to rounding)") {
  const BurgersExact u40(kBurgersNu, 40), u70(kBurgersNu, 70), u90(kBurgersNu, 90), u(kBurgersNu),
      u300(kBurgersNu, 300);
  double d40 = 0, d70 = 0, d90 = 0, d300 = 0;
  for (double t : {0.25, 0.5, 0.75, 0.93, 1.0})
    for (double x = -0.05; x <= 0.05; x += 0.0025) {
      const double ref = u(t, x);
      d40 = std::max(d40, std::abs(u40(t, x) - ref));
      d70 = std::max(d70, std::abs(u70(t, x) - ref));
      d90 = std::max(d90, std::abs(u90(t, x) - ref));
      d300 = std::max(d300, std::abs(u300(t, x) - ref));
    }
  CHECK(d40 > 1e-6);  // too few nodes are visibly off near the shock ...
  CHECK(d70 < 1e-10);
  CHECK(d90 < 1e-13);  // ... and from about 90 on the rule has converged
  CHECK(d300 < 1e-13);
}

TEST_CASE("burgers_exact: u solves u_t + u u_x = nu u_xx") {
  // u_x from the quadrature formula; u_t and u_xx by central differences of step 1e-6; the residual relative to the
  // size of the terms, which reach ~100 across the shock. A wrong constant in the transformation (the exponent
  // 1/(2 pi nu), the scale sqrt(4 nu t)) keeps the symmetries above but fails here.
  const BurgersExact u;
  const double nu = kBurgersNu;
  for (double t : {0.1, 0.4, 1.6037 / kPi, 0.8, 1.0})
    for (double x : {-0.9, -0.5, -0.1, -0.01, 0.003, 0.2, 0.7, 0.99}) {
      CAPTURE(t);
      CAPTURE(x);
      const double h = 1e-6;
      const double ut = (u(t + h, x) - u(t - h, x)) / (2 * h);
      const double ux = u.dx(t, x), uxx = (u.dx(t, x + h) - u.dx(t, x - h)) / (2 * h);
      const double v = u(t, x);
      const double residual = ut + v * ux - nu * uxx;
      const double scale = std::abs(ut) + std::abs(v * ux) + std::abs(nu * uxx);
      CHECK(std::abs(residual) < 1e-7 * scale + 1e-10);  // measured: at most 1.2e-8 relative, at the shock
    }
}

TEST_CASE("burgers_exact: the default grid is Raissi et al.'s 100 x 256 grid of burgers_shock.mat") {
  const pinn::BurgersGrid g = pinn::burgers_exact_grid();
  REQUIRE(g.t.size() == 100);
  REQUIRE(g.x.size() == 256);
  REQUIRE(g.u.size() == 100 * 256);
  CHECK(g.t.front() == 0.0);
  CHECK(std::abs(g.t[1] - 0.01) < 1e-16);
  CHECK(std::abs(g.t.back() - 0.99) < 1e-15);
  CHECK(g.x.front() == -1.0);
  CHECK(g.x.back() == 1.0);
  for (std::size_t j = 0; j < 256; ++j) {
    CHECK(g.x[j] == -g.x[255 - j]);
    CHECK(std::abs(g.x[j] - (-1 + 2.0 * j / 255)) < 1e-15);
    CHECK(g.at(0, j) == -std::sin(kPi * g.x[j]));
  }
  for (std::size_t i : {1, 37, 99})
    for (std::size_t j : {0, 100, 127, 128, 200, 255}) CHECK(g.at(i, j) == pinn::burgers_exact(g.t[i], g.x[j]));
  // Another grid, another viscosity, given explicitly.
  const pinn::BurgersGrid h = pinn::burgers_exact_grid({0.0, 0.5, 1.0}, {-0.5, 0.25}, 0.05);
  CHECK(h.u.size() == 6);
  CHECK(h.at(2, 1) == pinn::burgers_exact(1.0, 0.25, 0.05));
  CHECK_THROWS_AS(pinn::burgers_exact_grid(1, 10), std::invalid_argument);
}

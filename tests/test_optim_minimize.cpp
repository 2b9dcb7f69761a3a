// Every optimizer minimises two classic test functions, built from core ops and differentiated by backward():
//   Rosenbrock  f(x, y) = (1 − x)² + 100·(y − x²)²   from (−1.5, 2) to within 1e-3 of its minimum (1, 1):
//               a curved, flat-bottomed valley (Hessian eigenvalues ≈ 1000 and 0.4 at the minimum).
//   Quadratic   f(x, y) = ½·(50.5x² + 99xy + 50.5y²)  from (1, −2) to within 1e-6 of (0, 0): eigenvalues 100 and 1
//               along the diagonals, so the ill-conditioning is not aligned with the coordinates.
// Learning rates and step budgets are tuned per optimizer (each budget is about 1.3× the steps it needs). RMSprop,
// Adam and AdamW keep taking steps of about lr per coordinate near a minimum, so on Rosenbrock (and RMSprop on the
// quadratic) they run with an ExponentialLR decay, as one would in practice.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "autodiff/autodiff.h"
#include "optim/optim.h"

using namespace ad;

namespace {

using MakeOptimizer = std::function<std::unique_ptr<optim::Optimizer<double>>(std::vector<TensorD>)>;

enum class Problem { Rosenbrock, Quadratic };

TensorD objective(Problem problem, const TensorD& x, const TensorD& y) {
  if (problem == Problem::Rosenbrock) return (pow(1.0 - x, 2.0) + 100.0 * pow(y - pow(x, 2.0), 2.0)).sum();
  return (0.5 * (50.5 * x * x + 99.0 * x * y + 50.5 * y * y)).sum();
}

struct Run {
  double x, y;
  int steps_to_tolerance;  // first step after which the iterate stayed within tolerance, -1 if it did not end there
};

Run minimise(Problem problem, const MakeOptimizer& make, int steps, double gamma = 1.0) {
  const bool rosen = problem == Problem::Rosenbrock;
  TensorD x = TensorD::from({rosen ? -1.5 : 1.0}, true);
  TensorD y = TensorD::from({rosen ? 2.0 : -2.0}, true);
  const double target = rosen ? 1.0 : 0.0, tol = rosen ? 1e-3 : 1e-6;
  std::unique_ptr<optim::Optimizer<double>> opt = make({x, y});
  std::unique_ptr<optim::ExponentialLR<double>> schedule;
  if (gamma != 1.0) schedule = std::make_unique<optim::ExponentialLR<double>>(*opt, gamma);
  int entered = -1;
  for (int t = 1; t <= steps; ++t) {
    opt->zero_grad();
    objective(problem, x, y).backward();
    opt->step();
    if (schedule) schedule->step();
    const bool inside = std::abs(x.item() - target) < tol && std::abs(y.item() - target) < tol;
    if (!inside)
      entered = -1;
    else if (entered < 0)
      entered = t;
  }
  return {x.item(), y.item(), entered};
}

template <class Opt, class Options>
MakeOptimizer make(Options options) {
  return [options](std::vector<TensorD> params) { return std::make_unique<Opt>(std::move(params), options); };
}

struct Case {
  std::string name;
  MakeOptimizer make;
  int steps;
  double gamma;  // ExponentialLR factor per step, 1 = constant rate
};

void check_converges(Problem problem, const std::vector<Case>& cases) {
  const double target = problem == Problem::Rosenbrock ? 1.0 : 0.0;
  const double tol = problem == Problem::Rosenbrock ? 1e-3 : 1e-6;
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const Run r = minimise(problem, c.make, c.steps, c.gamma);
    CHECK(std::abs(r.x - target) < tol);
    CHECK(std::abs(r.y - target) < tol);
  }
}

using optim::MomentumKind;

}  // namespace

TEST_CASE("optim: every optimizer minimises the Rosenbrock function from (-1.5, 2) to within 1e-3 of (1, 1)") {
  using namespace optim;
  check_converges(Problem::Rosenbrock,
                  {
                      {"SGD", make<SGD<double>>(SGDOptions(1e-3)), 20000, 1.0},
                      {"SGD classic momentum", make<SGD<double>>(SGDOptions(5e-4).momentum(0.9)), 5000, 1.0},
                      {"SGD Nesterov", make<SGD<double>>(SGDOptions(5e-4).momentum(0.9).nesterov(true)), 5000, 1.0},
                      {"SGD convex momentum",
                       make<SGD<double>>(SGDOptions(1e-3).momentum(0.9).kind(MomentumKind::Convex)), 20000, 1.0},
                      {"Adagrad", make<Adagrad<double>>(AdagradOptions(1.0)), 15000, 1.0},
                      {"RMSprop", make<RMSprop<double>>(RMSpropOptions(1e-2)), 8000, 0.999},
                      {"Adam", make<Adam<double>>(AdamOptions(3e-2)), 4000, 0.9995},
                      {"AdamW", make<AdamW<double>>(AdamWOptions(3e-2).weight_decay(1e-4)), 4000, 0.9995},
                  });
}

TEST_CASE("optim: every optimizer minimises an ill-conditioned quadratic (condition number 100) to within 1e-6") {
  using namespace optim;
  check_converges(Problem::Quadratic,
                  {
                      {"SGD", make<SGD<double>>(SGDOptions(0.019)), 1000, 1.0},
                      {"SGD classic momentum", make<SGD<double>>(SGDOptions(0.03).momentum(0.67)), 200, 1.0},
                      {"SGD Nesterov", make<SGD<double>>(SGDOptions(0.01).momentum(0.9).nesterov(true)), 400, 1.0},
                      {"SGD convex momentum",
                       make<SGD<double>>(SGDOptions(0.019).momentum(0.9).kind(MomentumKind::Convex)), 1000, 1.0},
                      {"Adagrad", make<Adagrad<double>>(AdagradOptions(1.0)), 1500, 1.0},
                      {"RMSprop", make<RMSprop<double>>(RMSpropOptions(0.1)), 1500, 0.995},
                      {"Adam", make<Adam<double>>(AdamOptions(3e-2)), 2000, 1.0},
                      {"AdamW", make<AdamW<double>>(AdamWOptions(3e-2)), 2000, 1.0},
                  });
}

TEST_CASE("optim: heavy-ball momentum needs far fewer steps than plain descent on the ill-conditioned quadratic") {
  // Plain descent shrinks the error along the flat direction by 1 − lr·λ_min per step, with lr < 2/λ_max, so it
  // needs about κ = λ_max/λ_min = 100 times ln(1/tol) steps; tuned heavy-ball momentum needs about √κ times.
  const Run plain = minimise(Problem::Quadratic, make<optim::SGD<double>>(optim::SGDOptions(0.019)), 1000);
  const Run heavy =
      minimise(Problem::Quadratic, make<optim::SGD<double>>(optim::SGDOptions(0.03).momentum(0.67)), 1000);
  REQUIRE(plain.steps_to_tolerance > 0);
  REQUIRE(heavy.steps_to_tolerance > 0);
  CHECK(heavy.steps_to_tolerance * 3 < plain.steps_to_tolerance);
}

TEST_CASE("optim: float parameters train too (Adam<float> on the quadratic)") {
  Tensor x = Tensor::from({1.0f}, true), y = Tensor::from({-2.0f}, true);
  optim::Adam opt({x, y}, 3e-2);
  for (int t = 0; t < 2000; ++t) {
    opt.zero_grad();
    (0.5f * (50.5f * x * x + 99.0f * x * y + 50.5f * y * y)).sum().backward();
    opt.step();
  }
  CHECK(std::abs(x.item()) < 1e-4f);
  CHECK(std::abs(y.item()) < 1e-4f);
}

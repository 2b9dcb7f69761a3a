// Each optimizer's update rule against values derived by hand (in the comments) on one- or two-element
// parameters, in double precision. Two losses keep the arithmetic short:
//   quadratic  f(p) = ½·Σ p²   ->  g = p
//   linear     f(p) = Σ a·p    ->  g = a (constant)
#include <doctest/doctest.h>

#include <cmath>
#include <type_traits>
#include <vector>

#include "autodiff/autodiff.h"
#include "optim/optim.h"

using namespace ad;

namespace {

constexpr double kTol = 1e-12;

// One backward of f(p) = ½·Σ p² (g = p) after clearing the gradient.
void quadratic_grad(TensorD& p) {
  p.zero_grad();
  (pow(p, 2.0).sum() * 0.5).backward();
}

// One backward of f(p) = Σ a·p (g = a).
void linear_grad(TensorD& p, const TensorD& a) {
  p.zero_grad();
  (p * a).sum().backward();
}

void check_values(const TensorD& p, const std::vector<double>& expected) {
  REQUIRE(p.numel() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) CHECK(std::abs(p.data()[i] - expected[i]) <= kTol);
}

// The named tensor entry of a state dict (REQUIREs that it exists and is a float64 tensor).
TensorD entry(const StateDict& dict, const std::string& name) {
  REQUIRE_MESSAGE(dict.contains(name), "no entry " << name);
  return dict.tensor<double>(name, "test");
}

}  // namespace

TEST_CASE("optim: SGD without momentum is plain gradient descent p <- p - lr*g") {
  // lr 0.1, g = p: each step multiplies p by 0.9.
  TensorD p = TensorD::from({1.0, -2.0}, true);
  optim::SGD opt({p}, 0.1);
  static_assert(std::is_same_v<decltype(opt), optim::SGD<double>>);
  quadratic_grad(p);
  opt.step();
  check_values(p, {0.9, -1.8});
  quadratic_grad(p);
  opt.step();
  check_values(p, {0.81, -1.62});
  CHECK(opt.step_count(0) == 2);
  CHECK(opt.state_dict().size() == 2);  // "lr", "state.0.step": no momentum buffer
  CHECK(opt.state_dict().real("lr", "test") == 0.1);
  CHECK(opt.state_dict().integer("state.0.step", "test") == 2);
}

TEST_CASE("optim: SGD weight decay adds lambda*p to the gradient") {
  // lr 0.1, λ 0.5, g = p: p <- p - 0.1·(p + 0.5p) = 0.85·p.
  TensorD p = TensorD::from({1.0, -2.0}, true);
  optim::SGD opt({p}, optim::SGDOptions(0.1).weight_decay(0.5));
  quadratic_grad(p);
  opt.step();
  check_values(p, {0.85, -1.7});
  quadratic_grad(p);
  opt.step();
  check_values(p, {0.7225, -1.445});
}

TEST_CASE("optim: SGD classic momentum b <- mu*b + g, p <- p - lr*b") {
  // lr 0.1, μ 0.9, g = p, p0 = 1:
  //   t=1: g=1     b = 1                    p = 1 - 0.1     = 0.9
  //   t=2: g=0.9   b = 0.9·1 + 0.9 = 1.8     p = 0.9 - 0.18  = 0.72
  //   t=3: g=0.72  b = 0.9·1.8 + 0.72 = 2.34 p = 0.72 - 0.234 = 0.486
  TensorD p = TensorD::from({1.0}, true);
  optim::SGD opt({p}, optim::SGDOptions(0.1).momentum(0.9));
  const double expected_p[] = {0.9, 0.72, 0.486}, expected_b[] = {1.0, 1.8, 2.34};
  for (int t = 0; t < 3; ++t) {
    quadratic_grad(p);
    opt.step();
    check_values(p, {expected_p[t]});
    check_values(entry(opt.state_dict(), "state.0.momentum_buffer"), {expected_b[t]});
  }
}

TEST_CASE("optim: SGD Nesterov momentum p <- p - lr*(g + mu*b) (PyTorch formulation)") {
  // lr 0.1, μ 0.9, g = p, p0 = 1:
  //   t=1: g=1       b = 1                        p = 1 - 0.1·(1 + 0.9)           = 0.81
  //   t=2: g=0.81    b = 0.9 + 0.81 = 1.71         p = 0.81 - 0.1·(0.81 + 1.539)   = 0.5751
  //   t=3: g=0.5751  b = 1.539 + 0.5751 = 2.1141   p = 0.5751 - 0.1·(0.5751 + 1.90269) = 0.327321
  TensorD p = TensorD::from({1.0}, true);
  optim::SGD opt({p}, optim::SGDOptions(0.1).momentum(0.9).nesterov(true));
  const double expected[] = {0.81, 0.5751, 0.327321};
  for (double e : expected) {
    quadratic_grad(p);
    opt.step();
    check_values(p, {e});
  }
  check_values(entry(opt.state_dict(), "state.0.momentum_buffer"), {2.1141});
}

TEST_CASE("optim: SGD convex momentum dW <- (1-eta)*dW + eta*g with eta = 1 - momentum") {
  // The course's form with η = 0.7, i.e. momentum 0.3; lr 0.5, g = p, p0 = 1:
  //   t=1: b = 0.7·1 = 0.7                           p = 1 - 0.35       = 0.65
  //   t=2: b = 0.3·0.7 + 0.7·0.65 = 0.665            p = 0.65 - 0.3325  = 0.3175
  //   t=3: b = 0.3·0.665 + 0.7·0.3175 = 0.42175      p = 0.3175 - 0.210875 = 0.106625
  TensorD p = TensorD::from({1.0}, true);
  optim::SGD opt({p}, optim::SGDOptions(0.5).momentum(0.3).kind(optim::MomentumKind::Convex));
  const double expected[] = {0.65, 0.3175, 0.106625};
  for (double e : expected) {
    quadratic_grad(p);
    opt.step();
    check_values(p, {e});
  }
}

TEST_CASE("optim: SGD momentum with weight decay uses the decayed gradient in the buffer") {
  // lr 0.1, μ 0.9, λ 1, g = p, so d = 2p; p0 = 1:
  //   t=1: d = 2    b = 2               p = 1 - 0.2  = 0.8
  //   t=2: d = 1.6  b = 1.8 + 1.6 = 3.4  p = 0.8 - 0.34 = 0.46
  TensorD p = TensorD::from({1.0}, true);
  optim::SGD opt({p}, optim::SGDOptions(0.1).momentum(0.9).weight_decay(1.0));
  quadratic_grad(p);
  opt.step();
  check_values(p, {0.8});
  quadratic_grad(p);
  opt.step();
  check_values(p, {0.46});
}

TEST_CASE("optim: parameters without a gradient are skipped, with their state and step counter") {
  TensorD p = TensorD::from({1.0}, true);
  TensorD unused = TensorD::from({5.0}, true);
  optim::SGD opt({p, unused}, optim::SGDOptions(0.1).momentum(0.9));
  quadratic_grad(p);
  opt.zero_grad();  // set_to_none by default: `unused` never had a gradient, p loses its own
  CHECK_FALSE(p.grad().defined());
  quadratic_grad(p);
  opt.step();
  check_values(p, {0.9});
  check_values(unused, {5.0});
  CHECK(opt.step_count(0) == 1);
  CHECK(opt.step_count(1) == 0);
  check_values(entry(opt.state_dict(), "state.1.momentum_buffer"), {0.0});
  // zero_grad(false) keeps a zero gradient: the parameter is then stepped with g = 0 (only momentum moves it).
  opt.zero_grad(/*set_to_none=*/false);
  REQUIRE(p.grad().defined());
  opt.step();
  check_values(p, {0.9 - 0.1 * 0.9});  // b = 0.9·1 + 0 = 0.9
}

TEST_CASE("optim: Adagrad s <- s + g^2, p <- p - lr*g/(sqrt(s) + eps)") {
  // lr 0.1, ε 0, g = a = (3, -4) constant, p0 = (1, 1):
  //   t=1: s = (9, 16)   p = p0 - 0.1·(3/3, -4/4)        = (0.9, 1.1)
  //   t=2: s = (18, 32)  p = p1 - 0.1·(3/√18, -4/√32)    = (0.9 - 0.1/√2, 1.1 + 0.1/√2)
  TensorD p = TensorD::from({1.0, 1.0}, true);
  const TensorD a = TensorD::from({3.0, -4.0});
  optim::Adagrad opt({p}, optim::AdagradOptions(0.1).eps(0.0));
  linear_grad(p, a);
  opt.step();
  check_values(p, {0.9, 1.1});
  linear_grad(p, a);
  opt.step();
  check_values(p, {0.9 - 0.1 / std::sqrt(2.0), 1.1 + 0.1 / std::sqrt(2.0)});
  check_values(entry(opt.state_dict(), "state.0.sum"), {18.0, 32.0});
}

TEST_CASE("optim: Adagrad lr_decay, initial accumulator, weight decay and eps outside the root") {
  // lr 0.1, lr_decay 0.5, s0 = 1, λ 0.5, ε 0, g = 3 constant, p0 = 2:
  //   t=1: lr_1 = 0.1            d = 3 + 1 = 4         s = 1 + 16 = 17   p1 = 2 - 0.1·4/√17
  //   t=2: lr_2 = 0.1/1.5        d = 3 + 0.5·p1        s = 17 + d²       p2 = p1 - lr_2·d/√s
  TensorD p = TensorD::from({2.0}, true);
  const TensorD a = TensorD::from({3.0});
  optim::Adagrad opt(
      {p}, optim::AdagradOptions(0.1).lr_decay(0.5).initial_accumulator_value(1.0).weight_decay(0.5).eps(0.0));
  linear_grad(p, a);
  opt.step();
  const double p1 = 2.0 - 0.1 * 4.0 / std::sqrt(17.0);
  check_values(p, {p1});
  linear_grad(p, a);
  opt.step();
  const double d = 3.0 + 0.5 * p1;
  check_values(p, {p1 - (0.1 / 1.5) * d / std::sqrt(17.0 + d * d)});

  // ε = 1 added after the root: g = 1, s = 1, p = 1 - 0.1·1/(1 + 1) = 0.95 (ε inside the root would give 1/√2).
  TensorD q = TensorD::from({1.0}, true);
  optim::Adagrad opt2({q}, optim::AdagradOptions(0.1).eps(1.0));
  quadratic_grad(q);
  opt2.step();
  check_values(q, {0.95});
}

TEST_CASE("optim: AdagradMomentum G <- G + g^2, v <- mu*v + lr*g/(sqrt(G) + eps), p <- p - v") {
  // lr 0.1, μ 0.9, ε 0, g = a = (3, -4) constant, p0 = (1, 1). After t steps G = t·g², so g/√G = ±1/√t:
  //   t=1: G = (9, 16)    v1 = 0.1·(1, -1)                                  p = p0 - v1 = (0.9, 1.1)
  //   t=2: G = (18, 32)   v2 = 0.9·v1 + 0.1·(1, -1)/√2 = ±(0.09 + 0.1/√2)      p = p1 - v2
  //   t=3: G = (27, 48)   v3 = 0.9·v2 + 0.1·(1, -1)/√3 = ±(0.081 + 0.09/√2 + 0.1/√3)   p = p2 - v3
  TensorD p = TensorD::from({1.0, 1.0}, true);
  const TensorD a = TensorD::from({3.0, -4.0});
  optim::AdagradMomentum opt({p}, optim::AdagradMomentumOptions(0.1).momentum(0.9).eps(0.0));
  static_assert(std::is_same_v<decltype(opt), optim::AdagradMomentum<double>>);
  const double v1 = 0.1, v2 = 0.09 + 0.1 / std::sqrt(2.0), v3 = 0.081 + 0.09 / std::sqrt(2.0) + 0.1 / std::sqrt(3.0);
  const double expected_v[] = {v1, v2, v3};
  double moved = 0.0;
  for (int t = 0; t < 3; ++t) {
    linear_grad(p, a);
    opt.step();
    moved += expected_v[t];
    check_values(p, {1.0 - moved, 1.0 + moved});
    check_values(entry(opt.state_dict(), "state.0.momentum_buffer"), {expected_v[t], -expected_v[t]});
  }
  check_values(entry(opt.state_dict(), "state.0.sum"), {27.0, 48.0});
  CHECK(opt.step_count(0) == 3);
}

TEST_CASE("optim: AdagradMomentum weight decay enters G and v, and eps is added outside the root") {
  // lr 0.1, μ 0.5, λ 1, ε 1, g = p (so d = g + λp = 2p), p0 = 1:
  //   t=1: d = 2             G = 4            v1 = 0.1·2/(2 + 1) = 1/15          p1 = 14/15
  //   t=2: d = 2·p1          G = 4 + d²       v2 = 0.5·v1 + 0.1·d/(√G + 1)       p2 = p1 - v2
  //   t=3: d = 2·p2          G = G + d²       v3 = 0.5·v2 + 0.1·d/(√G + 1)       p3 = p2 - v3
  TensorD p = TensorD::from({1.0}, true);
  optim::AdagradMomentum opt({p}, optim::AdagradMomentumOptions(0.1).momentum(0.5).weight_decay(1.0).eps(1.0));
  double q = 1.0, G = 0.0, v = 0.0;
  for (int t = 0; t < 3; ++t) {
    const double d = 2.0 * q;
    G += d * d;
    v = 0.5 * v + 0.1 * d / (std::sqrt(G) + 1.0);
    q -= v;
    quadratic_grad(p);
    opt.step();
    check_values(p, {q});
    if (t == 0) check_values(p, {14.0 / 15.0});
  }
  check_values(entry(opt.state_dict(), "state.0.sum"), {G});
  check_values(entry(opt.state_dict(), "state.0.momentum_buffer"), {v});
}

TEST_CASE("optim: AdagradMomentum with momentum 0 is Adagrad (eps outside the root), with no momentum buffer") {
  // Hand rule, lr 0.1, ε 1, g = p, p0 = 1: G = 1, p1 = 1 - 0.1·1/(1 + 1) = 0.95 (ε inside the root: 1 - 0.1/√2).
  TensorD q = TensorD::from({1.0}, true);
  optim::AdagradMomentum opt1({q}, optim::AdagradMomentumOptions(0.1).momentum(0.0).eps(1.0));
  quadratic_grad(q);
  opt1.step();
  check_values(q, {0.95});
  CHECK(opt1.state_dict().size() == 3);  // "lr", "state.0.step", "state.0.sum"

  // Step for step, bit for bit the same as optim::Adagrad (lr_decay 0) with the same eps and weight decay.
  TensorD p = TensorD::from({1.0, -2.0, 0.5}, true), r = TensorD::from({1.0, -2.0, 0.5}, true);
  optim::AdagradMomentum am({p}, optim::AdagradMomentumOptions(0.1).momentum(0.0).eps(1e-8).weight_decay(0.25));
  optim::Adagrad ag({r}, optim::AdagradOptions(0.1).eps(1e-8).weight_decay(0.25));
  for (int t = 0; t < 5; ++t) {
    quadratic_grad(p);
    am.step();
    quadratic_grad(r);
    ag.step();
    CHECK(p.to_vector() == r.to_vector());
  }
  CHECK(entry(am.state_dict(), "state.0.sum").to_vector() == entry(ag.state_dict(), "state.0.sum").to_vector());
}

TEST_CASE("optim: AdagradMomentum defaults are lr 0.01, momentum 0.9, eps 1e-8, no weight decay") {
  const optim::AdagradMomentumOptions o;
  CHECK(o.lr() == 0.01);
  CHECK(o.momentum() == 0.9);
  CHECK(o.eps() == 1e-8);
  CHECK(o.weight_decay() == 0.0);
  CHECK(optim::AdagradMomentumOptions(0.5).momentum() == 0.9);
  Tensor w = Tensor::ones({2}, true);
  optim::AdagradMomentum opt({w});
  static_assert(std::is_same_v<decltype(opt), optim::AdagradMomentum<float>>);
  CHECK(opt.lr() == 0.01);
  CHECK(opt.name() == "AdagradMomentum");
}

TEST_CASE("optim: RMSprop v <- alpha*v + (1-alpha)*g^2, p <- p - lr*g/(sqrt(v) + eps)") {
  // lr 0.1, α 0.5, ε 0, g = a = 2 constant, p0 = 1:
  //   t=1: v = 0.5·4 = 2            p = 1 - 0.1·2/√2 = 1 - 0.1·√2
  //   t=2: v = 1 + 2 = 3            p = p1 - 0.1·2/√3
  TensorD p = TensorD::from({1.0}, true);
  const TensorD a = TensorD::from({2.0});
  optim::RMSprop opt({p}, optim::RMSpropOptions(0.1).alpha(0.5).eps(0.0));
  linear_grad(p, a);
  opt.step();
  const double p1 = 1.0 - 0.1 * std::sqrt(2.0);
  check_values(p, {p1});
  linear_grad(p, a);
  opt.step();
  check_values(p, {p1 - 0.2 / std::sqrt(3.0)});
  check_values(entry(opt.state_dict(), "state.0.square_avg"), {3.0});
}

TEST_CASE("optim: RMSprop centered divides by sqrt(v - m^2), momentum accumulates g/denominator") {
  // Centered, lr 0.1, α 0.5, ε 0, g = p, p0 = 1:
  //   t=1: v = 0.5, m = 0.5, v - m² = 0.25            p = 1 - 0.1·1/0.5 = 0.8
  //   t=2: v = 0.25 + 0.32 = 0.57, m = 0.25 + 0.4 = 0.65, v - m² = 0.1475   p = 0.8 - 0.08/√0.1475
  {
    TensorD p = TensorD::from({1.0}, true);
    optim::RMSprop opt({p}, optim::RMSpropOptions(0.1).alpha(0.5).eps(0.0).centered(true));
    quadratic_grad(p);
    opt.step();
    check_values(p, {0.8});
    quadratic_grad(p);
    opt.step();
    check_values(p, {0.8 - 0.08 / std::sqrt(0.1475)});
  }
  // Momentum 0.9, lr 0.1, α 0.5, ε 0, λ 1 (d = g + p), linear g = 1, p0 = 1:
  //   t=1: d = 2, v = 2, b = 2/√2 = √2                  p1 = 1 - 0.1·√2
  //   t=2: d = 1 + p1, v = 1 + 0.5·d², b = 0.9·√2 + d/√v   p2 = p1 - 0.1·b
  {
    TensorD p = TensorD::from({1.0}, true);
    const TensorD a = TensorD::from({1.0});
    optim::RMSprop opt({p}, optim::RMSpropOptions(0.1).alpha(0.5).eps(0.0).momentum(0.9).weight_decay(1.0));
    linear_grad(p, a);
    opt.step();
    const double p1 = 1.0 - 0.1 * std::sqrt(2.0);
    check_values(p, {p1});
    linear_grad(p, a);
    opt.step();
    const double d = 1.0 + p1, v = 1.0 + 0.5 * d * d, b = 0.9 * std::sqrt(2.0) + d / std::sqrt(v);
    check_values(p, {p1 - 0.1 * b});
  }
}

TEST_CASE("optim: Adam's bias correction makes the first step lr*g/(|g| + eps) whatever the betas") {
  // m1 = (1-β1)g, v1 = (1-β2)g², so m̂ = g, √v̂ = |g|: p1 = p0 - lr·g/(|g| + ε).
  for (double beta1 : {0.0, 0.5, 0.9}) {
    TensorD p = TensorD::from({1.0, -2.0}, true);
    optim::Adam opt({p}, optim::AdamOptions(0.1).betas(beta1, 0.999));
    quadratic_grad(p);
    opt.step();
    check_values(p, {1.0 - 0.1 / (1.0 + 1e-8), -2.0 + 0.1 * 2.0 / (2.0 + 1e-8)});
  }
}

TEST_CASE("optim: Adam two steps: moments, bias correction and step") {
  // lr 0.1, β = (0.9, 0.999), ε 0, g = p, p0 = (1, -2):
  //   t=1: p1 = p0 - 0.1·sign(p0) = (0.9, -1.9)
  //   t=2: m2 = 0.09·g1 + 0.1·g2,  v2 = 0.999·0.001·g1² + 0.001·g2²,  bias corrections 0.19 and 0.001999:
  //        first:  m2 = 0.18,  v2 = 0.001809   p2 = 0.9 - 0.1·(0.18/0.19)/√(0.001809/0.001999)
  //        second: m2 = -0.37, v2 = 0.007606   p2 = -1.9 + 0.1·(0.37/0.19)/√(0.007606/0.001999)
  TensorD p = TensorD::from({1.0, -2.0}, true);
  optim::Adam opt({p}, optim::AdamOptions(0.1).eps(0.0));
  quadratic_grad(p);
  opt.step();
  check_values(p, {0.9, -1.9});
  quadratic_grad(p);
  opt.step();
  check_values(p, {0.9 - 0.1 * (0.18 / 0.19) / std::sqrt(0.001809 / 0.001999),
                   -1.9 + 0.1 * (0.37 / 0.19) / std::sqrt(0.007606 / 0.001999)});
  const auto dict = opt.state_dict();
  check_values(entry(dict, "state.0.exp_avg"), {0.18, -0.37});
  check_values(entry(dict, "state.0.exp_avg_sq"), {0.001809, 0.007606});
}

TEST_CASE("optim: Adam weight decay is L2 added to the gradient (it enters the moments)") {
  // lr 0.1, λ 0.5, ε 0, linear g = 1, p0 = 2:
  //   t=1: d = 1 + 1 = 2         m = 0.2, v = 0.004                      p1 = 2 - 0.1 = 1.9
  //   t=2: d = 1 + 0.95 = 1.95   m = 0.18 + 0.195 = 0.375, v = 0.003996 + 0.0038025 = 0.0077985
  //        p2 = 1.9 - 0.1·(0.375/0.19)/√(0.0077985/0.001999)
  TensorD p = TensorD::from({2.0}, true);
  const TensorD a = TensorD::from({1.0});
  optim::Adam opt({p}, optim::AdamOptions(0.1).eps(0.0).weight_decay(0.5));
  linear_grad(p, a);
  opt.step();
  check_values(p, {1.9});
  linear_grad(p, a);
  opt.step();
  check_values(p, {1.9 - 0.1 * (0.375 / 0.19) / std::sqrt(0.0077985 / 0.001999)});
  check_values(entry(opt.state_dict(), "state.0.exp_avg"), {0.375});
}

TEST_CASE("optim: AdamW decays the weights directly and keeps the decay out of the moments") {
  // Same problem as above with AdamW (λ 0.5): p <- p·(1 - 0.1·0.5) = 0.95·p, then the Adam step on g = 1 alone,
  // whose m̂/√v̂ is exactly 1 at every step (constant gradient):
  //   t=1: p1 = 2·0.95 - 0.1 = 1.8        m = 0.1
  //   t=2: p2 = 1.8·0.95 - 0.1 = 1.61     m = 0.09 + 0.1 = 0.19, v = 0.000999 + 0.001 = 0.001999
  TensorD p = TensorD::from({2.0}, true);
  const TensorD a = TensorD::from({1.0});
  optim::AdamW opt({p}, optim::AdamWOptions(0.1).eps(0.0).weight_decay(0.5));
  linear_grad(p, a);
  opt.step();
  check_values(p, {1.8});
  linear_grad(p, a);
  opt.step();
  check_values(p, {1.61});
  const auto dict = opt.state_dict();
  check_values(entry(dict, "state.0.exp_avg"), {0.19});
  check_values(entry(dict, "state.0.exp_avg_sq"), {0.001999});
  CHECK(optim::AdamWOptions().weight_decay() == 0.01);
}

TEST_CASE("optim: float parameters deduce Optimizer<float>, and the float rule matches the double one") {
  Tensor x = Tensor::from({1.0f, -2.0f}, true);
  optim::Adam opt({x}, 0.1);
  static_assert(std::is_same_v<decltype(opt), optim::Adam<float>>);
  static_assert(std::is_same_v<optim::Adam<>, optim::Adam<float>>);
  for (int t = 0; t < 2; ++t) {
    opt.zero_grad();
    (pow(x, 2.0f).sum() * 0.5f).backward();
    opt.step();
  }
  const double expected0 = 0.9 - 0.1 * (0.18 / 0.19) / std::sqrt(0.001809 / 0.001999);
  CHECK(x.data()[0] == doctest::Approx(expected0).epsilon(1e-5));
}

// Invalid hyper-parameters are refused with ad::ValueError naming the parameter and the bad value.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "autodiff/autodiff.h"
#include "optim/optim.h"

using namespace ad;
using doctest::Contains;

TEST_CASE("optim: options reject negative learning rates, momentum, eps and weight decay, showing the value") {
  using namespace optim;
  CHECK_THROWS_WITH_AS(SGDOptions(-0.1), Contains("SGDOptions: learning rate must be >= 0, got -0.1"), ValueError);
  CHECK_THROWS_WITH_AS(SGDOptions(0.1).momentum(-0.9), Contains("momentum must be >= 0, got -0.9"), ValueError);
  CHECK_THROWS_WITH_AS(SGDOptions(0.1).weight_decay(-1e-4), Contains("weight decay must be >= 0, got -1e-04"),
                       ValueError);
  CHECK_THROWS_WITH_AS(AdagradOptions(-1.0), Contains("got -1"), ValueError);
  CHECK_THROWS_WITH_AS(AdagradOptions().lr_decay(-0.5), Contains("lr_decay must be >= 0, got -0.5"), ValueError);
  CHECK_THROWS_WITH_AS(AdagradOptions().eps(-1e-10), Contains("eps must be >= 0, got -1e-10"), ValueError);
  CHECK_THROWS_WITH_AS(AdagradOptions().initial_accumulator_value(-2.0), Contains("got -2"), ValueError);
  CHECK_THROWS_WITH_AS(AdagradOptions().weight_decay(-3.0), Contains("got -3"), ValueError);
  CHECK_THROWS_WITH_AS(AdagradMomentumOptions(-0.1),
                       Contains("AdagradMomentumOptions: learning rate must be >= 0, got -0.1"), ValueError);
  CHECK_THROWS_WITH_AS(AdagradMomentumOptions().momentum(-0.9),
                       Contains("AdagradMomentumOptions: momentum must be >= 0, got -0.9"), ValueError);
  CHECK_THROWS_WITH_AS(AdagradMomentumOptions().eps(-1e-8),
                       Contains("AdagradMomentumOptions: eps must be >= 0, got -1e-08"), ValueError);
  CHECK_THROWS_WITH_AS(AdagradMomentumOptions().weight_decay(-0.5), Contains("weight decay must be >= 0, got -0.5"),
                       ValueError);
  CHECK_THROWS_WITH_AS(RMSpropOptions(-0.01), Contains("got -0.01"), ValueError);
  CHECK_THROWS_WITH_AS(RMSpropOptions().eps(-1.0), Contains("eps must be >= 0, got -1"), ValueError);
  CHECK_THROWS_WITH_AS(RMSpropOptions().momentum(-0.1), Contains("got -0.1"), ValueError);
  CHECK_THROWS_WITH_AS(RMSpropOptions().weight_decay(-0.1), Contains("got -0.1"), ValueError);
  CHECK_THROWS_WITH_AS(AdamOptions(-1e-3), Contains("AdamOptions: learning rate must be >= 0, got -0.001"), ValueError);
  CHECK_THROWS_WITH_AS(AdamOptions().eps(-1e-8), Contains("got -1e-08"), ValueError);
  CHECK_THROWS_WITH_AS(AdamOptions().weight_decay(-0.01), Contains("got -0.01"), ValueError);
  CHECK_THROWS_WITH_AS(AdamWOptions(-2.5), Contains("AdamWOptions: learning rate must be >= 0, got -2.5"), ValueError);
  CHECK_THROWS_WITH_AS(AdamWOptions().weight_decay(-0.01), Contains("got -0.01"), ValueError);
  CHECK_THROWS_WITH_AS(AdamWOptions().eps(-1.0), Contains("got -1"), ValueError);
  CHECK_THROWS_WITH_AS(AdamOptions(std::nan("")), Contains("got nan"), ValueError);
}

TEST_CASE("optim: betas and alpha must lie in 0 <= x < 1") {
  using namespace optim;
  CHECK_THROWS_WITH_AS(AdamOptions().betas(1.0, 0.999), Contains("beta1 must be in [0, 1), got 1"), ValueError);
  CHECK_THROWS_WITH_AS(AdamOptions().betas(0.9, 1.5), Contains("beta2 must be in [0, 1), got 1.5"), ValueError);
  CHECK_THROWS_WITH_AS(AdamOptions().betas(-0.1, 0.999), Contains("got -0.1"), ValueError);
  CHECK_THROWS_WITH_AS(AdamWOptions().betas(0.9, 1.0), Contains("beta2 must be in [0, 1), got 1"), ValueError);
  CHECK_THROWS_WITH_AS(RMSpropOptions().alpha(1.0), Contains("alpha must be in [0, 1), got 1"), ValueError);
  CHECK_NOTHROW(AdamOptions().betas(0.0, 0.0));
  // A failed setter leaves the options as they were.
  AdamOptions o;
  CHECK_THROWS_AS(o.betas(0.5, 2.0), ValueError);
  CHECK(o.betas() == std::pair<double, double>(0.9, 0.999));
}

TEST_CASE("optim: a failed AdagradMomentumOptions setter leaves the options as they were") {
  optim::AdagradMomentumOptions o(0.05);
  o.momentum(0.5);
  CHECK_THROWS_AS(o.momentum(-1.0), ValueError);
  CHECK_THROWS_AS(o.momentum(std::nan("")), ValueError);
  CHECK_THROWS_AS(o.lr(-1.0), ValueError);
  CHECK_THROWS_AS(o.eps(-1.0), ValueError);
  CHECK(o.momentum() == 0.5);
  CHECK(o.lr() == 0.05);
  CHECK(o.eps() == 1e-8);
  CHECK_NOTHROW(o.momentum(0.0).eps(0.0).weight_decay(0.0));  // zero is allowed for each, as for the others
}

TEST_CASE("optim: SGD refuses Nesterov without momentum and a convex momentum above 1") {
  TensorD p = TensorD::zeros({1}, true);
  CHECK_THROWS_WITH_AS(optim::SGD<double>({p}, optim::SGDOptions(0.1).nesterov(true)),
                       Contains("Nesterov momentum needs momentum > 0"), ValueError);
  CHECK_THROWS_WITH_AS(optim::SGD<double>({p}, optim::SGDOptions(0.1).momentum(1.5).kind(optim::MomentumKind::Convex)),
                       Contains("must be in [0, 1], got 1.5"), ValueError);
}

TEST_CASE("optim: set_lr refuses a negative rate and keeps the old one") {
  TensorD p = TensorD::zeros({1}, true);
  optim::Adam<double> opt({p}, 0.01);
  CHECK_THROWS_WITH_AS(opt.set_lr(-0.5), Contains("Adam: learning rate must be >= 0, got -0.5"), ValueError);
  CHECK(opt.lr() == 0.01);
  opt.set_lr(0.02);
  CHECK(opt.lr() == 0.02);
}

TEST_CASE("optim: schedulers reject invalid parameters") {
  TensorD p = TensorD::zeros({1}, true);
  optim::SGD<double> opt({p}, 0.1);
  CHECK_THROWS_WITH_AS(optim::StepLR<double>(opt, 0), Contains("StepLR: step_size must be >= 1, got 0"), ValueError);
  CHECK_THROWS_WITH_AS(optim::StepLR<double>(opt, 3, -0.1), Contains("gamma must be >= 0, got -0.1"), ValueError);
  CHECK_THROWS_WITH_AS(optim::ExponentialLR<double>(opt, -2.0), Contains("got -2"), ValueError);
  CHECK_THROWS_WITH_AS(optim::CosineAnnealingLR<double>(opt, 0), Contains("T_max must be >= 1, got 0"), ValueError);
  CHECK_THROWS_WITH_AS(optim::CosineAnnealingLR<double>(opt, 10, -1e-3), Contains("eta_min must be >= 0, got -0.001"),
                       ValueError);
  using O = optim::ReduceLROnPlateauOptions;
  CHECK_THROWS_WITH_AS(O().factor(1.0), Contains("factor must be in [0, 1), got 1"), ValueError);
  CHECK_THROWS_WITH_AS(O().threshold(-1e-4), Contains("got -1e-04"), ValueError);
  CHECK_THROWS_WITH_AS(O().min_lr(-1.0), Contains("min_lr must be >= 0, got -1"), ValueError);
  CHECK_THROWS_WITH_AS(O().eps(-1.0), Contains("eps must be >= 0, got -1"), ValueError);
  CHECK(opt.lr() == 0.1);
}

TEST_CASE("optim: AdamW given a bare learning rate keeps AdamW's default weight decay") {
  ad::Tensor p = ad::Tensor::ones({2}, true);
  ad::optim::AdamW<float> a({p}, 1e-2);
  CHECK(a.options().weight_decay() == 0.01);
  CHECK(a.options().lr() == 1e-2);
  ad::optim::AdamW<float> b({p}, ad::optim::AdamOptions(1e-2));  // explicit Adam options: no decay
  CHECK(b.options().weight_decay() == 0.0);
}

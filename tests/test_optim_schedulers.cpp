// Learning-rate schedulers: the rate after each step() against values computed by hand, and their state dicts.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "autodiff/autodiff.h"
#include "optim/optim.h"

using namespace ad;

namespace {

// The learning rates seen after 0, 1, ..., n-1 calls of `advance` (the rate at construction first).
template <class Advance>
std::vector<double> lr_sequence(const optim::Optimizer<double>& opt, int n, Advance advance) {
  std::vector<double> lrs = {opt.lr()};
  for (int e = 1; e < n; ++e) {
    advance(e);
    lrs.push_back(opt.lr());
  }
  return lrs;
}

void check_sequence(const std::vector<double>& got, const std::vector<double>& expected) {
  REQUIRE(got.size() == expected.size());
  for (std::size_t e = 0; e < got.size(); ++e) {
    CAPTURE(e);
    CHECK(std::abs(got[e] - expected[e]) <= 1e-12);
  }
}

}  // namespace

TEST_CASE("optim: StepLR multiplies the rate by gamma every step_size epochs") {
  TensorD p = TensorD::zeros({1}, true);
  optim::SGD opt({p}, 1.0);
  optim::StepLR sched(opt, /*step_size=*/2, /*gamma=*/0.5);
  static_assert(std::is_same_v<decltype(sched), optim::StepLR<double>>);
  check_sequence(lr_sequence(opt, 7, [&](int) { sched.step(); }), {1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.125});
  CHECK(sched.last_epoch() == 6);
  CHECK(sched.get_last_lr() == 0.125);
}

TEST_CASE("optim: ExponentialLR multiplies the rate by gamma every epoch") {
  TensorD p = TensorD::zeros({1}, true);
  optim::SGD opt({p}, 0.8);
  optim::ExponentialLR sched(opt, 0.5);
  check_sequence(lr_sequence(opt, 5, [&](int) { sched.step(); }), {0.8, 0.4, 0.2, 0.1, 0.05});
}

TEST_CASE("optim: CosineAnnealingLR follows half a cosine from base_lr to eta_min over T_max epochs") {
  // base 1.1, eta_min 0.1, T_max 4: lr(e) = 0.1 + 1.0·(1 + cos(π e / 4))/2
  //   e = 0: 1.1   1: 0.1 + (2 + √2)/4   2: 0.6   3: 0.1 + (2 − √2)/4   4: 0.1
  //   past T_max the closed form rises again: 5 = 3, 6 = 2, 8 = 0
  TensorD p = TensorD::zeros({1}, true);
  optim::SGD opt({p}, 1.1);
  optim::CosineAnnealingLR sched(opt, /*T_max=*/4, /*eta_min=*/0.1);
  const double r2 = std::sqrt(2.0);
  const double e1 = 0.1 + (2.0 + r2) / 4.0, e3 = 0.1 + (2.0 - r2) / 4.0;
  check_sequence(lr_sequence(opt, 9, [&](int) { sched.step(); }), {1.1, e1, 0.6, e3, 0.1, e3, 0.6, e1, 1.1});
  CHECK(sched.lr_at(4) == 0.1);  // cos(π) = −1 exactly
}

TEST_CASE("optim: ReduceLROnPlateau (min, relative threshold) waits `patience` bad epochs, then cools down") {
  // factor 0.5, patience 2, threshold 0.1 (better = below 0.9·best), cooldown 1; lr 1.
  //   epoch metric  better?        bad  cooldown  lr
  //   1     10      yes (< inf)    0    0         1
  //   2     9.5     no  (< 9?)     1    0         1
  //   3     8       yes            0    0         1      best 8
  //   4     7.5     no  (< 7.2?)   1    0         1
  //   5     7.5     no             2    0         1
  //   6     7.5     no             3 > 2: reduce  0.5, cooldown 1, bad 0
  //   7     7.5     no             1, cooldown 1 -> 0 clears it to 0        0.5
  //   8     7.5     no             1                                        0.5
  //   9     7.5     no             2                                        0.5
  //   10    7.5     no             3 > 2: reduce                            0.25
  //   11    1       yes            0, cooldown 1 -> 0                       0.25
  TensorD p = TensorD::zeros({1}, true);
  optim::SGD opt({p}, 1.0);
  optim::ReduceLROnPlateau sched(opt,
                                 optim::ReduceLROnPlateauOptions().factor(0.5).patience(2).threshold(0.1).cooldown(1));
  const double metrics[] = {10, 9.5, 8, 7.5, 7.5, 7.5, 7.5, 7.5, 7.5, 7.5, 1};
  const double expected[] = {1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25};
  for (int e = 0; e < 11; ++e) {
    CAPTURE(e);
    sched.step(metrics[e]);
    CHECK(opt.lr() == expected[e]);
    CHECK(sched.get_last_lr() == expected[e]);
  }
  CHECK(sched.best() == 1.0);
  CHECK(sched.last_epoch() == 11);
}

TEST_CASE("optim: ReduceLROnPlateau max mode with an absolute threshold, min_lr and eps") {
  // max, abs threshold 0.5 (better = above best + 0.5), patience 0, factor 0.1, min_lr 0.005:
  //   metric 1 (better, best 1), 1.4 (not > 1.5: reduce to 0.1), 2 (better, best 2), 2 (reduce to 0.01),
  //   2 (reduce: max(0.001, 0.005) = 0.005), 2 (0.005·0.1 < min_lr: stays 0.005)
  TensorD p = TensorD::zeros({1}, true);
  optim::SGD opt({p}, 1.0);
  optim::ReduceLROnPlateau sched(opt, optim::ReduceLROnPlateauOptions()
                                          .mode(optim::PlateauMode::Max)
                                          .threshold_mode(optim::ThresholdMode::Abs)
                                          .threshold(0.5)
                                          .patience(0)
                                          .factor(0.1)
                                          .min_lr(0.005));
  const double metrics[] = {1, 1.4, 2, 2, 2, 2};
  const double expected[] = {1, 0.1, 0.1, 0.01, 0.005, 0.005};
  for (int e = 0; e < 6; ++e) {
    CAPTURE(e);
    sched.step(metrics[e]);
    CHECK(std::abs(opt.lr() - expected[e]) <= 1e-15);
  }
  // eps: a reduction smaller than eps is skipped (1e-9 -> 1e-10 changes it by 9e-10 < 1e-8).
  opt.set_lr(1e-9);
  optim::ReduceLROnPlateau tiny(opt, optim::ReduceLROnPlateauOptions().patience(0));
  tiny.step(1.0);
  tiny.step(1.0);
  CHECK(opt.lr() == 1e-9);
}

TEST_CASE("optim: a scheduler restored from its state dict continues the same schedule and sets the rate") {
  TensorD p = TensorD::zeros({1}, true);
  optim::SGD opt({p}, 1.0);
  optim::CosineAnnealingLR sched(opt, 10, 0.01);
  for (int e = 0; e < 3; ++e) sched.step();
  const StateDict saved = sched.state_dict();
  // base_lr is a real and last_epoch an integer, each as it is.
  REQUIRE(saved.size() == 2);
  CHECK(saved.real("base_lr", "test") == 1.0);
  CHECK(saved.integer("last_epoch", "test") == 3);
  std::vector<double> continued;
  for (int e = 0; e < 4; ++e) {
    sched.step();
    continued.push_back(opt.lr());
  }

  TensorD q = TensorD::zeros({1}, true);
  optim::SGD opt2({q}, 1.0);
  optim::CosineAnnealingLR sched2(opt2, 10, 0.01);
  sched2.load_state_dict(saved);
  CHECK(sched2.last_epoch() == 3);
  CHECK(opt2.lr() == sched.lr_at(3));
  for (int e = 0; e < 4; ++e) {
    sched2.step();
    CHECK(opt2.lr() == continued[e]);
  }
}

TEST_CASE("optim: ReduceLROnPlateau restored mid-cooldown continues bit for bit") {
  const auto options = optim::ReduceLROnPlateauOptions().factor(0.5).patience(1).cooldown(2);
  const double metrics[] = {5, 6, 6, 6, 6, 6, 6, 4, 6, 6};
  Tensor p = Tensor::zeros({1}, true);
  optim::SGD opt({p}, 0.3);
  optim::ReduceLROnPlateau sched(opt, options);
  static_assert(std::is_same_v<decltype(sched), optim::ReduceLROnPlateau<float>>);
  // Epochs 1-4: best 5, bad 1, bad 2 > 1 -> rate 0.15 and cooldown 2, then cooldown 1 (bad cleared).
  // After the restore: cooldown 0, bad 1, bad 2 -> 0.075, then best 4 and a cooldown again.
  for (int e = 0; e < 4; ++e) sched.step(metrics[e]);
  REQUIRE(sched.in_cooldown());
  const StateDict saved_sched = sched.state_dict();
  const StateDict saved_opt = opt.state_dict();
  // Integers for the counters, a real for the best metric; the float optimizer's rate is the double 0.15.
  CHECK(saved_sched.integer("last_epoch", "test") == 4);
  CHECK(saved_sched.real("best", "test") == 5.0);
  CHECK(saved_sched.integer("num_bad_epochs", "test") == 0);
  CHECK(saved_sched.integer("cooldown_counter", "test") == 1);
  CHECK(saved_opt.real("lr", "test") == 0.15);
  std::vector<double> continued;
  for (int e = 4; e < 10; ++e) {
    sched.step(metrics[e]);
    continued.push_back(opt.lr());
  }

  Tensor q = Tensor::zeros({1}, true);
  optim::SGD opt2({q}, 0.3);
  optim::ReduceLROnPlateau sched2(opt2, options);
  opt2.load_state_dict(saved_opt);  // the rate lives in the optimizer's state
  sched2.load_state_dict(saved_sched);
  CHECK(sched2.best() == 5.0);
  CHECK(sched2.cooldown_counter() == 1);
  CHECK(opt2.lr() == 0.15);
  for (int e = 4; e < 10; ++e) {
    sched2.step(metrics[e]);
    CHECK(opt2.lr() == continued[e - 4]);
  }
  CHECK(opt2.lr() == 0.075);
}

TEST_CASE("optim: scheduler state dicts are validated before anything changes") {
  TensorD p = TensorD::zeros({1}, true);
  optim::SGD opt({p}, 1.0);
  optim::StepLR sched(opt, 1, 0.5);
  sched.step();
  const StateDict good = sched.state_dict();
  StateDict bad = good;
  bad.set("last_epoch", TensorD::zeros({4}));  // a tensor where an integer belongs
  CHECK_THROWS_WITH_AS(sched.load_state_dict(bad),
                       doctest::Contains("StepLR::load_state_dict: entry 'last_epoch' is a float64 tensor"),
                       ValueError);
  bad = good;
  bad.set("last_epoch", 2.0);  // a real where an integer belongs
  CHECK_THROWS_WITH_AS(sched.load_state_dict(bad), doctest::Contains("entry 'last_epoch' is a real"), ValueError);
  bad = good;
  bad.set("base_lr", std::int64_t{1});  // an integer where a real belongs
  CHECK_THROWS_WITH_AS(sched.load_state_dict(bad), doctest::Contains("integer, expected a real"), ValueError);
  StateDict missing;
  missing.set("base_lr", good.real("base_lr", "test"));
  CHECK_THROWS_WITH_AS(sched.load_state_dict(missing), doctest::Contains("missing entry 'last_epoch'"), ValueError);
  bad = good;
  bad.set("last_epoch", std::int64_t{-1});
  CHECK_THROWS_WITH_AS(sched.load_state_dict(bad), doctest::Contains("entry 'last_epoch' is negative (-1)"),
                       ValueError);
  bad = good;
  bad.set("base_lr", -0.5);
  CHECK_THROWS_WITH_AS(sched.load_state_dict(bad), doctest::Contains("'base_lr' holds an invalid learning rate -0.5"),
                       ValueError);
  bad.set("base_lr", std::nan(""));
  CHECK_THROWS_WITH_AS(sched.load_state_dict(bad), doctest::Contains("invalid learning rate nan"), ValueError);
  CHECK(sched.last_epoch() == 1);
  CHECK(sched.base_lr() == 1.0);
  CHECK(opt.lr() == 0.5);

  optim::ReduceLROnPlateau plateau(opt);
  CHECK_THROWS_WITH_AS(plateau.load_state_dict(sched.state_dict()), doctest::Contains("unexpected entry 'base_lr'"),
                       ValueError);
  plateau.step(2.0);
  const StateDict plateau_good = plateau.state_dict();
  bad = plateau_good;
  bad.set("best", std::int64_t{1});
  CHECK_THROWS_WITH_AS(plateau.load_state_dict(bad),
                       doctest::Contains("ReduceLROnPlateau::load_state_dict: entry 'best' is a"), ValueError);
  bad = plateau_good;
  bad.set("cooldown_counter", std::int64_t{-3});
  CHECK_THROWS_WITH_AS(plateau.load_state_dict(bad), doctest::Contains("entry 'cooldown_counter' is negative (-3)"),
                       ValueError);
  bad = plateau_good;
  bad.set("num_bad_epochs", 1.0);
  CHECK_THROWS_WITH_AS(plateau.load_state_dict(bad), doctest::Contains("entry 'num_bad_epochs' is a real"), ValueError);
  CHECK(plateau.last_epoch() == 1);
  CHECK(plateau.best() == 2.0);
}

TEST_CASE("optim: ReduceLROnPlateau keeps an infinite best metric and large counters exactly") {
  // Before the first step, best is +inf (mode Min): a real holds it as it is. Counters are 64-bit integers.
  TensorD p = TensorD::zeros({1}, true);
  optim::SGD opt({p}, 1.0);
  optim::ReduceLROnPlateau sched(opt);
  StateDict dict = sched.state_dict();
  CHECK(dict.real("best", "test") == std::numeric_limits<double>::infinity());
  CHECK(dict.integer("last_epoch", "test") == 0);
  const std::int64_t big = (std::int64_t{1} << 60) + 1;
  dict.set("last_epoch", big);
  dict.set("num_bad_epochs", big - 2);
  dict.set("best", -0.0);
  optim::ReduceLROnPlateau restored(opt);
  restored.load_state_dict(dict);
  CHECK(restored.last_epoch() == static_cast<std::uint64_t>(big));
  CHECK(restored.num_bad_epochs() == static_cast<std::uint64_t>(big - 2));
  CHECK(std::signbit(restored.best()));
  CHECK(restored.state_dict().integer("last_epoch", "test") == big);
}

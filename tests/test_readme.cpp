// The README's code blocks, compiled and run as they stand in README.md (tests/CMakeLists.txt extracts each block
// marked <!-- snippet: NAME --> into readme/NAME.inc at configure time), so the documentation cannot go stale; and
// the end-to-end promise of checkpoints: training resumed from a file continues exactly as if never interrupted.
// The headers a snippet includes are included here first; its own #include lines then do nothing (#pragma once).
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "autodiff/autodiff.h"
#include "data/data.h"
#include "nn/nn.h"
#include "optim/optim.h"
#include "train/train.h"

using namespace ad;

// The user-defined op of "Your own ops", at namespace scope as a user would write it.
#include "readme/user-op.inc"

TEST_CASE("readme: the introduction's expression gives gradients of the inputs' shapes") {
  manual_seed(1);
#include "readme/intro.inc"
  CHECK(x.grad().shape() == Shape{3, 4});
  CHECK(w.grad().shape() == Shape{4, 2});
  CHECK(y.numel() == 1);
}

TEST_CASE("readme: a 10-line MLP trained with Adam learns XOR") {
  manual_seed(1);
#include "readme/xor.inc"
  for (std::size_t i = 0; i < 4; ++i) CHECK((p.data()[i] > 0.5f) == (y.data()[i] > 0.5f));
}

TEST_CASE("readme: checking the gradient of a custom function") {
#include "readme/gradcheck.inc"
  CHECK_MESSAGE(r.ok, r.report);
}

TEST_CASE("readme: a user-written fused op is recorded as one node and passes gradcheck") {
#include "readme/user-op-use.inc"
  CHECK(n.grad_fn_name() == "norm");
  CHECK_MESSAGE(check.ok, check.report);
  // The same values and gradients as the composed form.
  n.backward();
  TensorD x2 = x.detach();
  x2.requires_grad_();
  sqrt((x2 * x2).sum()).backward();
  for (std::size_t i = 0; i < x.numel(); ++i) CHECK(x.grad().data()[i] == doctest::Approx(x2.grad().data()[i]));
}

TEST_CASE("readme: the second derivative of a network with respect to its input reaches the weights") {
  manual_seed(3);
#include "readme/higher-order.inc"
  CHECK(u_xx.shape() == Shape{64, 1});
  CHECK(net.parameters()[0].grad().defined());
  // u_xx against central differences of u_x at one point.
  const double h = 1e-5;
  TensorD xp = x.detach().clone(), xm = x.detach().clone();
  xp.mutable_data()[0] += h;
  xm.mutable_data()[0] -= h;
  xp.requires_grad_(true);
  xm.requires_grad_(true);
  auto ux_at = [&](const TensorD& z) {
    TensorD v = net(z);
    return ad::grad<double>({v}, {z}, {TensorD::ones(v.shape())})[0].data()[0];
  };
  CHECK(u_xx.data()[0] == doctest::Approx((ux_at(xp) - ux_at(xm)) / (2 * h)).epsilon(1e-6));
}

TEST_CASE("readme: the MNIST-example CNN takes a training step") {
  manual_seed(2);
#include "readme/cnn.inc"
  CHECK(loss.item() > 0);
  CHECK(net.parameters()[0].shape() == Shape{32, 1, 3, 3});
  CHECK(net(images).shape() == Shape{64, 10});
}

TEST_CASE("readme: L-BFGS with a strong Wolfe line search minimises the Rosenbrock function") {
#include "readme/lbfgs.inc"
  for (int i = 0; i < 3; ++i)
    lbfgs.step([&] {
      lbfgs.zero_grad();
      TensorD a = p.select(0, 0), b = p.select(0, 1);
      TensorD f = (1.0 - a).pow(2) + 100.0 * (b - a * a).pow(2);
      f.backward();
      return f.item();
    });
  CHECK(p.data()[0] == doctest::Approx(1.0).epsilon(1e-5));
  CHECK(p.data()[1] == doctest::Approx(1.0).epsilon(1e-5));
}

TEST_CASE("readme: fit with validation, early stopping and a CSV log learns the digits") {
  manual_seed(1);
  {
#include "readme/fit.inc"
    CHECK(run.history.size() >= 5);
    CHECK(stop->best_epoch() > 0);
    CHECK(test[1].first == "acc");
    CHECK(test[1].second > 0.95);
    CHECK(predicted.shape() == Shape{parts.test.size()});
    CHECK(std::filesystem::exists("metrics.csv"));
  }
  std::filesystem::remove("metrics.csv");
}

TEST_CASE("checkpoint: training resumed from a checkpoint (model + Adam state) is bit-identical") {
  const auto path = (std::filesystem::temp_directory_path() / "ad_resume_test.npz").string();
  auto batch = [](int step) {
    manual_seed(1000 + step);
    return std::make_pair(Tensor::randn({16, 3}), Tensor::randn({16, 2}));
  };
  auto train = [&](nn::Sequential<float>& m, optim::Adam<float>& opt, int from, int to) {
    for (int s = from; s < to; ++s) {
      auto [xb, yb] = batch(s);
      Tensor loss = nn::mse_loss(m(xb), yb);
      opt.zero_grad();
      loss.backward();
      opt.step();
    }
  };
  manual_seed(7);
  auto a = nn::Sequential(nn::Linear(3, 8), nn::ReLU(), nn::Linear(8, 2));
  optim::Adam opt_a(a.parameters(), optim::AdamOptions(0.01));
  train(a, opt_a, 0, 10);
  nn::save_checkpoint(path, a, opt_a.state_dict());
  train(a, opt_a, 10, 20);  // uninterrupted run

  manual_seed(99);  // a different initialisation, overwritten by the checkpoint
  auto b = nn::Sequential(nn::Linear(3, 8), nn::ReLU(), nn::Linear(8, 2));
  optim::Adam opt_b(b.parameters(), optim::AdamOptions(0.5));  // rate and steps come from the checkpoint
  const StateDict extras = nn::load_checkpoint(path, b);
  // The optimizer's scalars are in the file as themselves: the real rate and the integer step counts.
  CHECK(extras.real("lr", "test") == 0.01);
  CHECK(extras.integer("state.0.step", "test") == 10);
  opt_b.load_state_dict(extras);
  CHECK(opt_b.lr() == 0.01);
  CHECK(opt_b.step_count(0) == 10);
  train(b, opt_b, 10, 20);  // resumed run

  const auto pa = a.named_parameters(), pb = b.named_parameters();
  REQUIRE(pa.size() == pb.size());
  for (std::size_t i = 0; i < pa.size(); ++i) {
    INFO(pa[i].first);
    CHECK(pa[i].second.to_vector() == pb[i].second.to_vector());
  }
  // The optimizers agree too: same rate, same step counts, bit-identical moment estimates.
  const StateDict sa = opt_a.state_dict(), sb = opt_b.state_dict();
  REQUIRE(sa.size() == sb.size());
  for (std::size_t i = 0; i < sa.size(); ++i) {
    const auto& [name, va] = sa.entries()[i];
    const auto& vb = sb.entries()[i].second;
    INFO(name);
    CHECK(sb.entries()[i].first == name);
    REQUIRE(va.index() == vb.index());
    if (const Tensor* t = std::get_if<Tensor>(&va))
      CHECK(t->to_vector() == std::get<Tensor>(vb).to_vector());
    else if (const double* r = std::get_if<double>(&va))
      CHECK(*r == std::get<double>(vb));
    else
      CHECK(std::get<std::int64_t>(va) == std::get<std::int64_t>(vb));
  }
  std::remove(path.c_str());
}

// Losses and penalties: values on hand-computed examples, gradients against finite differences (double precision,
// random shapes including a batch of one), and the errors for mismatched shapes and out-of-range labels.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "autodiff/autodiff.h"
#include "nn/loss.h"

using namespace ad;
using nn::Reduction;

namespace {

using Fn = std::function<TensorD(const std::vector<TensorD>&)>;

void check_gradients(const Fn& f, const std::vector<TensorD>& inputs) {
  const GradcheckResult r = gradcheck<double>(f, inputs);
  INFO(r.report);
  CHECK(r.ok);
}

// (batch, classes) pairs; the first is always a batch of one.
std::vector<std::pair<std::size_t, std::size_t>> random_sizes(unsigned seed, int count) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::size_t> b(1, 6), c(2, 5);
  std::vector<std::pair<std::size_t, std::size_t>> out{{1, c(rng)}};
  for (int i = 1; i < count; ++i) out.emplace_back(b(rng), c(rng));
  return out;
}

std::vector<std::size_t> random_labels(std::size_t n, std::size_t classes, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::size_t> d(0, classes - 1);
  std::vector<std::size_t> out(n);
  for (auto& l : out) l = d(rng);
  return out;
}

// A tensor of uniform values in [lo, hi], built from this thread's generator.
TensorD uniform(const Shape& s, double lo, double hi, bool requires_grad = false) {
  return TensorD::uniform(s, lo, hi, requires_grad);
}

// Checks that calling f throws E whose message contains every one of `parts`.
template <class E, class F>
void check_error(F&& f, const std::vector<std::string>& parts) {
  try {
    f();
    FAIL("no exception thrown");
  } catch (const E& e) {
    const std::string msg = e.what();
    INFO(msg);
    for (const auto& p : parts) CHECK(msg.find(p) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("nn: mse_loss and half_sse_loss values and gradients") {
  const TensorD z = TensorD::from({1, 2, 3, 4}, {2, 2}, true);
  const TensorD c = TensorD::from({0, 2, 5, 3}, {2, 2});
  // Squared errors 1, 0, 4, 1.
  CHECK(nn::mse_loss(z, c).item() == doctest::Approx(6.0 / 4));
  CHECK(nn::mse_loss(z, c, Reduction::Sum).item() == doctest::Approx(6.0));
  CHECK(nn::half_sse_loss(z, c).item() == doctest::Approx(3.0));
  CHECK(nn::half_sse_loss(z, c, Reduction::Mean).item() == doctest::Approx(0.75));

  // d/dZ 1/2 ||Z - c||^2 = Z - c exactly.
  nn::half_sse_loss(z, c).backward();
  CHECK(z.grad().to_vector() == std::vector<double>{1, 0, -2, 1});

  manual_seed(61);
  for (const auto& size : random_sizes(606, 4)) {
    const std::size_t n = size.first, k = size.second;
    const TensorD a = TensorD::randn({n, k}, true), b = TensorD::randn({n, k}, true);
    for (Reduction r : {Reduction::Mean, Reduction::Sum}) {
      check_gradients([&](const std::vector<TensorD>& v) { return nn::mse_loss(v[0], v[1], r); }, {a, b});
      check_gradients([&](const std::vector<TensorD>& v) { return nn::half_sse_loss(v[0], v[1], r); }, {a, b});
    }
  }
  check_error<ShapeError>(
      [] {
        nn::mse_loss(TensorD::zeros({3, 1}), TensorD::zeros({3}));
      },
      {"mse_loss", "[3, 1]", "[3]"});
  check_error<ShapeError>(
      [] {
        nn::half_sse_loss(TensorD::zeros({2, 2}), TensorD::zeros({2, 3}));
      },
      {"half_sse_loss", "[2, 2]", "[2, 3]"});
}

TEST_CASE("nn: binary_cross_entropy on known probabilities") {
  const TensorD p = TensorD::from({0.9, 0.2, 0.5}, true);
  const TensorD y = TensorD::from({1, 0, 1});
  // -(log 0.9 + log 0.8 + log 0.5) / 3
  const double expect = -(std::log(0.9) + std::log(0.8) + std::log(0.5)) / 3;
  const TensorD loss = nn::binary_cross_entropy(p, y);
  CHECK(loss.item() == doctest::Approx(expect));
  CHECK(nn::binary_cross_entropy(p, y, Reduction::Sum).item() == doctest::Approx(3 * expect));
  // d/dp = (p - y) / (p (1 - p)) / n
  loss.backward();
  const auto g = p.grad().to_vector();
  CHECK(g[0] == doctest::Approx((0.9 - 1) / (0.9 * 0.1) / 3));
  CHECK(g[1] == doctest::Approx((0.2 - 0) / (0.2 * 0.8) / 3));

  // Saturated predictions stay finite: log arguments are clamped to 1e-12.
  const double worst = nn::binary_cross_entropy(TensorD::from({0.0, 1.0}), TensorD::from({1.0, 0.0})).item();
  CHECK(std::isfinite(worst));
  CHECK(worst == doctest::Approx(-std::log(1e-12)));
  CHECK(nn::binary_cross_entropy(TensorD::from({1.0, 0.0}), TensorD::from({1.0, 0.0})).item() == doctest::Approx(0.0));

  manual_seed(62);
  for (const auto& size : random_sizes(607, 4)) {
    const std::size_t n = size.first, k = size.second;
    const TensorD probs = uniform({n, k}, 0.05, 0.95, true);
    const TensorD soft = uniform({n, k}, 0.0, 1.0);  // soft labels are allowed
    check_gradients([&](const std::vector<TensorD>& v) { return nn::binary_cross_entropy(v[0], soft); }, {probs});
  }
  check_error<ValueError>(
      [] {
        nn::binary_cross_entropy(TensorD::from({0.5, 1.5}), TensorD::from({1.0, 0.0}));
      },
      {"binary_cross_entropy", "1.5"});
  check_error<ValueError>(
      [] {
        nn::binary_cross_entropy(TensorD::from({0.5, 0.5}), TensorD::from({1.0, 2.0}));
      },
      {"target", "2"});
  check_error<ShapeError>(
      [] {
        nn::binary_cross_entropy(TensorD::zeros({4}), TensorD::zeros({4, 1}));
      },
      {"[4]", "[4, 1]"});
}

TEST_CASE("nn: binary_cross_entropy_with_logits is stable and its gradient is sigmoid(x) - y") {
  const TensorD x = TensorD::from({-2.0, 0.0, 0.7, 3.0}, true);
  const TensorD y = TensorD::from({0.0, 1.0, 1.0, 0.3});
  const TensorD via_probs = nn::binary_cross_entropy(sigmoid(x.detach()), y);
  const TensorD loss = nn::binary_cross_entropy_with_logits(x, y);
  CHECK(loss.item() == doctest::Approx(via_probs.item()).epsilon(1e-12));
  loss.backward();
  const auto g = x.grad().to_vector();
  const auto xs = x.to_vector(), ys = y.to_vector();
  for (std::size_t i = 0; i < 4; ++i)
    CHECK(g[i] == doctest::Approx((1 / (1 + std::exp(-xs[i])) - ys[i]) / 4).epsilon(1e-12));
  CHECK(g[1] == doctest::Approx((0.5 - 1.0) / 4));  // at the kink x = 0 too

  // Huge logits: no overflow, exact values.
  const TensorD big = TensorD::from({1000.0, -1000.0, 1000.0});
  const TensorD lbl = TensorD::from({0.0, 0.0, 1.0});
  const auto per = nn::binary_cross_entropy_with_logits(big, lbl, Reduction::Sum).item();
  CHECK(per == doctest::Approx(1000.0));

  manual_seed(63);
  for (const auto& size : random_sizes(608, 4)) {
    const std::size_t n = size.first, k = size.second;
    const TensorD leaf = TensorD::normal({n, k}, 0.0, 3.0, true);
    const TensorD target = uniform({n, k}, 0.0, 1.0);
    for (Reduction r : {Reduction::Mean, Reduction::Sum})
      check_gradients(
          [&](const std::vector<TensorD>& v) { return nn::binary_cross_entropy_with_logits(v[0], target, r); }, {leaf});
  }
  check_error<ValueError>([] { nn::binary_cross_entropy_with_logits(TensorD::from({0.5}), TensorD::from({-1.0})); },
                          {"target", "-1"});
}

TEST_CASE("nn: cross_entropy on known logits, integer labels") {
  const TensorD logits = TensorD::from({1, 2, 3, 1, 1, 1}, {2, 3}, true);
  // Row 0, label 2: log(e^1 + e^2 + e^3) - 3 = log(1 + e^-1 + e^-2); row 1, label 0: log 3.
  const double r0 = std::log(1 + std::exp(-1.0) + std::exp(-2.0)), r1 = std::log(3.0);
  const TensorD loss = nn::cross_entropy(logits, {2, 0});
  CHECK(loss.item() == doctest::Approx((r0 + r1) / 2));
  CHECK(nn::cross_entropy(logits, {2, 0}, Reduction::Sum).item() == doctest::Approx(r0 + r1));
  // d/dlogits = (softmax - onehot) / batch
  loss.backward();
  const auto g = logits.grad().to_vector();
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  CHECK(g[0] == doctest::Approx(std::exp(1.0) / z / 2));
  CHECK(g[2] == doctest::Approx((std::exp(3.0) / z - 1) / 2));
  CHECK(g[3] == doctest::Approx((1.0 / 3 - 1) / 2));
  CHECK(g[4] == doctest::Approx(1.0 / 3 / 2));

  // The same through a label tensor, one-hot targets, log_softmax + nll_loss, and a single 1-D example.
  CHECK(nn::cross_entropy(logits, TensorD::from({2, 0})).item() == doctest::Approx((r0 + r1) / 2));
  const TensorD onehot = TensorD::from({0, 0, 1, 1, 0, 0}, {2, 3});
  CHECK(nn::cross_entropy(logits, onehot).item() == doctest::Approx((r0 + r1) / 2));
  CHECK(nn::nll_loss(log_softmax(logits), {2, 0}).item() == doctest::Approx((r0 + r1) / 2));
  CHECK(nn::cross_entropy(TensorD::from({1, 2, 3}), std::vector<std::size_t>{2}).item() == doctest::Approx(r0));
  CHECK(nn::cross_entropy(TensorD::from({1, 2, 3}), TensorD::scalar(2)).item() == doctest::Approx(r0));
}

TEST_CASE("nn: cross_entropy gradients, labels and probability targets (random shapes, batch 1 included)") {
  manual_seed(64);
  unsigned seed = 1;
  for (const auto& size : random_sizes(609, 5)) {
    const std::size_t n = size.first, k = size.second;
    CAPTURE(n);
    CAPTURE(k);
    const TensorD logits = TensorD::randn({n, k}, true);
    const auto labels = random_labels(n, k, seed++);
    const TensorD soft = softmax(TensorD::randn({n, k}) * 2.0);  // rows of probabilities
    for (Reduction r : {Reduction::Mean, Reduction::Sum}) {
      check_gradients([&](const std::vector<TensorD>& v) { return nn::cross_entropy(v[0], labels, r); }, {logits});
      check_gradients([&](const std::vector<TensorD>& v) { return nn::cross_entropy(v[0], soft, r); }, {logits});
      check_gradients([&](const std::vector<TensorD>& v) { return nn::nll_loss(log_softmax(v[0]), labels, r); },
                      {logits});
    }
  }
}

TEST_CASE("nn: cross_entropy rejects bad labels and shapes") {
  const TensorD logits = TensorD::zeros({3, 4});
  check_error<IndexError>([&] { nn::cross_entropy(logits, {0, 4, 1}); }, {"label 4", "row 1", "4 classes"});
  check_error<ShapeError>([&] { nn::cross_entropy(logits, {0, 1}); }, {"2 labels", "3 rows", "[3, 4]"});
  check_error<ValueError>([&] { nn::cross_entropy(logits, TensorD::from({0, 1.5, 2})); }, {"1.5", "whole"});
  check_error<IndexError>([&] { nn::cross_entropy(logits, TensorD::from({0, -1, 2})); }, {"-1", "out of range"});
  check_error<ShapeError>([&] { nn::cross_entropy(logits, TensorD::zeros({4})); }, {"[4]", "[3, 4]"});
  check_error<ValueError>([&] { nn::cross_entropy(logits, TensorD::full({3, 4}, 2.0)); }, {"target probability"});
  check_error<IndexError>([&] { nn::nll_loss(logits, {0, 1, 7}); }, {"label 7", "4 classes"});
  check_error<ShapeError>([&] { nn::cross_entropy(TensorD::zeros({2, 3, 4}), {0, 1}); }, {"[2, 3, 4]"});
}

TEST_CASE("nn: hinge_loss values, gradient and label check") {
  const TensorD s = TensorD::from({2.0, 0.5, -1.0, -3.0}, true);
  const TensorD y = TensorD::from({1.0, 1.0, 1.0, -1.0});
  // max(0, 1 - y s) = [0, 0.5, 2, 0]
  const TensorD loss = nn::hinge_loss(s, y);
  CHECK(loss.item() == doctest::Approx(2.5 / 4));
  CHECK(nn::hinge_loss(s, y, Reduction::Sum).item() == doctest::Approx(2.5));
  loss.backward();
  CHECK(s.grad().to_vector() == std::vector<double>{0, -0.25, -0.25, 0});

  manual_seed(65);
  for (const auto& size : random_sizes(610, 4)) {
    const std::size_t n = size.first, k = size.second;
    const TensorD scores = TensorD::randn({n, k}, true);
    TensorD labels = TensorD::ones({n, k});
    double* l = labels.mutable_data();
    for (std::size_t i = 0; i < labels.numel(); i += 2) l[i] = -1;
    check_gradients([&](const std::vector<TensorD>& v) { return nn::hinge_loss(v[0], labels); }, {scores});
  }
  check_error<ValueError>(
      [] {
        nn::hinge_loss(TensorD::from({1.0, 2.0}), TensorD::from({1.0, 0.0}));
      },
      {"label 0", "-1 or +1"});
  check_error<ShapeError>([] { nn::hinge_loss(TensorD::zeros({2}), TensorD::ones({2, 1})); }, {"[2]", "[2, 1]"});
}

TEST_CASE("nn: logistic_loss values log(1 + exp(-y u)) and gradient -y sigmoid(-y u)") {
  const TensorD u = TensorD::from({2.0, 0.5, -1.0, -3.0, 0.0, 30.0}, true);
  const TensorD y = TensorD::from({1.0, -1.0, 1.0, -1.0, 1.0, 1.0});
  const std::vector<double> us = u.to_vector(), ys = y.to_vector();
  double total = 0.0;
  for (std::size_t i = 0; i < us.size(); ++i) total += std::log(1.0 + std::exp(-ys[i] * us[i]));
  const TensorD loss = nn::logistic_loss(u, y);
  CHECK(loss.item() == doctest::Approx(total / 6).epsilon(1e-12));
  CHECK(nn::logistic_loss(u, y, Reduction::Sum).item() == doctest::Approx(total).epsilon(1e-12));
  loss.backward();
  const auto g = u.grad().to_vector();
  for (std::size_t i = 0; i < us.size(); ++i)
    CHECK(g[i] == doctest::Approx(-ys[i] / (1.0 + std::exp(ys[i] * us[i])) / 6).epsilon(1e-12));
  CHECK(g[4] == doctest::Approx(-0.5 / 6));  // at u = 0: -y sigmoid(0), no kink

  // A well-classified example keeps its relative precision: log(1 + e^-30) = 9.36e-14 (log1p, not log(1 + tiny)).
  const TensorD per = nn::logistic_loss(TensorD::from({30.0}), TensorD::from({1.0}), Reduction::Sum);
  CHECK(per.item() == doctest::Approx(std::log1p(std::exp(-30.0))).epsilon(1e-14));
  CHECK(per.item() > 0.0);
}

TEST_CASE("nn: logistic_loss(u, y) equals binary_cross_entropy_with_logits(u, (y + 1)/2)") {
  manual_seed(67);
  for (const auto& size : random_sizes(611, 5)) {
    const std::size_t n = size.first, k = size.second;
    CAPTURE(n);
    CAPTURE(k);
    TensorD u = TensorD::normal({n, k}, 0.0, 5.0, true), v = TensorD::empty({n, k}, true);
    v.copy_(u);
    const TensorD y =
        where(gt(TensorD::randn({n, k}), TensorD::scalar(0.0)), TensorD::scalar(1.0), TensorD::scalar(-1.0));
    const TensorD t = (y + 1.0) * 0.5;
    for (Reduction r : {Reduction::Mean, Reduction::Sum}) {
      u.zero_grad();
      v.zero_grad();
      const TensorD a = nn::logistic_loss(u, y, r), b = nn::binary_cross_entropy_with_logits(v, t, r);
      CHECK(std::abs(a.item() - b.item()) <= 1e-12 * (1.0 + std::abs(b.item())));
      a.backward();
      b.backward();
      const auto ga = u.grad().to_vector(), gb = v.grad().to_vector();
      for (std::size_t i = 0; i < ga.size(); ++i) CHECK(std::abs(ga[i] - gb[i]) <= 1e-15);
    }
  }
}

TEST_CASE("nn: logistic_loss stays finite for huge logits, in double and float") {
  // Losses 0, 1000, 1000, 0; gradients -y sigmoid(-y u) = 0, -1, 1, 0 (Sum).
  const TensorD big = TensorD::from({1000.0, -1000.0, 1000.0, -1000.0}, true);
  const TensorD y = TensorD::from({1.0, 1.0, -1.0, -1.0});
  const TensorD loss = nn::logistic_loss(big, y, Reduction::Sum);
  CHECK(loss.item() == 2000.0);
  loss.backward();
  CHECK(big.grad().to_vector() == std::vector<double>{0.0, -1.0, 1.0, 0.0});

  const Tensor bigf = Tensor::from({1000.0f, -1000.0f, 1000.0f, -1000.0f}, true);
  const Tensor yf = Tensor::from({1.0f, 1.0f, -1.0f, -1.0f});
  const Tensor lf = nn::logistic_loss(bigf, yf);
  CHECK(std::isfinite(lf.item()));
  CHECK(lf.item() == 500.0f);
  lf.backward();
  CHECK(bigf.grad().to_vector() == std::vector<float>{0.0f, -0.25f, 0.25f, 0.0f});
  // Around the softplus threshold (|u| = 40) the value is continuous: the two branches agree to rounding.
  for (double x : {39.5, 40.0, 40.5}) {
    const double l = nn::logistic_loss(TensorD::from({-x}), TensorD::from({1.0})).item();
    CHECK(l == doctest::Approx(x + std::log1p(std::exp(-x))).epsilon(1e-15));
  }
}

TEST_CASE("nn: logistic_loss gradients (random shapes, batch 1 included) and label check") {
  manual_seed(68);
  for (const auto& size : random_sizes(612, 4)) {
    const std::size_t n = size.first, k = size.second;
    const TensorD logits = TensorD::normal({n, k}, 0.0, 3.0, true);
    TensorD labels = TensorD::ones({n, k});
    double* l = labels.mutable_data();
    for (std::size_t i = 0; i < labels.numel(); i += 2) l[i] = -1;
    for (Reduction r : {Reduction::Mean, Reduction::Sum})
      check_gradients([&](const std::vector<TensorD>& v) { return nn::logistic_loss(v[0], labels, r); }, {logits});
  }
  check_error<ValueError>(
      [] {
        nn::logistic_loss(TensorD::from({1.0, 2.0, 3.0}), TensorD::from({1.0, -1.0, 0.0}));
      },
      {"logistic_loss", "label 0 at flat index 2", "-1 or +1"});
  check_error<ValueError>(
      [] {
        nn::logistic_loss(TensorD::from({1.0, 2.0}), TensorD::from({0.5, 1.0}));
      },
      {"label 0.5 at flat index 0"});
  check_error<ShapeError>(
      [] {
        nn::logistic_loss(TensorD::zeros({3, 1}), TensorD::ones({3}));
      },
      {"logistic_loss", "[3, 1]", "[3]"});
  check_error<ValueError>(
      [] {
        nn::logistic_loss(TensorD::zeros({0, 2}), TensorD::zeros({0, 2}));
      },
      {"logistic_loss", "empty batch"});
  CHECK(nn::logistic_loss(TensorD::zeros({0, 2}), TensorD::zeros({0, 2}), Reduction::Sum).item() == 0.0);
}

TEST_CASE("nn: L1 and L2 penalties over a list of parameters") {
  TensorD a = TensorD::from({1.0, -2.0}, true);
  const TensorD b = TensorD::from({0.5, -0.5, 3.0, 0.25}, {2, 2}, true);
  CHECK(nn::l1_penalty<double>({a, b}).item() == doctest::Approx(3 + 4.25));
  CHECK(nn::l2_penalty<double>({a, b}).item() == doctest::Approx(5 + 0.25 + 0.25 + 9 + 0.0625));  // no 1/2
  nn::l2_penalty<double>({a, b}).backward();
  CHECK(a.grad().to_vector() == std::vector<double>{2, -4});  // d/dp p^2 = 2 p
  a.zero_grad();
  nn::l1_penalty<double>({a}).backward();
  CHECK(a.grad().to_vector() == std::vector<double>{1, -1});  // sign(p)
  CHECK(nn::l2_penalty<double>({}).item() == 0.0);

  manual_seed(66);
  const TensorD p = TensorD::randn({3, 2}, true), q = TensorD::randn({4}, true);
  check_gradients([](const std::vector<TensorD>& v) { return nn::l2_penalty(v); }, {p, q});
  check_gradients([](const std::vector<TensorD>& v) { return nn::l1_penalty(v); }, {p, q});
}

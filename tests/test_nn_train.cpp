// End-to-end learning with a plain gradient-descent loop written here (p -= lr * dL/dp), independent of optim/:
// the logic gates, including XOR (not linearly separable, so it needs the hidden layer), a linear regression that
// must recover known weights, and a three-class problem trained with cross-entropy through BatchNorm and Dropout.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "autodiff/autodiff.h"
#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/dropout.h"
#include "nn/linear.h"
#include "nn/loss.h"
#include "nn/sequential.h"

using namespace ad;

namespace {

// One step of plain gradient descent on every parameter of `model`.
void gd_step(const nn::Module<float>& model, float lr) {
  NoGradGuard no_grad;
  for (auto p : model.parameters()) {
    const Tensor g = p.grad();
    REQUIRE(g.defined());
    float* w = p.mutable_data();
    const float* d = g.data();
    for (std::size_t i = 0; i < p.numel(); ++i) w[i] -= lr * d[i];
  }
}

// Trains a 2-4-1 tanh network on the four corners of the unit square with binary cross-entropy on logits and
// returns its accuracy after training.
double learn_gate(const std::vector<float>& truth, unsigned long long seed) {
  manual_seed(seed);
  auto model = nn::Sequential(nn::Linear(2, 4), nn::Tanh(), nn::Linear(4, 1));
  const Tensor x = Tensor::from({0, 0, 0, 1, 1, 0, 1, 1}, {4, 2});
  const Tensor y = Tensor::from(truth, {4, 1});
  float first = 0, last = 0;
  for (int step = 0; step < 1500; ++step) {
    model.zero_grad();
    const Tensor loss = nn::binary_cross_entropy_with_logits(model(x), y);
    loss.backward();
    gd_step(model, 1.0f);
    (step == 0 ? first : last) = loss.item();
  }
  CHECK(last < 0.05f * first);
  const Tensor logits = model(x);
  int correct = 0;
  for (std::size_t i = 0; i < 4; ++i) correct += (logits.at({i, 0}) > 0) == (truth[i] > 0.5f);
  return correct / 4.0;
}

}  // namespace

TEST_CASE("nn: a 2-4-1 network learns XOR, AND and OR with gradient descent") {
  CHECK(learn_gate({0, 1, 1, 0}, 1) == 1.0);  // XOR
  CHECK(learn_gate({0, 0, 0, 1}, 2) == 1.0);  // AND
  CHECK(learn_gate({0, 1, 1, 1}, 3) == 1.0);  // OR
}

TEST_CASE("nn: linear regression recovers known weights") {
  manual_seed(7);
  const Tensor x = Tensor::randn({200, 3});
  const Tensor w_true = Tensor::from({2.0f, -3.0f, 0.5f}, {3, 1});
  const float b_true = 1.5f;
  const Tensor y = (matmul(x, w_true) + b_true + Tensor::randn({200, 1}) * 0.01f).detach();

  nn::Linear lin(3, 1);
  for (int step = 0; step < 300; ++step) {
    lin.zero_grad();
    nn::mse_loss(lin(x), y).backward();
    gd_step(lin, 0.1f);
  }
  CHECK(lin.weight.at({0, 0}) == doctest::Approx(2.0).epsilon(0.01));
  CHECK(lin.weight.at({1, 0}) == doctest::Approx(-3.0).epsilon(0.01));
  CHECK(lin.weight.at({2, 0}) == doctest::Approx(0.5).epsilon(0.02));
  CHECK(lin.bias.at({0}) == doctest::Approx(1.5).epsilon(0.01));
}

TEST_CASE("nn: three blobs are separated by an MLP with BatchNorm and Dropout trained on cross-entropy") {
  manual_seed(8);
  const std::size_t per_class = 40, n = 3 * per_class;
  const float centres[3][2] = {{0, 3}, {-3, -2}, {3, -2}};
  Tensor x = Tensor::randn({n, 2});
  std::vector<std::size_t> labels(n);
  float* p = x.mutable_data();
  for (std::size_t i = 0; i < n; ++i) {
    labels[i] = i / per_class;
    p[2 * i] += centres[labels[i]][0];
    p[2 * i + 1] += centres[labels[i]][1];
  }
  auto model = nn::Sequential(nn::Linear(2, 16), nn::BatchNorm1d(16), nn::ReLU(), nn::Dropout(0.1), nn::Linear(16, 3));
  for (int step = 0; step < 150; ++step) {
    model.zero_grad();
    nn::cross_entropy(model(x), labels).backward();
    gd_step(model, 0.2f);
  }
  model.eval();
  const Tensor logits = model(x);
  std::size_t correct = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t best = 0;
    for (std::size_t c = 1; c < 3; ++c)
      if (logits.at({i, c}) > logits.at({i, best})) best = c;
    correct += best == labels[i];
  }
  CHECK(double(correct) / double(n) > 0.95);
}

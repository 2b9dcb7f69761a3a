// Gradient clipping: by value (elementwise clamp) and by global norm (one scale factor for all gradients).
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "autodiff/autodiff.h"
#include "optim/optim.h"

using namespace ad;

namespace {

// Gives each parameter the gradient `g` (a linear loss Σ g·p).
template <class T>
void set_grads(std::vector<TensorT<T>>& params, const std::vector<std::vector<T>>& grads) {
  TensorT<T> loss = TensorT<T>::scalar(T(0));
  for (std::size_t i = 0; i < grads.size(); ++i) {
    params[i].zero_grad(true);
    loss = loss + (params[i] * TensorT<T>::from(grads[i], params[i].shape())).sum();
  }
  loss.backward();
}

}  // namespace

TEST_CASE("optim: clip_grad_value_ clamps every gradient element to -clip..clip and skips missing gradients") {
  std::vector<TensorD> params = {TensorD::zeros({3}, true), TensorD::zeros({2}, true), TensorD::zeros({1}, true)};
  set_grads(params, {{3.0, -0.5, -7.0}, {0.2, 2.0}});  // the third parameter gets no gradient
  optim::clip_grad_value_(params, 1.0);
  CHECK(params[0].grad().to_vector() == std::vector<double>{1.0, -0.5, -1.0});
  CHECK(params[1].grad().to_vector() == std::vector<double>{0.2, 1.0});
  CHECK_FALSE(params[2].grad().defined());
}

TEST_CASE("optim: clip_grad_norm_ returns the global L2 norm and rescales all gradients together above max_norm") {
  std::vector<TensorD> params = {TensorD::zeros({2}, true), TensorD::zeros({1}, true), TensorD::zeros({4}, true)};
  // ‖(3, 4, 12)‖ = 13 over the two parameters that have gradients.
  set_grads(params, {{3.0, 4.0}, {12.0}});
  CHECK(optim::clip_grad_norm_(params, 20.0) == 13.0);  // below max_norm: unchanged
  CHECK(params[0].grad().to_vector() == std::vector<double>{3.0, 4.0});

  CHECK(optim::clip_grad_norm_(params, 6.5) == 13.0);  // the norm before clipping
  const double scale = 6.5 / (13.0 + 1e-6);            // about one half
  CHECK(std::abs(params[0].grad().data()[0] - 3.0 * scale) <= 1e-15);
  CHECK(std::abs(params[0].grad().data()[1] - 4.0 * scale) <= 1e-15);
  CHECK(std::abs(params[1].grad().data()[0] - 12.0 * scale) <= 1e-15);
  CHECK(optim::clip_grad_norm_(params, 100.0) == doctest::Approx(6.5).epsilon(1e-6));
  CHECK_FALSE(params[2].grad().defined());
}

TEST_CASE("optim: clip_grad_norm_ with the infinity and 1-norms") {
  std::vector<TensorD> params = {TensorD::zeros({2}, true), TensorD::zeros({1}, true)};
  set_grads(params, {{3.0, -4.0}, {-12.0}});
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(optim::clip_grad_norm_(params, 100.0, inf) == 12.0);  // max |g|
  CHECK(optim::clip_grad_norm_(params, 100.0, 1.0) == 19.0);  // Σ |g|
  CHECK(optim::clip_grad_norm_(params, 6.0, inf) == 12.0);
  const double scale = 6.0 / (12.0 + 1e-6);
  CHECK(std::abs(params[1].grad().data()[0] + 12.0 * scale) <= 1e-15);
}

TEST_CASE("optim: clip_grad_norm_ leaves gradients alone when their norm is NaN and returns it") {
  std::vector<TensorD> params = {TensorD::zeros({2}, true)};
  set_grads(params, {{std::nan(""), 4.0}});
  CHECK(std::isnan(optim::clip_grad_norm_(params, 1.0)));
  CHECK(std::isnan(optim::clip_grad_norm_(params, 1.0, std::numeric_limits<double>::infinity())));
  CHECK(params[0].grad().data()[1] == 4.0);
}

TEST_CASE("optim: clip_grad_norm_ on float gradients accumulates the norm in double") {
  std::vector<Tensor> params = {Tensor::zeros({2}, true), Tensor::zeros({1}, true)};
  set_grads(params, {{3.0f, 4.0f}, {12.0f}});
  CHECK(optim::clip_grad_norm_(params, 100.0) == 13.0);
  optim::clip_grad_value_(params, 3.5);
  CHECK(params[1].grad().item() == 3.5f);
}

TEST_CASE("optim: clipping rejects negative bounds and a non-positive norm type") {
  std::vector<TensorD> params = {TensorD::zeros({2}, true)};
  CHECK_THROWS_WITH_AS(optim::clip_grad_value_(params, -1.0), doctest::Contains("got -1"), ValueError);
  CHECK_THROWS_WITH_AS(optim::clip_grad_norm_(params, -0.5), doctest::Contains("got -0.5"), ValueError);
  CHECK_THROWS_WITH_AS(optim::clip_grad_norm_(params, 1.0, 0.0), doctest::Contains("norm_type"), ValueError);
}

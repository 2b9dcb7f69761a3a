// User-defined ops (autodiff/function.h): forward and backward given as a class or as lambdas, any number of inputs,
// saved tensors, float and double; gradcheck, hooks and anomaly mode work on them as on built-in ops.
#include <doctest/doctest.h>

#include <any>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "autodiff/autodiff.h"
#include "gradcheck_util.h"
#include "tests/test_bad_input.h"

using namespace ad;
using namespace ad::testing;
using bad_input::expect;

namespace {

// y = scale * tanh(x), with its derivative written by hand: scale (1 - tanh^2).
struct ScaledTanh : Function<ScaledTanh> {
  static constexpr const char* name = "scaled_tanh";
  template <class T>
  static TensorT<T> forward(AutogradContext<T>* ctx, const TensorT<T>& x, double scale) {
    TensorT<T> t = tanh(x);
    ctx->save_for_backward({t});
    ctx->saved_data["scale"] = scale;
    return t * T(scale);
  }
  template <class T>
  static std::vector<TensorT<T>> backward(AutogradContext<T>* ctx, const std::vector<TensorT<T>>& grad_out) {
    const TensorT<T> t = ctx->get_saved_variables()[0];
    const T scale = T(std::any_cast<double>(ctx->saved_data.at("scale")));
    return {grad_out[0] * scale * (T(1) - t * t), TensorT<T>()};
  }
};

// A three-input op: y = a * b + c, broadcasting like the built-in ops; backward returns gradients of the output's
// shape and lets the op sum them back over the broadcast axes.
struct MulAdd : Function<MulAdd> {
  static constexpr const char* name = "mul_add";
  template <class T>
  static TensorT<T> forward(AutogradContext<T>* ctx, const TensorT<T>& a, const TensorT<T>& b, const TensorT<T>& c) {
    ctx->save_for_backward({a, b});
    return a * b + c;
  }
  template <class T>
  static std::vector<TensorT<T>> backward(AutogradContext<T>* ctx, const std::vector<TensorT<T>>& grad_out) {
    const auto saved = ctx->get_saved_variables();
    const TensorT<T>& g = grad_out[0];
    return {g * saved[1], g * saved[0], g};
  }
};

}  // namespace

TEST_CASE("function: a class-defined op passes gradcheck on random shapes, in double") {
  for (int t = 0; t < 6; ++t) {
    TensorD x = random_input(random_shape(), -2, 2);
    // First order only: its backward uses tanh(x) computed inside forward, a constant to a second derivative (as an
    // intermediate saved in a torch.autograd.Function is); see the next test for an op that differentiates twice.
    expect_gradcheck([](const std::vector<TensorD>& v) { return ScaledTanh::apply(v[0], 1.5); }, {x}, "scaled_tanh",
                     /*first_order_only=*/true);
  }
}

TEST_CASE("function: an op whose backward is composed from its saved inputs differentiates to second order") {
  for (int t = 0; t < 4; ++t) {
    TensorD x = random_input(random_shape(), -2, 2);
    auto f = [](const std::vector<TensorD>& v) {
      return custom_op<double>(
          "sin_squared", {v[0]},
          [](AutogradContext<double>& ctx, const std::vector<TensorD>& in) {
            ctx.save_for_backward({in[0]});
            return sin(in[0]) * sin(in[0]);
          },
          [](AutogradContext<double>& ctx, const TensorD& g) {
            const TensorD x = ctx.get_saved_variables()[0];
            return std::vector<TensorD>{g * 2.0 * sin(x) * cos(x)};  // recorded under create_graph
          });
    };
    expect_gradcheck(f, {x}, "sin_squared");  // includes gradgradcheck
  }
}

TEST_CASE("function: a class-defined op gives the same values and gradients as its composed form, in float") {
  manual_seed(5);
  Tensor x = Tensor::randn({3, 4}, true);
  Tensor y = ScaledTanh::apply(x, 2.0);
  CHECK(y.grad_fn_name() == "scaled_tanh");
  y.sum().backward();
  const std::vector<float> g = x.grad().to_vector();
  Tensor x2 = x.detach();
  x2.requires_grad_();
  Tensor y2 = tanh(x2) * 2.0f;
  y2.sum().backward();
  for (std::size_t i = 0; i < g.size(); ++i) {
    CHECK(y.data()[i] == doctest::Approx(y2.data()[i]).epsilon(1e-6));
    CHECK(g[i] == doctest::Approx(x2.grad().data()[i]).epsilon(1e-5));
  }
}

TEST_CASE("function: an op of three inputs with broadcasting passes gradcheck") {
  for (int t = 0; t < 6; ++t) {
    const Shape s = random_shape(1);
    TensorD a = random_input(s, -1, 1), b = random_input(broadcast_partner(s), -1, 1),
            c = random_input(broadcast_partner(s), -1, 1);
    expect_gradcheck([](const std::vector<TensorD>& v) { return MulAdd::apply(v[0], v[1], v[2]); }, {a, b, c},
                     "mul_add");
  }
}

TEST_CASE("function: the lambda form, with inputs that need no gradient and needs_input_grad") {
  TensorD w = random_input({3}, -1, 1);
  TensorD k = TensorD::from({1, 2, 3});  // a constant input
  std::vector<bool> seen;
  auto f = [&](const std::vector<TensorD>& v) {
    return custom_op<double>(
        "weighted_square", {v[0], k},
        [&](AutogradContext<double>& ctx, const std::vector<TensorD>& in) {
          seen = {ctx.needs_input_grad(0), ctx.needs_input_grad(1)};
          ctx.save_for_backward({in[0], in[1]});
          return (in[0] * in[0] * in[1]).sum();
        },
        [](AutogradContext<double>& ctx, const TensorD& g) {
          const auto s = ctx.get_saved_variables();
          return std::vector<TensorD>{g * 2.0 * s[0] * s[1], TensorD()};
        });
  };
  expect_gradcheck(f, {w}, "weighted_square");
  {
    NoGradGuard no_grad;  // as in gradcheck's numeric pass
    f({w});
  }
  CHECK(seen == std::vector<bool>{false, false});
  TensorD y = f({w});
  CHECK(seen == std::vector<bool>{true, false});
  CHECK(y.grad_fn_name() == "weighted_square");
}

TEST_CASE("function: nothing is recorded under no_grad or when no input requires grad") {
  TensorD x = TensorD::ones({2});
  CHECK_FALSE(ScaledTanh::apply(x, 1.0).requires_grad());
  x.requires_grad_();
  NoGradGuard g;
  CHECK_FALSE(ScaledTanh::apply(x, 1.0).requires_grad());
}

TEST_CASE("function: hooks and retain_grad see the gradient flowing through a user op") {
  TensorD x = TensorD::from({0.1, -0.2}, true);
  TensorD y = ScaledTanh::apply(x, 1.0);
  y.retain_grad();
  auto h = y.register_hook([](const TensorD& g) { return g * 10.0; });
  y.sum().backward();
  CHECK(y.grad().to_vector() == std::vector<double>{10, 10});
  const double t0 = std::tanh(0.1);
  CHECK(x.grad().data()[0] == doctest::Approx(10 * (1 - t0 * t0)));
}

TEST_CASE("function: a saved tensor modified in place makes backward refuse, naming the op") {
  // forward returns the tensor it saves, so writing the output writes the saved tensor.
  auto f = [](const TensorD& x) {
    return custom_op<double>(
        "saves_output", {x},
        [](AutogradContext<double>& ctx, const std::vector<TensorD>& in) {
          TensorD y = tanh(in[0]);
          ctx.save_for_backward({y});
          return y;
        },
        [](AutogradContext<double>& ctx, const TensorD& g) {
          const TensorD y = ctx.get_saved_variables()[0];
          return std::vector<TensorD>{g * (1.0 - y * y)};
        });
  };
  TensorD x = TensorD::from({0.5, 1.5}, true);
  TensorD y = f(x);
  y.mutable_data()[0] = 3;
  expect<GraphError>([&] { y.sum().backward(); }, {"saves_output", "modified in place"});
  // Unmodified, the same op differentiates (and its output does not keep itself alive through what it saved).
  const std::size_t before = live_nodes();
  {
    TensorD z = f(x);
    z.sum().backward();
    CHECK(x.grad().data()[0] == doctest::Approx(1 - std::tanh(0.5) * std::tanh(0.5)));
  }
  CHECK(live_nodes() == before);
}

TEST_CASE("function: anomaly mode checks a user op's output and the gradients its backward returns") {
  AnomalyGuard a;
  TensorD x = TensorD::from({1.0}, true);
  // forward writes its value directly (no library op to catch it): the op's own check names it.
  auto nan_value = [](const TensorD& v) {
    return custom_op<double>(
        "nan_value", {v},
        [](AutogradContext<double>&, const std::vector<TensorD>&) {
          TensorD y = TensorD::empty({1});
          y.mutable_data()[0] = std::nan("");
          return y;
        },
        [](AutogradContext<double>&, const TensorD& g) { return std::vector<TensorD>{g}; });
  };
  expect<AnomalyError>([&] { return nan_value(x); }, {"nan_value", "NaN"});
  auto inf_grad = [](const TensorD& v) {
    return custom_op<double>(
        "inf_grad", {v}, [](AutogradContext<double>&, const std::vector<TensorD>& in) { return in[0] * 2.0; },
        [](AutogradContext<double>&, const TensorD&) {
          return std::vector<TensorD>{TensorD::full({1}, std::numeric_limits<double>::infinity())};
        });
  };
  TensorD y = inf_grad(x);
  expect<AnomalyError>([&] { y.backward(); }, {"backward of inf_grad", "Inf"});
}

// Every op's backward against central finite differences (double), over random shapes with broadcasting and
// size-1 dimensions. Domains avoid points where an op is not differentiable (kinks) or not defined.
#include <cmath>

#include "gradcheck_util.h"

using namespace ad;
using namespace ad::testing;

namespace {

constexpr int kTrials = 8;

void check_unary(const char* name, const std::function<TensorD(const TensorD&)>& f, double lo, double hi,
                 std::vector<double> avoid = {}) {
  for (int t = 0; t < kTrials; ++t) {
    TensorD x = random_input(random_shape(), lo, hi, avoid);
    expect_gradcheck([&](const std::vector<TensorD>& v) { return f(v[0]); }, {x}, name);
  }
}

void check_binary(const char* name, const std::function<TensorD(const TensorD&, const TensorD&)>& f, double lo,
                  double hi, double blo, double bhi) {
  for (int t = 0; t < kTrials; ++t) {
    Shape sa = random_shape(), sb = broadcast_partner(sa);
    if (t % 2) std::swap(sa, sb);  // broadcast on either side
    TensorD a = random_input(sa, lo, hi), b = random_input(sb, blo, bhi);
    expect_gradcheck([&](const std::vector<TensorD>& v) { return f(v[0], v[1]); }, {a, b}, name);
  }
}

}  // namespace

TEST_CASE("gradcheck: binary elementwise ops with broadcasting") {
  check_binary(
      "add", [](auto& a, auto& b) { return a + b; }, -2, 2, -2, 2);
  check_binary(
      "sub", [](auto& a, auto& b) { return a - b; }, -2, 2, -2, 2);
  check_binary(
      "mul", [](auto& a, auto& b) { return a * b; }, -2, 2, -2, 2);
  check_binary(
      "div", [](auto& a, auto& b) { return a / b; }, -2, 2, 0.5, 2);
  check_binary(
      "pow", [](auto& a, auto& b) { return pow(a, b); }, 0.5, 2, -2, 2);
  check_binary(
      "maximum", [](auto& a, auto& b) { return maximum(a, b); }, -2, 2, -2, 2);
  check_binary(
      "minimum", [](auto& a, auto& b) { return minimum(a, b); }, -2, 2, -2, 2);
}

TEST_CASE("gradcheck: an input used on both sides of an op accumulates both contributions") {
  TensorD x = random_input({3, 2}, -1, 1);
  expect_gradcheck([](const std::vector<TensorD>& v) { return v[0] * v[0] + v[0] / (v[0] * v[0] + 1.0); }, {x},
                   "x*x + x/(x*x+1)");
}

TEST_CASE("gradcheck: where routes the gradient by the mask, with broadcasting") {
  for (int t = 0; t < kTrials; ++t) {
    const Shape s = random_shape(1);
    TensorD cond = gt(TensorD::randn(broadcast_partner(s)), TensorD::scalar(0));
    TensorD a = random_input(s, -1, 1), b = random_input(broadcast_partner(s), -1, 1);
    expect_gradcheck([&](const std::vector<TensorD>& v) { return where(cond, v[0], v[1]); }, {a, b}, "where");
    expect_gradcheck([&](const std::vector<TensorD>& v) { return where(cond, v[0], 0.5); }, {a}, "where(c, x, s)");
    expect_gradcheck([&](const std::vector<TensorD>& v) { return where(cond, -1, v[0]); }, {b}, "where(c, s, x)");
    expect_gradcheck([&](const std::vector<TensorD>& v) { return v[0].where(cond, v[1]); }, {a, b}, "x.where(c, y)");
  }
}

TEST_CASE("gradcheck: ops with a scalar operand") {
  check_unary(
      "x + s", [](const TensorD& x) { return x + 1.5; }, -2, 2);
  check_unary(
      "s + x", [](const TensorD& x) { return 1.5 + x; }, -2, 2);
  check_unary(
      "x - s", [](const TensorD& x) { return x - 0.5; }, -2, 2);
  check_unary(
      "s - x", [](const TensorD& x) { return 0.5 - x; }, -2, 2);
  check_unary(
      "x * s", [](const TensorD& x) { return x * -3.0; }, -2, 2);
  check_unary(
      "s * x", [](const TensorD& x) { return 2.0 * x; }, -2, 2);
  check_unary(
      "x / s", [](const TensorD& x) { return x / 4.0; }, -2, 2);
  check_unary(
      "s / x", [](const TensorD& x) { return 2.0 / x; }, 0.5, 2);
  check_unary(
      "pow(x, 3)", [](const TensorD& x) { return pow(x, 3.0); }, -2, 2);
  check_unary(
      "pow(x, -1.5)", [](const TensorD& x) { return pow(x, -1.5); }, 0.5, 2);
  check_unary(
      "pow(2.5, x)", [](const TensorD& x) { return pow(2.5, x); }, -2, 2);
  // Scalars of other arithmetic types than T (converted to T).
  check_unary(
      "pow(x, 2) int", [](const TensorD& x) { return pow(x, 2); }, -2, 2);
  check_unary(
      "pow(3, x) int", [](const TensorD& x) { return pow(3, x); }, -2, 2);
  check_unary(
      "x * 2 int, 1 - x int, x / 3 int", [](const TensorD& x) { return (1 - x * 2) / 3; }, -2, 2);
  check_unary(
      "add_scalar, mul_scalar float", [](const TensorD& x) { return mul_scalar(add_scalar(x, 0.5f), 1.5f); }, -2, 2);
  check_unary(
      "rsub_scalar, rdiv_scalar int", [](const TensorD& x) { return rdiv_scalar(1, rsub_scalar(3, x)); }, -2, 2);
  check_unary(
      "x.add(s).mul(s).sub(s).div(s)", [](const TensorD& x) { return x.add(1).mul(-2).sub(0.5).div(4); }, -2, 2);
}

TEST_CASE("gradcheck: unary elementwise ops") {
  check_unary(
      "neg", [](const TensorD& x) { return -x; }, -2, 2);
  check_unary(
      "exp", [](const TensorD& x) { return exp(x); }, -2, 2);
  check_unary(
      "log", [](const TensorD& x) { return log(x); }, 0.2, 3);
  check_unary(
      "sqrt", [](const TensorD& x) { return sqrt(x); }, 0.2, 3);
  check_unary("abs", [](const TensorD& x) { return abs(x); }, -2, 2, {0});
  check_unary(
      "sin", [](const TensorD& x) { return sin(x); }, -3, 3);
  check_unary(
      "cos", [](const TensorD& x) { return cos(x); }, -3, 3);
  check_unary(
      "tanh", [](const TensorD& x) { return tanh(x); }, -3, 3);
  check_unary(
      "sigmoid", [](const TensorD& x) { return sigmoid(x); }, -4, 4);
  check_unary("relu", [](const TensorD& x) { return relu(x); }, -2, 2, {0});
  check_unary("leaky_relu", [](const TensorD& x) { return leaky_relu(x, 0.1); }, -2, 2, {0});
  check_unary("elu", [](const TensorD& x) { return elu(x, 0.7); }, -2, 2, {0});
  check_unary(
      "softplus", [](const TensorD& x) { return softplus(x); }, -4, 4);
  check_unary("softplus beta=2", [](const TensorD& x) { return softplus(x, 2.0, 5.0); }, -4, 4, {2.5});
  check_unary("clamp", [](const TensorD& x) { return clamp(x, -0.5, 0.8); }, -2, 2, {-0.5, 0.8});
  check_unary(
      "silu", [](const TensorD& x) { return silu(x); }, -4, 4);
  check_unary(
      "gelu", [](const TensorD& x) { return gelu(x); }, -4, 4);
  check_unary(
      "gelu tanh", [](const TensorD& x) { return gelu(x, "tanh"); }, -4, 4);
  // Method forms and scalars of other types than T.
  check_unary("x.leaky_relu(0.1f)", [](const TensorD& x) { return x.leaky_relu(0.1f); }, -2, 2, {0});
  check_unary("leaky_relu(x, 0.1f)", [](const TensorD& x) { return leaky_relu(x, 0.1f); }, -2, 2, {0});
  check_unary("x.elu(2)", [](const TensorD& x) { return x.elu(2); }, -2, 2, {0});
  check_unary("softplus(x, 2, 5) int", [](const TensorD& x) { return softplus(x, 2, 5); }, -4, 4, {2.5});
  check_unary("clamp(x, -1, 1) int", [](const TensorD& x) { return clamp(x, -1, 1); }, -2, 2, {-1, 1});
  check_unary("x.clip(-0.5, 0.8)", [](const TensorD& x) { return x.clip(-0.5, 0.8); }, -2, 2, {-0.5, 0.8});
  check_unary(
      "x.neg().sin().cos()", [](const TensorD& x) { return x.neg().sin().cos(); }, -3, 3);
  check_unary(
      "x.silu(), x.gelu(), x.gelu_tanh()", [](const TensorD& x) { return x.silu() * x.gelu() + x.gelu_tanh(); }, -3, 3);
  check_unary(
      "x.softplus(2.0)", [](const TensorD& x) { return x.softplus(2.0); }, -4, 4);
}

TEST_CASE("gradcheck: matmul in every supported rank combination") {
  const std::size_t m = rand_int(1, 4), k = rand_int(1, 4), n = rand_int(1, 4), b = rand_int(1, 3);
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{m, k}, {k, n}},    {{k}, {k, n}},       {{m, k}, {k}},    {{k}, {k}},       {{b, m, k}, {b, k, n}},
      {{b, m, k}, {k, n}}, {{m, k}, {b, k, n}}, {{1, 1}, {1, 1}}, {{b, m, k}, {k}}, {{k}, {b, k, n}}};
  for (const auto& [sa, sb] : cases) {
    TensorD x = random_input(sa, -1, 1), y = random_input(sb, -1, 1);
    expect_gradcheck([](const std::vector<TensorD>& v) { return matmul(v[0], v[1]); }, {x, y}, "matmul");
  }
}

TEST_CASE("gradcheck: shape ops") {
  for (int t = 0; t < kTrials; ++t) {
    const Shape s = random_shape(2, 3);
    TensorD x = random_input(s, -1, 1);
    auto chk = [&](const char* name, std::function<TensorD(const TensorD&)> f) {
      expect_gradcheck(
          [&](const std::vector<TensorD>& v) {
            return f(v[0]) * TensorD::arange(f(v[0]).numel()).reshape(f(v[0]).shape());
          },
          {x}, name);
    };
    // Multiplying by distinct weights makes a misplaced gradient visible (a plain sum would hide permutations).
    chk("transpose", [](const TensorD& a) { return a.t(); });
    chk("transpose(0, -1)", [](const TensorD& a) { return a.transpose(0, -1); });
    chk("reshape", [](const TensorD& a) { return a.reshape({-1}); });
    chk("flatten", [](const TensorD& a) { return a.flatten(); });
    chk("unsqueeze/squeeze", [](const TensorD& a) { return a.unsqueeze(1).squeeze(1).unsqueeze(0); });
    chk("narrow", [&](const TensorD& a) { return narrow(a, -1, s[s.rank() - 1] / 2, (s[s.rank() - 1] + 1) / 2); });
    chk("rows", [&](const TensorD& a) { return a.rows(0, s[0]); });
    chk("select", [&](const TensorD& a) { return select(a, 1, s[1] - 1); });
    chk("index_select with repeats", [&](const TensorD& a) { return index_select(a, 0, {0, s[0] - 1, 0}); });
    chk("broadcast_to", [&](const TensorD& a) {
      Shape big;
      big.push_back(2);
      for (std::size_t d : a.shape()) big.push_back(d);
      return broadcast_to(a, big);
    });
    chk("concat", [&](const TensorD& a) { return concat<double>({a, a * 2.0, a.exp()}, 1); });
    chk("stack", [&](const TensorD& a) { return stack<double>({a, a.pow(2.0)}, 0); });
    if (s.rank() == 3) chk("permute", [](const TensorD& a) { return permute(a, {2, 0, 1}); });
    // Method forms.
    if (s.rank() == 3) chk("x.permute", [](const TensorD& a) { return a.permute({1, 2, 0}); });
    chk("x.transpose()", [](const TensorD& a) { return a.transpose(); });
    chk("x.narrow", [&](const TensorD& a) { return a.narrow(0, 0, (s[0] + 1) / 2); });
    chk("x.select", [&](const TensorD& a) { return a.select(-1, 0); });
    chk("x.index_select", [&](const TensorD& a) { return a.index_select(1, {s[1] - 1, 0, s[1] - 1}); });
    chk("x.broadcast_to", [&](const TensorD& a) {
      Shape big;
      big.push_back(3);
      for (std::size_t d : a.shape()) big.push_back(d);
      return a.broadcast_to(big);
    });
  }
}

TEST_CASE("gradcheck: broadcast_to of size-1 axes sums the gradient over the broadcast axes") {
  TensorD x = random_input({3, 1}, -1, 1);
  expect_gradcheck(
      [](const std::vector<TensorD>& v) {
        return broadcast_to(v[0], Shape{2, 3, 4}) * TensorD::arange(24).reshape({2, 3, 4});
      },
      {x}, "broadcast_to");
}

TEST_CASE("gradcheck: reductions over all elements and along each axis, with and without keepdims") {
  for (int t = 0; t < kTrials; ++t) {
    const Shape s = random_shape(1, 3);
    TensorD x = random_input(s, -2, 2);
    expect_gradcheck([](const std::vector<TensorD>& v) { return v[0].sum(); }, {x}, "sum");
    expect_gradcheck([](const std::vector<TensorD>& v) { return v[0].mean(); }, {x}, "mean");
    expect_gradcheck([](const std::vector<TensorD>& v) { return v[0].max(); }, {x}, "max");
    expect_gradcheck([](const std::vector<TensorD>& v) { return v[0].min(); }, {x}, "min");
    for (int ax = -static_cast<int>(s.rank()); ax < static_cast<int>(s.rank()); ++ax)
      for (bool keep : {false, true}) {
        const std::string tag = " axis " + std::to_string(ax) + (keep ? " keepdims" : "");
        expect_gradcheck([&](const std::vector<TensorD>& v) { return v[0].sum(ax, keep); }, {x}, "sum" + tag);
        expect_gradcheck([&](const std::vector<TensorD>& v) { return v[0].mean(ax, keep); }, {x}, "mean" + tag);
        expect_gradcheck([&](const std::vector<TensorD>& v) { return v[0].max(ax, keep); }, {x}, "max" + tag);
        expect_gradcheck([&](const std::vector<TensorD>& v) { return v[0].min(ax, keep); }, {x}, "min" + tag);
        expect_gradcheck([&](const std::vector<TensorD>& v) { return v[0].logsumexp(ax, keep); }, {x},
                         "logsumexp" + tag);
      }
  }
}

TEST_CASE("gradcheck: softmax and log_softmax along every axis") {
  for (int t = 0; t < kTrials; ++t) {
    const Shape s = random_shape(1, 3);
    TensorD x = random_input(s, -3, 3);
    for (int ax = 0; ax < static_cast<int>(s.rank()); ++ax) {
      // Weighted so that the gradient is not identically zero (softmax sums to 1 along the axis).
      const TensorD w = TensorD::randn(s);
      expect_gradcheck([&](const std::vector<TensorD>& v) { return v[0].log_softmax(ax) * w; }, {x}, "log_softmax");
      expect_gradcheck([&](const std::vector<TensorD>& v) { return v[0].softmax(ax) * w; }, {x}, "softmax");
    }
  }
}

TEST_CASE("gradcheck: composite expressions") {
  TensorD x = random_input({3, 4}, -1, 1), w = random_input({4, 2}, -1, 1);
  expect_gradcheck(
      [](const std::vector<TensorD>& v) { return (relu(matmul(v[0], v[1]) + 1.0) * v[0].sum()).pow(2.0).mean(); },
      {x, w}, "the README example");
  TensorD b = random_input({2}, -1, 1);
  expect_gradcheck(
      [](const std::vector<TensorD>& v) {
        TensorD h = tanh(matmul(v[0], v[1]) + v[2]);
        return -(h.log_softmax(1) * TensorD::from({1, 0, 0, 1, 1, 0}, {3, 2})).sum(1).mean();
      },
      {x, w, b}, "a one-layer classifier with cross-entropy");
}

TEST_CASE("seed example: f(x) = sqrt(x^2 + exp(x^2)) has derivative x (1 + exp(x^2)) / f(x)") {
  TensorD x = random_input({7}, -2, 2);
  auto f = [](const TensorD& v) { return sqrt(v * v + exp(v * v)); };
  expect_gradcheck([&](const std::vector<TensorD>& v) { return f(v[0]); }, {x}, "seed f");
  TensorD y = f(x);
  y.sum().backward();
  for (std::size_t i = 0; i < x.numel(); ++i) {
    const double xi = x.data()[i];
    const double fi = std::sqrt(xi * xi + std::exp(xi * xi));
    CHECK(x.grad().data()[i] == doctest::Approx(xi * (1 + std::exp(xi * xi)) / fi).epsilon(1e-12));
  }
}

TEST_CASE("gradcheck reports the worst element when a gradient is wrong") {
  // x * stop_gradient-like misuse: detach() hides a dependence, so the analytic gradient misses a term.
  TensorD x = random_input({2, 3}, 0.5, 1.5);
  GradcheckResult r = gradcheck<double>([](const std::vector<TensorD>& v) { return v[0] * v[0].detach(); }, {x});
  CHECK_FALSE(r.ok);
  CHECK(r.report.find("FAILED") != std::string::npos);
  CHECK(r.report.find("input 0 (shape [2, 3])") != std::string::npos);
  CHECK(r.report.find("analytic") != std::string::npos);
}

TEST_CASE("gradcheck works in single precision with a looser tolerance") {
  manual_seed(3);
  Tensor x = Tensor::uniform({4}, -1, 1, true);
  GradcheckOptions opt;
  opt.eps = 1e-2;
  opt.atol = 1e-2;
  opt.rtol = 1e-2;
  GradcheckResult r = gradcheck<float>([](const std::vector<Tensor>& v) { return tanh(v[0]) * v[0]; }, {x}, opt);
  CHECK_MESSAGE(r.ok, r.report);
}

TEST_CASE("gradcheck: fused linear x W + b with and without bias, for 1-D, 2-D and 3-D inputs") {
  for (int t = 0; t < kTrials; ++t) {
    const std::size_t in = rand_int(1, 4), out = rand_int(1, 4);
    const std::vector<Shape> xs = {{in}, {rand_int(1, 4), in}, {2, rand_int(1, 3), in}};
    const Shape sx = xs[static_cast<std::size_t>(t) % xs.size()];
    TensorD x = random_input(sx, -1, 1), w = random_input({in, out}, -1, 1), b = random_input({out}, -1, 1);
    expect_gradcheck([](const std::vector<TensorD>& v) { return linear(v[0], v[1], v[2]); }, {x, w, b}, "linear");
    expect_gradcheck([](const std::vector<TensorD>& v) { return linear(v[0], v[1], TensorD()); }, {x, w},
                     "linear without bias");
    // Same values as the composed form.
    const std::vector<double> fused = linear(x, w, b).to_vector(), composed = (matmul(x, w) + b).to_vector();
    for (std::size_t i = 0; i < fused.size(); ++i) CHECK(fused[i] == doctest::Approx(composed[i]).epsilon(1e-12));
  }
  CHECK_THROWS_WITH_AS(linear(TensorD::ones({2, 3}), TensorD::ones({4, 5}), TensorD()),
                       doctest::Contains("does not end in 4 features"), ShapeError);
  CHECK_THROWS_WITH_AS(linear(TensorD::ones({2, 4}), TensorD::ones({4, 5}), TensorD::ones({4})),
                       doctest::Contains("bias of shape [4]"), ShapeError);
}

TEST_CASE("gradcheck: fused softmax cross-entropy equals the composed form and has the right gradient") {
  for (int t = 0; t < kTrials; ++t) {
    const std::size_t n = rand_int(1, 5), c = rand_int(1, 5);
    std::vector<std::size_t> labels(n);
    for (auto& l : labels) l = rand_int(0, c - 1);
    TensorD x = random_input({n, c}, -3, 3);
    for (bool mean : {true, false}) {
      expect_gradcheck([&](const std::vector<TensorD>& v) { return softmax_cross_entropy(v[0], labels, mean); }, {x},
                       "softmax_cross_entropy");
      std::vector<std::size_t> flat(n);
      for (std::size_t i = 0; i < n; ++i) flat[i] = i * c + labels[i];
      TensorD composed = -index_select(x.log_softmax(1).reshape({-1}), 0, flat).sum();
      if (mean) composed = composed / static_cast<double>(n);
      CHECK(softmax_cross_entropy(x, labels, mean).item() == doctest::Approx(composed.item()).epsilon(1e-12));
    }
  }
  CHECK_THROWS_AS(softmax_cross_entropy(TensorD::ones({2, 3}), {0, 3}), IndexError);
  CHECK_THROWS_AS(softmax_cross_entropy(TensorD::ones({2, 3}), {0}), ShapeError);
  // No rows: the sum is 0 with an empty gradient (the mean is a ValueError, tests/test_bad_input_ops.cpp).
  TensorD none = TensorD::zeros({0, 3}, true);
  TensorD zero_loss = softmax_cross_entropy(none, {}, false);
  CHECK(zero_loss.item() == 0.0);
  zero_loss.backward();
  CHECK(none.grad().shape() == Shape{0, 3});
  // No classes: every label is out of range.
  CHECK_THROWS_AS(softmax_cross_entropy(TensorD::zeros({2, 0}), {0, 0}, false), IndexError);
}

TEST_CASE("gradcheck: fused sigmoid binary cross-entropy equals the stable composed form and has the right gradient") {
  for (int t = 0; t < kTrials; ++t) {
    const Shape s = random_shape(0, 3);
    TensorD x = random_input(s, -4, 4);
    TensorD y = random_input(s, 0, 1);
    for (bool mean : {true, false}) {
      // Gradients for both the logits and the targets.
      expect_gradcheck(
          [&](const std::vector<TensorD>& v) { return binary_cross_entropy_with_logits(v[0], v[1], mean); }, {x, y},
          "binary_cross_entropy_with_logits");
      TensorD composed = (maximum(x, TensorD::scalar(0)) - x * y + log(exp(-abs(x)) + 1.0)).sum();
      if (mean) composed = composed / static_cast<double>(x.numel());
      CHECK(binary_cross_entropy_with_logits(x, y, mean).item() == doctest::Approx(composed.item()).epsilon(1e-12));
    }
  }
  // Large logits stay finite: log(1 + e^-|x|) never overflows; at x = 0 the gradient is sigmoid(0) - y = 1/2 - y.
  TensorD big = TensorD::from({-1000.0, 1000.0}, true);
  TensorD loss = binary_cross_entropy_with_logits(big, TensorD::from({1.0, 0.0}), false);
  CHECK(loss.item() == doctest::Approx(2000.0));
  loss.backward();
  CHECK(big.grad().to_vector() == std::vector<double>{-1.0, 1.0});
  TensorD zero = TensorD::from({0.0}, true);
  binary_cross_entropy_with_logits(zero, TensorD::from({0.25})).backward();
  CHECK(zero.grad().item() == doctest::Approx(0.25));
  CHECK_THROWS_WITH_AS(binary_cross_entropy_with_logits(TensorD::ones({2, 1}), TensorD::ones({2})),
                       "binary_cross_entropy_with_logits: logits of shape [2, 1] and target of shape [2] differ",
                       ShapeError);
  CHECK_THROWS_AS(binary_cross_entropy_with_logits(TensorD::ones({0}), TensorD::ones({0})), ValueError);
  // A sum over no elements is 0, like PyTorch's reduction='sum'; its gradient is empty (a mean is refused above).
  TensorD none = TensorD::zeros({0, 2}, true);
  TensorD zero_loss = binary_cross_entropy_with_logits(none, TensorD::zeros({0, 2}), false);
  CHECK(zero_loss.item() == 0.0);
  zero_loss.backward();
  CHECK(none.grad().shape() == Shape{0, 2});
  CHECK_THROWS_WITH_AS(binary_cross_entropy_with_logits(TensorD::ones({3}), TensorD::from({0.0, 1.0, 1.5})),
                       doctest::Contains("target value 1.5"), ValueError);
}

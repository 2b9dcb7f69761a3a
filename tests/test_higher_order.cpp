// Higher-order gradients: backward(create_graph), ad::grad, gradgradcheck, the functional API (jacobian, hessian,
// vjp, hvp, jvp), and their errors. Every op's second order is checked in test_gradcheck_ops.cpp (expect_gradcheck
// runs gradgradcheck); here: closed forms, third order, the semantics of torch.autograd.grad.
#include <cmath>

#include "gradcheck_util.h"

using namespace ad;
using namespace ad::testing;

namespace {

const GradOptions kCreateGraph{/*retain_graph=*/{}, /*create_graph=*/true};

TensorD leaf(std::vector<double> v, Shape s) { return TensorD::from(v, s, /*requires_grad=*/true); }

// d/dx of a function of one tensor, recorded (create_graph).
TensorD d(const TensorD& y, const TensorD& x) {
  return grad<double>({y}, {x}, {TensorD::ones(y.shape())}, kCreateGraph)[0];
}

}  // namespace

TEST_CASE("grad: derivatives of x^3 to the third order are 3x^2, 6x and the constant 6") {
  TensorD x = leaf({-1.5, 0.5, 2.0}, {3});
  const TensorD y = x * x * x;
  const TensorD d1 = d(y, x), d2 = d(d1, x), d3 = d(d2, x);
  for (std::size_t i = 0; i < 3; ++i) {
    const double v = x.data()[i];
    CHECK(d1.data()[i] == doctest::Approx(3 * v * v).epsilon(1e-14));
    CHECK(d2.data()[i] == doctest::Approx(6 * v).epsilon(1e-14));
    CHECK(d3.data()[i] == doctest::Approx(6).epsilon(1e-14));
  }
  // The third derivative is a constant: it no longer depends on x (so a fourth grad is refused, as in PyTorch).
  CHECK_FALSE(d3.requires_grad());
}

TEST_CASE("grad: tanh, sin and exp have their closed-form second and third derivatives") {
  TensorD x = leaf({-1.2, -0.3, 0.0, 0.7, 1.9}, {5});
  const TensorD t = tanh(x), t1 = d(t, x), t2 = d(t1, x);
  const TensorD s = sin(x), s1 = d(s, x), s2 = d(s1, x), s3 = d(s2, x);
  const TensorD e = exp(x * 2.0), e2 = d(d(e, x), x);
  for (std::size_t i = 0; i < 5; ++i) {
    const double v = x.data()[i], th = std::tanh(v);
    CHECK(t1.data()[i] == doctest::Approx(1 - th * th).epsilon(1e-14));
    CHECK(t2.data()[i] == doctest::Approx(-2 * th * (1 - th * th)).epsilon(1e-13));
    CHECK(s2.data()[i] == doctest::Approx(-std::sin(v)).epsilon(1e-14));
    CHECK(s3.data()[i] == doctest::Approx(-std::cos(v)).epsilon(1e-14));
    CHECK(e2.data()[i] == doctest::Approx(4 * std::exp(2 * v)).epsilon(1e-14));
  }
}

TEST_CASE("gradgradcheck: third order, through ops whose gradient is itself differentiated") {
  // gradgradcheck of x -> grad f(x) checks the third derivatives of f.
  const std::vector<std::pair<const char*, std::function<TensorD(const TensorD&)>>> fs = {
      {"tanh", [](const TensorD& x) { return tanh(x).sum(); }},
      {"sigmoid * exp", [](const TensorD& x) { return (sigmoid(x) * exp(x * 0.5)).sum(); }},
      {"log_softmax", [](const TensorD& x) { return (log_softmax(x, -1) * log_softmax(x, -1)).sum(); }},
      {"softmax_cross_entropy",
       [](const TensorD& x) {
         return softmax_cross_entropy(x.reshape({2, 3}), {2, 0});
       }},
      {"linear + gelu",
       [](const TensorD& x) {
         const TensorD w = TensorD::from({0.3, -0.7, 1.1, 0.2, -0.4, 0.9}, {3, 2});
         return gelu(linear(x.reshape({2, 3}), w, TensorD::from({0.1, -0.2}))).pow(2.0).sum();
       }},
  };
  for (const auto& [name, f] : fs) {
    TensorD x = random_input({6}, -1, 1);
    auto first = [&](const std::vector<TensorD>& v) {
      GradModeGuard on(true);
      return d(f(v[0]), v[0]);
    };
    INFO(name);
    const GradcheckResult r = gradgradcheck<double>(first, {x});
    CHECK_MESSAGE(r.ok, r.report);
  }
}

TEST_CASE("backward(create_graph): .grad is recorded and differentiates to the second derivative") {
  TensorD x = leaf({0.3, -0.8}, {2});
  const TensorD y = (x * x * x).sum();
  y.backward(/*retain_graph=*/false, /*create_graph=*/true);
  const TensorD g = x.grad();
  REQUIRE(g.requires_grad());
  CHECK(g.data()[0] == doctest::Approx(3 * 0.09).epsilon(1e-14));
  const TensorD h = grad<double>({g.sum()}, {x})[0];  // d/dx sum 3x^2 = 6x
  CHECK(h.data()[0] == doctest::Approx(6 * 0.3).epsilon(1e-14));
  CHECK(h.data()[1] == doctest::Approx(6 * -0.8).epsilon(1e-14));
  // A second backward(create_graph) accumulates: .grad = 3x^2 + 3x^2, still recorded.
  const TensorD y2 = (x * x * x).sum();
  y2.backward(false, true);
  CHECK(x.grad().data()[1] == doctest::Approx(2 * 3 * 0.64).epsilon(1e-14));
  CHECK(x.grad().requires_grad());
  // The recorded .grad refers to x through its graph, and x holds its .grad: a reference cycle, as in PyTorch, which
  // setting the gradient to none breaks (LeakSanitizer checks that nothing is left).
  x.zero_grad(/*set_to_none=*/true);
}

TEST_CASE("grad: returns the gradients without touching .grad, for leaves and intermediate tensors") {
  TensorD x = leaf({1.0, 2.0}, {2});
  const TensorD h = x * 3.0;
  const TensorD y = (h * h).sum();
  const std::vector<TensorD> g = grad<double>({y}, {x, h});
  CHECK_FALSE(x.grad().defined());
  CHECK(g[0].to_vector() == std::vector<double>{18, 36});  // 2 h * 3
  CHECK(g[1].to_vector() == std::vector<double>{6, 12});   // 2 h
  CHECK_FALSE(g[0].requires_grad());                       // no create_graph: constants
}

TEST_CASE("grad: several outputs with grad_outputs sum their vector-Jacobian products") {
  TensorD x = leaf({1.0, -2.0}, {2});
  const TensorD a = x * x, b = sin(x);
  const std::vector<TensorD> g = grad<double>({a, b}, {x}, {TensorD::from({1.0, 2.0}), TensorD::from({0.5, 1.0})});
  CHECK(g[0].data()[0] == doctest::Approx(2 * 1.0 * 1 + 0.5 * std::cos(1.0)));
  CHECK(g[0].data()[1] == doctest::Approx(2 * -2.0 * 2 + 1.0 * std::cos(-2.0)));
}

TEST_CASE("grad: without retain_graph the graph is released, and a second pass is a GraphError") {
  TensorD x = leaf({0.5}, {1});
  const TensorD y = exp(x).sum();
  grad<double>({y}, {x});
  CHECK_THROWS_WITH_AS(grad<double>({y}, {x}), doctest::Contains("second time"), GraphError);
  // create_graph retains by default; through a released graph it is refused too.
  const TensorD z = exp(x).sum();
  grad<double>({z}, {x}, {}, GradOptions{false, false, false});
  CHECK_THROWS_WITH_AS(grad<double>({z}, {x}, {}, kCreateGraph), doctest::Contains("second time"), GraphError);
  const TensorD w = exp(x).sum();
  grad<double>({w}, {x}, {}, kCreateGraph);
  CHECK_NOTHROW(grad<double>({w}, {x}));
}

TEST_CASE("grad: errors name the problem") {
  TensorD x = leaf({1.0, 2.0}, {2});
  TensorD unused = leaf({3.0}, {1});
  const TensorD y = x * 2.0;
  CHECK_THROWS_WITH_AS(grad<double>({y}, {x}, {}, GradOptions{true}),
                       doctest::Contains("only for one-element outputs; output 0 has shape [2]"), GraphError);
  CHECK_THROWS_WITH_AS(grad<double>({y.sum()}, {x, unused}, {}, GradOptions{true}),
                       doctest::Contains("input 1 (shape [1]) is not used"), GraphError);
  const std::vector<TensorD> g = grad<double>({y.sum()}, {x, unused}, {}, GradOptions{true, false, true});
  CHECK(g[0].defined());
  CHECK_FALSE(g[1].defined());
  CHECK_THROWS_WITH_AS(grad<double>({y}, {x}, {TensorD::ones({3})}, GradOptions{true}),
                       doctest::Contains("grad_outputs[0] has shape [3], output 0 has shape [2]"), ShapeError);
  CHECK_THROWS_WITH_AS(grad<double>({y.sum()}, {TensorD::ones({2})}, {}, GradOptions{true}),
                       doctest::Contains("input 0 (shape [2]) does not require grad"), GraphError);
  CHECK_THROWS_WITH_AS(grad<double>({TensorD::ones({1})}, {x}),
                       doctest::Contains("output 0 (shape [1]) does not require grad"), GraphError);
  CHECK_THROWS_AS(hessian<double>([](const TensorD& v) { return v * v; }, x), ValueError);
  CHECK_THROWS_WITH_AS(hessian<double>([](const TensorD& v) { return v * v; }, x),
                       doctest::Contains("one-element tensor, got shape [2]"), ValueError);
  CHECK_THROWS_WITH_AS(hvp<double>([](const TensorD& v) { return v.sum(); }, x, TensorD::ones({3})),
                       doctest::Contains("v has shape [3], but x has shape [2]"), ShapeError);
}

TEST_CASE("grad: gradient hooks of intermediate tensors apply to the recorded gradients") {
  TensorD x = leaf({1.0, 2.0}, {2});
  TensorD h = x * x;
  h.register_hook([](const TensorD& g) { return g * 10.0; });
  const TensorD g = grad<double>({h.sum()}, {x}, {}, kCreateGraph)[0];
  CHECK(g.to_vector() == std::vector<double>{20, 40});
  const TensorD gg = grad<double>({g.sum()}, {x})[0];  // d/dx 20 x = 20
  CHECK(gg.to_vector() == std::vector<double>{20, 20});
}

TEST_CASE("hessian and hvp: the Rosenbrock function has its closed-form Hessian") {
  auto rosenbrock = [](const TensorD& p) {
    const TensorD a = p.select(0, 0), b = p.select(0, 1);
    return (1.0 - a).pow(2.0) + 100.0 * (b - a * a).pow(2.0);
  };
  for (const auto& pt : std::vector<std::vector<double>>{{-1.5, 2.0}, {0.3, -0.2}, {1.0, 1.0}}) {
    const double x = pt[0], y = pt[1];
    const TensorD p = TensorD::from(pt, {2});
    const TensorD H = hessian<double>(rosenbrock, p);
    REQUIRE(H.shape() == Shape{2, 2});
    CHECK(H.at({0, 0}) == doctest::Approx(2 - 400 * y + 1200 * x * x).epsilon(1e-14));
    CHECK(H.at({0, 1}) == doctest::Approx(-400 * x).epsilon(1e-14));
    CHECK(H.at({1, 0}) == doctest::Approx(-400 * x).epsilon(1e-14));
    CHECK(H.at({1, 1}) == doctest::Approx(200).epsilon(1e-14));
    const TensorD v = TensorD::from({0.7, -1.3});
    const auto [f, hv] = hvp<double>(rosenbrock, p, v);
    CHECK(f.item() == doctest::Approx((1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x)));
    CHECK(hv.data()[0] == doctest::Approx(H.at({0, 0}) * 0.7 + H.at({0, 1}) * -1.3).epsilon(1e-13));
    CHECK(hv.data()[1] == doctest::Approx(H.at({1, 0}) * 0.7 + H.at({1, 1}) * -1.3).epsilon(1e-13));
    CHECK_FALSE(H.requires_grad());
  }
}

TEST_CASE("jacobian, jvp, vjp and hessian of a quadratic form are A, A v, v^T A and A + A^T") {
  const TensorD A = TensorD::from({2, -1, 0.5, 3, 1, -2, 0, 4, 1.5}, {3, 3});
  const TensorD x = TensorD::from({0.2, -0.4, 1.1});
  const TensorD v = TensorD::from({1.0, 0.5, -2.0});
  auto Ax = [&](const TensorD& z) { return matmul(A, z); };
  const TensorD J = jacobian<double>(Ax, x);
  CHECK(J.to_vector() == A.to_vector());
  const auto [y, jv] = jvp<double>(Ax, x, v);
  const auto [y2, vj] = vjp<double>(Ax, x, v);
  for (std::size_t i = 0; i < 3; ++i) {
    double av = 0, va = 0;
    for (std::size_t j = 0; j < 3; ++j) {
      av += A.at({i, j}) * v.data()[j];
      va += v.data()[j] * A.at({j, i});
    }
    CHECK(jv.data()[i] == doctest::Approx(av).epsilon(1e-14));
    CHECK(vj.data()[i] == doctest::Approx(va).epsilon(1e-14));
  }
  const TensorD H = hessian<double>([&](const TensorD& z) { return (z * matmul(A, z)).sum(); }, x);
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 3; ++j)
      CHECK(H.at({i, j}) == doctest::Approx(A.at({i, j}) + A.at({j, i})).epsilon(1e-14));
}

TEST_CASE("jacobian and jvp of a nonlinear map agree with central finite differences") {
  auto f = [](const TensorD& z) { return concat<double>({tanh(z) * z.sum(), exp(z.narrow(0, 0, 2)).reshape({2})}, 0); };
  const TensorD x = TensorD::from({0.3, -0.5, 0.8});
  const TensorD J = jacobian<double>(f, x);
  REQUIRE(J.shape() == Shape{5, 3});
  const double eps = 1e-6;
  for (std::size_t j = 0; j < 3; ++j) {
    TensorD xp = x.clone(), xm = x.clone();
    xp.mutable_data()[j] += eps;
    xm.mutable_data()[j] -= eps;
    const std::vector<double> fp = f(xp).to_vector(), fm = f(xm).to_vector();
    for (std::size_t i = 0; i < 5; ++i)
      CHECK(J.at({i, j}) == doctest::Approx((fp[i] - fm[i]) / (2 * eps)).epsilon(1e-8));
  }
  const TensorD v = TensorD::from({0.4, 1.0, -0.6});
  const TensorD jv = jvp<double>(f, x, v).second;
  for (std::size_t i = 0; i < 5; ++i) {
    double s = 0;
    for (std::size_t j = 0; j < 3; ++j) s += J.at({i, j}) * v.data()[j];
    CHECK(jv.data()[i] == doctest::Approx(s).epsilon(1e-13));
  }
}

TEST_CASE("hessian with create_graph differentiates again (third order of a cubic)") {
  TensorD x = leaf({0.5, -1.0}, {2});
  const TensorD H = hessian<double>([](const TensorD& z) { return (z * z * z).sum(); }, x, /*create_graph=*/true);
  REQUIRE(H.requires_grad());  // diag(6 x)
  const TensorD g = grad<double>({H.sum()}, {x})[0];
  CHECK(g.to_vector() == std::vector<double>{6, 6});
}

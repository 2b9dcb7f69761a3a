// Forward values: hand-computed results, NumPy broadcasting, numerical stability, and matmul against an
// independent implementation (xtensor-blas's xt::linalg::dot), in float and double.
#include <doctest/doctest.h>

#include <cmath>
#include <sstream>
#include <xtensor-blas/xlinalg.hpp>
#include <xtensor/xadapt.hpp>
#include <xtensor/xarray.hpp>

#include "autodiff/autodiff.h"

using namespace ad;

TEST_CASE_TEMPLATE("values: broadcasting follows NumPy (trailing axes aligned, size-1 axes stretched)", T, float,
                   double) {
  auto a = TensorT<T>::from({1, 2, 3}, Shape{3, 1});
  auto b = TensorT<T>::from({10, 20}, Shape{2});
  auto c = a + b;
  CHECK(c.shape() == Shape{3, 2});
  CHECK(c.to_vector() == std::vector<T>{11, 21, 12, 22, 13, 23});
  auto d = TensorT<T>::from({1, 2, 3, 4, 5, 6}, Shape{2, 3}) * TensorT<T>::scalar(2);
  CHECK(d.to_vector() == std::vector<T>{2, 4, 6, 8, 10, 12});
}

TEST_CASE_TEMPLATE("values: reductions along axes with and without keepdims", T, float, double) {
  auto x = TensorT<T>::from({1, 5, 3, 4, 2, 6}, Shape{2, 3});
  CHECK(x.sum().item() == 21);
  CHECK(x.sum(0).to_vector() == std::vector<T>{5, 7, 9});
  CHECK(x.sum(1, true).shape() == Shape{2, 1});
  CHECK(x.sum(-1).to_vector() == std::vector<T>{9, 12});
  CHECK(x.mean(0).to_vector() == std::vector<T>{2.5, 3.5, 4.5});
  CHECK(x.max(1).to_vector() == std::vector<T>{5, 6});
  CHECK(x.min(0).to_vector() == std::vector<T>{1, 2, 3});
  CHECK(x.max().item() == 6);
  CHECK(x.logsumexp(1).data()[0] == doctest::Approx(std::log(std::exp(1.0) + std::exp(5.0) + std::exp(3.0))));
}

TEST_CASE("values: softmax rows sum to one and log_softmax is stable for huge logits") {
  TensorD x = TensorD::from({1000.0, 1001.0, 1002.0, -1000.0, 0.0, 1000.0}, Shape{2, 3});
  TensorD p = x.softmax(1);
  CHECK(p.sum(1).to_vector()[0] == doctest::Approx(1.0));
  CHECK(p.sum(1).to_vector()[1] == doctest::Approx(1.0));
  TensorD l = x.log_softmax(1);
  const double lse = 1002.0 + std::log(std::exp(-2.0) + std::exp(-1.0) + 1.0);
  CHECK(l.at({0, 0}) == doctest::Approx(1000.0 - lse));
  CHECK(std::isfinite(l.at({1, 0})));
  CHECK(l.at({1, 0}) == doctest::Approx(-2000.0));
}

TEST_CASE("values: activations at known points") {
  TensorD x = TensorD::from({-2.0, 0.0, 3.0});
  CHECK(relu(x).to_vector() == std::vector<double>{0, 0, 3});
  CHECK(leaky_relu(x, 0.1).to_vector()[0] == doctest::Approx(-0.2));
  CHECK(elu(x, 1.0).to_vector()[0] == doctest::Approx(std::exp(-2.0) - 1));
  CHECK(sigmoid(x).to_vector()[1] == doctest::Approx(0.5));
  CHECK(softplus(x).to_vector()[2] == doctest::Approx(std::log1p(std::exp(3.0))));
  CHECK(clamp(x, -1.0, 1.0).to_vector() == std::vector<double>{-1, 0, 1});
  CHECK(heaviside(x).to_vector() == std::vector<double>{0, 0, 1});
  CHECK_FALSE(heaviside(TensorD::ones({2}, true)).requires_grad());
  // Extremes stay finite: sigmoid saturates, softplus is linear above its threshold.
  Tensor big = Tensor::from({-200.0f, 200.0f});
  CHECK(sigmoid(big).to_vector() == std::vector<float>{0.0f, 1.0f});
  CHECK(softplus(big).to_vector()[1] == 200.0f);
  CHECK(softplus(big).to_vector()[0] == 0.0f);
}

TEST_CASE("values: sin and cos of huge arguments match the C library (full argument reduction)") {
  // Large arguments go through xsimd's Payne-Hanek reduction; those below 2^23 (2e6, -3e6, 8.2e6) shift a negative
  // exponent there, so under UBSan this case also pins the shift-base exemption of autodiff/CMakeLists.txt (found
  // by tests/fuzz/fuzz_expr).
  const std::vector<double> xs{5.0, -4e5, 1e6, 2e6, -3e6, 8.2e6, 3e7, 123456789.123, 1e15, 1e22, 1e300};
  const TensorD x = TensorD::from(xs, Shape{xs.size()});
  const std::vector<double> s = sin(x).to_vector(), c = cos(x).to_vector();
  for (std::size_t i = 0; i < xs.size(); ++i) {
    CAPTURE(xs[i]);
    CHECK(s[i] == doctest::Approx(std::sin(xs[i])).epsilon(1e-14));
    CHECK(c[i] == doctest::Approx(std::cos(xs[i])).epsilon(1e-14));
  }
}

TEST_CASE("values: comparisons and where") {
  TensorD a = TensorD::from({1, 5, 3}), b = TensorD::from({2, 2, 3});
  CHECK((a > b).to_vector() == std::vector<double>{0, 1, 0});
  CHECK((a >= b).to_vector() == std::vector<double>{0, 1, 1});
  CHECK(eq(a, b).to_vector() == std::vector<double>{0, 0, 1});
  CHECK(where(a > b, a, b).to_vector() == std::vector<double>{2, 5, 3});
}

TEST_CASE("values: shape ops move elements to the right places") {
  TensorD x = TensorD::arange(6).reshape({2, 3});
  CHECK(x.t().to_vector() == std::vector<double>{0, 3, 1, 4, 2, 5});
  CHECK(x.rows(1, 2).to_vector() == std::vector<double>{3, 4, 5});
  CHECK(x.index({1, 0, 1}).to_vector() == std::vector<double>{3, 4, 5, 0, 1, 2, 3, 4, 5});
  CHECK(select(x, 1, 2).to_vector() == std::vector<double>{2, 5});
  CHECK(concat<double>({x, x}, 1).to_vector() == std::vector<double>{0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5});
  CHECK(stack<double>({x, x}, 0).shape() == Shape{2, 2, 3});
  CHECK(permute(TensorD::arange(24).reshape({2, 3, 4}), {2, 0, 1}).at({3, 1, 2}) == 23);
  CHECK(broadcast_to(TensorD::from({1, 2}), Shape{2, 2}).to_vector() == std::vector<double>{1, 2, 1, 2});
  CHECK(x.reshape({3, -1}).shape() == Shape{3, 2});
  CHECK(x.flatten().shape() == Shape{6});
}

TEST_CASE_TEMPLATE("values: matmul matches xt::linalg::dot for every supported rank combination", T, float, double) {
  manual_seed(11);
  auto ref = [](const TensorT<T>& t) { return xt::xarray<T>(xt::adapt(t.to_vector(), t.shape().vec())); };
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{5, 7}, {7, 3}}, {{7}, {7, 3}}, {{5, 7}, {7}}, {{1, 1}, {1, 1}}, {{64, 33}, {33, 17}}};
  for (const auto& [sa, sb] : cases) {
    auto a = TensorT<T>::randn(sa), b = TensorT<T>::randn(sb);
    auto c = matmul(a, b);
    xt::xarray<T> expect = xt::linalg::dot(ref(a), ref(b));
    REQUIRE(c.numel() == expect.size());
    for (std::size_t i = 0; i < c.numel(); ++i) CHECK(c.data()[i] == doctest::Approx(expect.data()[i]).epsilon(1e-4));
  }
  // Batched: each batch entry equals the 2-D product; a shared right operand is used for every entry.
  auto a = TensorT<T>::randn({3, 4, 5}), b = TensorT<T>::randn({3, 5, 2}), w = TensorT<T>::randn({5, 2});
  auto c = matmul(a, b), cw = matmul(a, w);
  for (std::size_t i = 0; i < 3; ++i) {
    xt::xarray<T> e = xt::linalg::dot(ref(a[i]), ref(b[i]));
    xt::xarray<T> ew = xt::linalg::dot(ref(a[i]), ref(w));
    for (std::size_t j = 0; j < 8; ++j) {
      CHECK(c[i].data()[j] == doctest::Approx(e.data()[j]).epsilon(1e-4));
      CHECK(cw[i].data()[j] == doctest::Approx(ew.data()[j]).epsilon(1e-4));
    }
  }
  CHECK(matmul(TensorT<T>::from({1, 2, 3}), TensorT<T>::from({4, 5, 6})).item() == 32);
}

TEST_CASE("values: random factories are reproducible with manual_seed and have the right moments") {
  manual_seed(42);
  const std::vector<float> a = Tensor::randn({1000}).to_vector();
  manual_seed(42);
  CHECK(Tensor::randn({1000}).to_vector() == a);
  TensorD n = TensorD::randn({20000});
  CHECK(n.mean().item() == doctest::Approx(0.0).epsilon(0.03).scale(1));
  CHECK((n * n).mean().item() == doctest::Approx(1.0).epsilon(0.03));
  TensorD u = TensorD::uniform({20000}, -2, 4);
  CHECK(u.min().item() >= -2.0);
  CHECK(u.max().item() < 4.0);
  CHECK(u.mean().item() == doctest::Approx(1.0).epsilon(0.05));
}

TEST_CASE("values: printing shows values, shape and the producing op") {
  Tensor x = Tensor::from({1.5f, 2.0f}, true);
  CHECK(x.str() == "tensor([1.5, 2], shape=[2], requires_grad=true)");
  CHECK((x * x).str() == "tensor([2.25, 4], shape=[2], grad_fn=<mul>)");
  CHECK(Tensor::scalar(5).str() == "tensor([5], shape=[])");
  CHECK(Tensor::arange(25).str() ==
        "tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, ...], shape=[25])");
  CHECK(TensorD::arange(8).reshape({2, 2, 2}).str() == "tensor([0, 1, 2, 3, 4, 5, 6, 7], shape=[2, 2, 2])");
}

TEST_CASE("values: a matrix prints one row per line, aligned, as PyTorch does") {
  // torch.tensor([[1., 2.], [3., 4.]]) prints as tensor([[1., 2.],\n        [3., 4.]]).
  Tensor m = Tensor::from({1, 2, 3, 4}, {2, 2});
  CHECK(m.str() == "tensor([[1, 2],\n        [3, 4]], shape=[2, 2])");
  std::ostringstream os;
  os << m;
  CHECK(os.str() == m.str());
  // Values right-aligned to the widest; the op and requires_grad as for other ranks.
  TensorD w = TensorD::from({1.5, -2, 10, 3}, Shape{2, 2}, true);
  CHECK(w.str() == "tensor([[1.5,  -2],\n        [ 10,   3]], shape=[2, 2], requires_grad=true)");
  CHECK((w * 2.0).str() == "tensor([[ 3, -4],\n        [20,  6]], shape=[2, 2], grad_fn=<mul>)");
  CHECK(Tensor::from({1, 2, 3}, {1, 3}).str() == "tensor([[1, 2, 3]], shape=[1, 3])");
  CHECK(Tensor::from({1, 2, 3}, {3, 1}).str() == "tensor([[1],\n        [2],\n        [3]], shape=[3, 1])");
  const double nan = std::nan(""), inf = HUGE_VAL;
  CHECK(TensorD::from({nan, -inf, 0.25, inf}, Shape{2, 2}).str() ==
        "tensor([[ nan, -inf],\n        [0.25,  inf]], shape=[2, 2])");
  // Up to 6 rows and 6 columns in full; beyond, the first and last 3 with "..." between (torch's edgeitems = 3).
  CHECK(Tensor::arange(36).reshape({6, 6}).str().find("[30, 31, 32, 33, 34, 35]]") != std::string::npos);
  CHECK(Tensor::arange(100).reshape({10, 10}).str() ==
        "tensor([[ 0,  1,  2, ...,  7,  8,  9],\n"
        "        [10, 11, 12, ..., 17, 18, 19],\n"
        "        [20, 21, 22, ..., 27, 28, 29],\n"
        "        ...,\n"
        "        [70, 71, 72, ..., 77, 78, 79],\n"
        "        [80, 81, 82, ..., 87, 88, 89],\n"
        "        [90, 91, 92, ..., 97, 98, 99]], shape=[10, 10])");
  CHECK(Tensor::arange(14).reshape({2, 7}).str() ==
        "tensor([[ 0,  1,  2, ...,  4,  5,  6],\n        [ 7,  8,  9, ..., 11, 12, 13]], shape=[2, 7])");
  CHECK(Tensor::arange(7).reshape({7, 1}).str() ==
        "tensor([[0],\n        [1],\n        [2],\n        ...,\n        [4],\n        [5],\n        [6]], "
        "shape=[7, 1])");
  // Empty matrices print no rows.
  CHECK(Tensor::zeros({2, 0}).str() == "tensor([], shape=[2, 0])");
  CHECK(Tensor::zeros({0, 3}).str() == "tensor([], shape=[0, 3])");
}

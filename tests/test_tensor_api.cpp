// The Tensor API as written by users: method forms equal to the free functions, scalar arguments of any arithmetic
// type (leaky_relu(x, 0.01) for a float tensor, 2 * x, x > 0.0, where(c, x, 0.0)), argmax/argmin with PyTorch's tie
// and NaN rules, and gradcheck's warning for float. Float and double alike.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "autodiff/autodiff.h"

using namespace ad;

namespace {

// Equal shapes and values, NaN equal to NaN. Up to a few units in the last place: the SIMD-evaluated ops (exp, erf,
// ...) can round the last bit differently for the same input depending on the output buffer's alignment.
template <class T>
bool same_values(const TensorT<T>& a, const TensorT<T>& b) {
  if (a.shape() != b.shape()) return false;
  const T tol = std::is_same_v<T, float> ? T(1e-6) : T(1e-14);
  for (std::size_t i = 0; i < a.numel(); ++i) {
    const T u = a.data()[i], v = b.data()[i];
    if (!(u == v || (std::isnan(u) && std::isnan(v)) || std::abs(u - v) <= tol * std::max(T(1), std::abs(u))))
      return false;
  }
  return true;
}

// The calls below compile (or not) as the overloads intend: a detector for "f(x, s) is a valid call".
template <class X, class S, class = void>
struct leaky_relu_callable : std::false_type {};
template <class X, class S>
struct leaky_relu_callable<X, S, std::void_t<decltype(leaky_relu(std::declval<X>(), std::declval<S>()))>>
    : std::true_type {};

}  // namespace

TEST_CASE_TEMPLATE("tensor api: every method form equals its free function", T, float, double) {
  using Tn = TensorT<T>;
  const Tn x = Tn::from({-1.5, -0.25, 0, 0.5, 2, 3}, Shape{2, 3});
  const Tn y = Tn::from({1, -2, 0.5}, Shape{3});
  const Tn c = Tn::from({1, 0, 1}, Shape{3});
  // Elementwise.
  CHECK(same_values(x.neg(), neg(x)));
  CHECK(same_values(x.sin(), sin(x)));
  CHECK(same_values(x.cos(), cos(x)));
  CHECK(same_values(x.silu(), silu(x)));
  CHECK(same_values(x.gelu(), gelu(x)));
  CHECK(same_values(x.gelu("tanh"), gelu_tanh(x)));
  CHECK(same_values(x.gelu_tanh(), gelu_tanh(x)));
  CHECK(same_values(x.leaky_relu(), leaky_relu(x)));
  CHECK(same_values(x.leaky_relu(T(0.2)), leaky_relu(x, T(0.2))));
  CHECK(same_values(x.elu(), elu(x)));
  CHECK(same_values(x.elu(T(0.5)), elu(x, T(0.5))));
  CHECK(same_values(x.softplus(), softplus(x)));
  CHECK(same_values(x.softplus(T(2), T(3)), softplus(x, T(2), T(3))));
  CHECK(same_values(x.clip(T(-1), T(1)), clamp(x, T(-1), T(1))));
  CHECK(same_values(x.heaviside(), heaviside(x)));
  // Binary, with a tensor (broadcast) or a scalar.
  CHECK(same_values(x.add(y), x + y));
  CHECK(same_values(x.sub(y), x - y));
  CHECK(same_values(x.mul(y), x * y));
  CHECK(same_values(x.div(y), x / y));
  CHECK(same_values(x.add(2), x + T(2)));
  CHECK(same_values(x.sub(2), x - T(2)));
  CHECK(same_values(x.mul(2), x * T(2)));
  CHECK(same_values(x.div(2), x / T(2)));
  CHECK(same_values(x.maximum(y), maximum(x, y)));
  CHECK(same_values(x.minimum(y), minimum(x, y)));
  CHECK(same_values(x.gt(y), gt(x, y)));
  CHECK(same_values(x.lt(y), lt(x, y)));
  CHECK(same_values(x.ge(y), ge(x, y)));
  CHECK(same_values(x.le(y), le(x, y)));
  CHECK(same_values(x.eq(y), eq(x, y)));
  CHECK(same_values(x.ne(y), ne(x, y)));
  CHECK(x.gt(0).to_vector() == std::vector<T>{0, 0, 0, 1, 1, 1});
  CHECK(x.eq(0.5).to_vector() == std::vector<T>{0, 0, 0, 1, 0, 0});
  CHECK(same_values(x.where(c, y), where(c, x, y)));  // torch.Tensor.where(condition, other)
  CHECK(x.where(c, -9).to_vector() == std::vector<T>{-1.5, -9, 0, 0.5, -9, 3});
  // Shape.
  const Tn z = Tn::arange(24).reshape({2, 3, 4});
  CHECK(same_values(z.permute({2, 0, 1}), permute(z, {2, 0, 1})));
  CHECK(same_values(z.transpose(), transpose(z)));
  CHECK(same_values(y.broadcast_to({2, 3}), broadcast_to(y, Shape{2, 3})));
  CHECK(same_values(z.narrow(2, 1, 2), narrow(z, 2, 1, 2)));
  CHECK(same_values(z.select(1, 0), select(z, 1, 0)));
  CHECK(z.select(1, 0).shape() == Shape{2, 4});
  CHECK(same_values(z.index_select(2, {3, 0, 3}), index_select(z, 2, {3, 0, 3})));
  // Reductions.
  CHECK(same_values(z.argmax(), argmax(z)));
  CHECK(same_values(z.argmin(1, true), argmin(z, 1, true)));
  // Methods record the same ops as the free functions: the gradient flows.
  Tn w = Tn::from({-1, 2}, true);
  w.leaky_relu(T(0.5)).sin().sum().backward();
  CHECK(w.grad().to_vector()[0] == doctest::Approx(0.5 * std::cos(-0.5)));
  CHECK(w.grad().to_vector()[1] == doctest::Approx(std::cos(2.0)).epsilon(1e-6));
}

TEST_CASE_TEMPLATE("tensor api: scalar parameters accept any arithmetic type", T, float, double) {
  using Tn = TensorT<T>;
  const Tn x = Tn::from({-2, -0.5, 0, 1, 3});
  static_assert(leaky_relu_callable<Tn, double>::value && leaky_relu_callable<Tn, float>::value &&
                leaky_relu_callable<Tn, int>::value);
  static_assert(!leaky_relu_callable<Tn, Tn>::value);  // a tensor is not a slope
  // Each call with a scalar of another type equals the call with T.
  CHECK(same_values(leaky_relu(x, 0.01), leaky_relu(x, T(0.01))));
  CHECK(same_values(leaky_relu(x, 0.01f), leaky_relu(x, T(0.01f))));
  CHECK(leaky_relu(x, 0.5).to_vector() == std::vector<T>{-1, -0.25, 0, 1, 3});
  CHECK(same_values(elu(x, 1), elu(x, T(1))));
  CHECK(same_values(softplus(x, 2.0), softplus(x, T(2))));
  CHECK(same_values(softplus(x, 2, 1.0), softplus(x, T(2), T(1))));
  CHECK(clamp(x, 0, 1.0).to_vector() == std::vector<T>{0, 0, 0, 1, 1});
  CHECK(clamp(x, -1, 1).to_vector() == std::vector<T>{-1, -0.5, 0, 1, 1});
  CHECK(clip(x, -1.0, 2).to_vector() == std::vector<T>{-1, -0.5, 0, 1, 2});
  CHECK(pow(x, 2).to_vector() == std::vector<T>{4, 0.25, 0, 1, 9});
  CHECK(pow(x, 2.0).to_vector() == std::vector<T>{4, 0.25, 0, 1, 9});
  CHECK(pow(2, x).to_vector() == std::vector<T>{0.25, T(std::pow(T(2), T(-0.5))), 1, 2, 8});
  CHECK(add_scalar(x, 1).to_vector() == std::vector<T>{-1, 0.5, 1, 2, 4});
  CHECK(mul_scalar(x, 0.5).to_vector() == std::vector<T>{-1, -0.25, 0, 0.5, 1.5});
  CHECK(rsub_scalar(1, x).to_vector() == std::vector<T>{3, 1.5, 1, 0, -2});
  CHECK(rdiv_scalar(1.0, x).to_vector() == std::vector<T>{-0.5, -2, std::numeric_limits<T>::infinity(), 1, T(1) / 3});
  // Operators with a scalar of any type on either side.
  CHECK((x * 2.0).to_vector() == std::vector<T>{-4, -1, 0, 2, 6});
  CHECK((2 * x).to_vector() == std::vector<T>{-4, -1, 0, 2, 6});
  CHECK((x + 1).to_vector() == std::vector<T>{-1, 0.5, 1, 2, 4});
  CHECK((1.0 - x).to_vector() == std::vector<T>{3, 1.5, 1, 0, -2});
  CHECK((x - 1).to_vector() == std::vector<T>{-3, -1.5, -1, 0, 2});
  CHECK((x / 2).to_vector() == std::vector<T>{-1, -0.25, 0, 0.5, 1.5});
  CHECK((6.0 / x).to_vector()[4] == 2);
  // The method forms take T and convert as any function does.
  CHECK(same_values(x.pow(2), pow(x, T(2))));
  CHECK(same_values(x.clamp(0, 1.0), clamp(x, T(0), T(1))));
  CHECK(same_values(x.leaky_relu(0.01), leaky_relu(x, T(0.01))));
  // The gradient flows through the converted forms as through the T ones.
  Tn w = Tn::from({-2, 3}, true);
  (leaky_relu(w, 0.1) * 2 + pow(w, 2)).sum().backward();
  CHECK(w.grad().to_vector()[0] == doctest::Approx(0.2 - 4));
  CHECK(w.grad().to_vector()[1] == doctest::Approx(2 + 6));
}

TEST_CASE_TEMPLATE("tensor api: comparisons with a scalar give masks, on either side", T, float, double) {
  using Tn = TensorT<T>;
  const T nan = std::numeric_limits<T>::quiet_NaN();
  const Tn x = Tn::from({-1, 0, 0.5, 2, nan}, true);
  CHECK(gt(x, 0.0).to_vector() == std::vector<T>{0, 0, 1, 1, 0});
  CHECK((x > 0.0).to_vector() == std::vector<T>{0, 0, 1, 1, 0});
  CHECK((x > 0).to_vector() == std::vector<T>{0, 0, 1, 1, 0});
  CHECK((0 < x).to_vector() == std::vector<T>{0, 0, 1, 1, 0});
  CHECK(lt(0.5, x).to_vector() == std::vector<T>{0, 0, 0, 1, 0});
  CHECK((x < 0.5f).to_vector() == std::vector<T>{1, 1, 0, 0, 0});
  CHECK((x >= 0.5).to_vector() == std::vector<T>{0, 0, 1, 1, 0});
  CHECK((x <= 0).to_vector() == std::vector<T>{1, 1, 0, 0, 0});
  CHECK((2 >= x).to_vector() == std::vector<T>{1, 1, 1, 1, 0});
  CHECK(ge(x, 2).to_vector() == std::vector<T>{0, 0, 0, 1, 0});
  CHECK(le(x, 0).to_vector() == std::vector<T>{1, 1, 0, 0, 0});
  CHECK(eq(x, 0.5).to_vector() == std::vector<T>{0, 0, 1, 0, 0});
  CHECK(ne(x, 0.5).to_vector() == std::vector<T>{1, 1, 0, 1, 1});  // NaN != anything
  CHECK(eq(2, x).to_vector() == std::vector<T>{0, 0, 0, 1, 0});
  CHECK_FALSE((x > 0.0).requires_grad());  // masks carry no gradient
  CHECK((x > 0.0).shape() == Shape{5});
}

TEST_CASE_TEMPLATE("tensor api: where with a scalar operand broadcasts it and routes the gradient", T, float, double) {
  using Tn = TensorT<T>;
  Tn x = Tn::from({-1, 2, -3, 4}, Shape{2, 2}, true);
  const Tn pos = x > 0.0;
  const Tn relu_like = where(pos, x, 0.0);
  CHECK(relu_like.to_vector() == std::vector<T>{0, 2, 0, 4});
  CHECK(relu_like.shape() == Shape{2, 2});
  CHECK(where(pos, 1, x).to_vector() == std::vector<T>{-1, 1, -3, 1});
  CHECK(where(pos, 1.0, 0).to_vector() == std::vector<T>{0, 1, 0, 1});
  CHECK(where(pos, 1.0, 0).shape() == Shape{2, 2});
  (where(pos, x, 0.0) * 3 + where(pos, 1, x)).sum().backward();
  CHECK(x.grad().to_vector() == std::vector<T>{1, 3, 1, 3});
}

TEST_CASE_TEMPLATE("tensor api: argmax and argmin as torch.argmax / torch.argmin (first index, NaN wins)", T, float,
                   double) {
  using Tn = TensorT<T>;
  const T nan = std::numeric_limits<T>::quiet_NaN(), inf = std::numeric_limits<T>::infinity();
  // Expected values computed by PyTorch 1.13:
  //   x = torch.tensor([[1., 3., 3., 0.], [nan, 2., nan, 5.], [-inf, -inf, 2., 2.]])
  //   x.argmax() = 4, x.argmin() = 4; x.argmax(1) = [1, 0, 2], x.argmin(1) = [3, 0, 0];
  //   x.argmax(0) = [1, 0, 1, 1], x.argmin(0) = [1, 2, 1, 0]; x.argmax(1, keepdim=True) has shape (3, 1)
  const Tn x = Tn::from({1, 3, 3, 0, nan, 2, nan, 5, -inf, -inf, 2, 2}, Shape{3, 4}, true);
  CHECK(x.argmax().shape() == Shape{});
  CHECK(x.argmax().item() == 4);
  CHECK(x.argmin().item() == 4);
  CHECK(x.argmax(1).to_vector() == std::vector<T>{1, 0, 2});  // ties: the first index
  CHECK(x.argmin(1).to_vector() == std::vector<T>{3, 0, 0});
  CHECK(x.argmax(0).to_vector() == std::vector<T>{1, 0, 1, 1});
  CHECK(x.argmin(0).to_vector() == std::vector<T>{1, 2, 1, 0});
  CHECK(x.argmax(-1, true).shape() == Shape{3, 1});
  CHECK(x.argmax(-1, true).to_vector() == std::vector<T>{1, 0, 2});
  CHECK_FALSE(x.argmax(1).requires_grad());
  // torch.tensor([2., nan, 7., nan]): argmax = argmin = 1 (the first NaN).
  const Tn v = Tn::from({2, nan, 7, nan});
  CHECK(argmax(v).item() == 1);
  CHECK(argmin(v).item() == 1);
  CHECK(argmax(Tn::scalar(5)).item() == 0);
  // A 3-D tensor along the middle and last axes: y = arange(24).reshape(2, 3, 4); y[1, 2, 1] = 100; y[0, 0, 3] = -5:
  //   y.argmax(1) = [[2, 2, 2, 2], [2, 2, 2, 2]], y.argmin(2) = [[3, 0, 0], [0, 0, 0]]
  Tn y = Tn::arange(24).reshape({2, 3, 4});
  y.mutable_data()[1 * 12 + 2 * 4 + 1] = 100;
  y.mutable_data()[3] = -5;
  CHECK(argmax(y, 1).to_vector() == std::vector<T>{2, 2, 2, 2, 2, 2, 2, 2});
  CHECK(argmin(y, 2).to_vector() == std::vector<T>{3, 0, 0, 0, 0, 0});
  CHECK(argmax(y, 1).shape() == Shape{2, 4});
  CHECK(argmax(y).item() == 21);
  // Errors name argmax / argmin.
  CHECK_THROWS_WITH_AS(argmax(Tn::zeros({0})), doctest::Contains("argmax: the input (shape [0]) is empty"), ValueError);
  CHECK_THROWS_WITH_AS(argmin(Tn::zeros({2, 0}), 1), "argmin: axis 1 of shape [2, 0] is empty", ValueError);
  CHECK_THROWS_WITH_AS(argmax(x, 2), doctest::Contains("argmax: axis 2 is out of range"), IndexError);
}

TEST_CASE("tensor api: gradcheck<float> warns that float is too coarse, gradcheck<double> does not") {
  manual_seed(3);
  auto f = [](const auto& v) { return tanh(v[0]) * v[0]; };
  Tensor xf = Tensor::uniform({3}, -1, 1, true);
  GradcheckOptions loose;
  loose.eps = 1e-2;
  loose.atol = 1e-2;
  loose.rtol = 1e-2;
  const GradcheckResult rf = gradcheck<float>(f, {xf}, loose);
  CHECK(rf.ok);  // it may still pass
  CHECK(rf.warning.find("gradcheck<float>") != std::string::npos);
  CHECK(rf.warning.find("too coarse") != std::string::npos);
  CHECK(rf.warning.find("TensorD") != std::string::npos);
  CHECK(rf.report.find("warning: " + rf.warning) != std::string::npos);
  TensorD xd = TensorD::uniform({3}, -1, 1, true);
  const GradcheckResult rd = gradcheck<double>(f, {xd});
  CHECK(rd.ok);
  CHECK(rd.warning.empty());
  CHECK(rd.report.find("warning") == std::string::npos);
}

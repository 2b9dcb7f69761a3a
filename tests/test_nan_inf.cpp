// NaN and infinity semantics: every op's value and gradient at NaN, +-inf, +-0 and ordinary points equal PyTorch's.
// The expected values (nan_inf_expected.inc) were computed by PyTorch 1.13 in float64 with
// tests/pytorch/nan_inf_reference.py; here the library evaluates the op of the same name, in double and in float.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "autodiff/autodiff.h"

using namespace ad;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

struct UnaryCase {
  const char* op;
  double x, y, dx;
  bool has_grad;
};
struct BinaryCase {
  const char* op;
  double a, b, y, da, db;
  bool has_grad;
};
struct RowCase {
  const char* op;
  std::vector<double> x, y, dx;
};
#include "nan_inf_expected.inc"

// NaN matches NaN, infinities match exactly, finite values within a relative tolerance (a few ulps of libm and SIMD
// differences in double; float's rounding in float).
bool same(double got, double want, double rtol) {
  if (std::isnan(want)) return std::isnan(got);
  if (std::isinf(want)) return got == want;
  return std::fabs(got - want) <= rtol * std::fabs(want) + rtol * 1e-3;
}

template <class T>
using Unary = std::function<TensorT<T>(const TensorT<T>&)>;
template <class T>
using Binary = std::function<TensorT<T>(const TensorT<T>&, const TensorT<T>&)>;

template <class T>
std::map<std::string, Unary<T>> unary_ops() {
  return {
      {"neg", [](auto& x) { return -x; }},
      {"exp", [](auto& x) { return exp(x); }},
      {"log", [](auto& x) { return log(x); }},
      {"sqrt", [](auto& x) { return sqrt(x); }},
      {"abs", [](auto& x) { return abs(x); }},
      {"sin", [](auto& x) { return sin(x); }},
      {"cos", [](auto& x) { return cos(x); }},
      {"tanh", [](auto& x) { return tanh(x); }},
      {"sigmoid", [](auto& x) { return sigmoid(x); }},
      {"relu", [](auto& x) { return relu(x); }},
      {"leaky_relu(0.1)", [](auto& x) { return leaky_relu(x, T(0.1)); }},
      {"elu(0.7)", [](auto& x) { return elu(x, T(0.7)); }},
      {"softplus", [](auto& x) { return softplus(x); }},
      {"softplus(2,5)", [](auto& x) { return softplus(x, T(2), T(5)); }},
      {"clamp(-0.5,0.8)", [](auto& x) { return clamp(x, T(-0.5), T(0.8)); }},
      {"silu", [](auto& x) { return silu(x); }},
      {"gelu", [](auto& x) { return gelu(x); }},
      {"gelu_tanh", [](auto& x) { return gelu(x, "tanh"); }},
      {"x+2", [](auto& x) { return x + T(2); }},
      {"x*3", [](auto& x) { return x * T(3); }},
      {"x*0", [](auto& x) { return x * T(0); }},
      {"2-x", [](auto& x) { return T(2) - x; }},
      {"2/x", [](auto& x) { return T(2) / x; }},
      {"x/4", [](auto& x) { return x / T(4); }},
      {"pow(x,3)", [](auto& x) { return pow(x, T(3)); }},
      {"pow(x,0)", [](auto& x) { return pow(x, T(0)); }},
      {"pow(x,-1.5)", [](auto& x) { return pow(x, T(-1.5)); }},
      {"pow(x,0.5)", [](auto& x) { return pow(x, T(0.5)); }},
      {"pow(2.5,x)", [](auto& x) { return pow(T(2.5), x); }},
      {"pow(0,x)", [](auto& x) { return pow(T(0), x); }},
      {"pow(-2,x)", [](auto& x) { return pow(T(-2), x); }},
      {"heaviside", [](auto& x) { return heaviside(x); }},
      {"clone", [](auto& x) { return x.clone(); }},
      {"reshape",
       [](auto& x) {
         return x.reshape({1, 1});
       }},
  };
}

template <class T>
std::map<std::string, Binary<T>> binary_ops() {
  return {
      {"add", [](auto& a, auto& b) { return a + b; }},
      {"sub", [](auto& a, auto& b) { return a - b; }},
      {"mul", [](auto& a, auto& b) { return a * b; }},
      {"div", [](auto& a, auto& b) { return a / b; }},
      {"pow", [](auto& a, auto& b) { return pow(a, b); }},
      {"maximum", [](auto& a, auto& b) { return maximum(a, b); }},
      {"minimum", [](auto& a, auto& b) { return minimum(a, b); }},
      {"gt", [](auto& a, auto& b) { return gt(a, b); }},
      {"lt", [](auto& a, auto& b) { return lt(a, b); }},
      {"ge", [](auto& a, auto& b) { return ge(a, b); }},
      {"le", [](auto& a, auto& b) { return le(a, b); }},
      {"eq", [](auto& a, auto& b) { return eq(a, b); }},
      {"ne", [](auto& a, auto& b) { return ne(a, b); }},
  };
}

template <class T>
std::map<std::string, Unary<T>> row_ops() {
  using Tn = TensorT<T>;
  return {
      {"sum", [](auto& x) { return x.sum(); }},
      {"mean", [](auto& x) { return x.mean(); }},
      {"max", [](auto& x) { return x.max(); }},
      {"min", [](auto& x) { return x.min(); }},
      {"max(0)", [](auto& x) { return x.max(0); }},
      {"min(0)", [](auto& x) { return x.min(0); }},
      {"logsumexp(0)", [](auto& x) { return x.logsumexp(0); }},
      {"log_softmax(0)", [](auto& x) { return x.log_softmax(0); }},
      {"softmax(0)", [](auto& x) { return x.softmax(0); }},
      {"cross_entropy(label 1)",
       [](auto& x) {
         return softmax_cross_entropy(x.reshape({1, 3}), {1});
       }},
      {"bce_with_logits(target 1,0,1)",
       [](auto& x) {
         return binary_cross_entropy_with_logits(x, Tn::from({1, 0, 1}));
       }},
      {"matmul([1,2,0])",
       [](auto& x) {
         return matmul(x, Tn::from({1, 2, 0}));
       }},
      {"matmul(ones(3,2))",
       [](auto& x) {
         return matmul(x.reshape({1, 3}), Tn::ones({3, 2}));
       }},
      {"linear(ones(3,2),b)",
       [](auto& x) {
         return linear(x.reshape({1, 3}), Tn::ones({3, 2}), Tn::from({0.5, -1}));
       }},
      {"transpose",
       [](auto& x) {
         return x.reshape({3, 1}).t();
       }},
      {"narrow(1,2)", [](auto& x) { return narrow(x, 0, 1, 2); }},
      {"index_select(2,0,2)",
       [](auto& x) {
         return index_select(x, 0, {2, 0, 2});
       }},
      {"concat(x,x)",
       [](auto& x) {
         return concat(std::vector<Tn>{x, x});
       }},
      {"broadcast_to(2,3)",
       [](auto& x) {
         return broadcast_to(x, Shape{2, 3});
       }},
      {"where(1,0,1)",
       [](auto& x) {
         return where(Tn::from({1, 0, 1}), x, Tn::zeros({3}));
       }},
  };
}

template <class T>
void check_unary(double rtol) {
  const auto ops = unary_ops<T>();
  for (const UnaryCase& c : kUnaryCases) {
    INFO(std::string(c.op) << " at " << c.x);
    REQUIRE(ops.count(c.op) == 1);
    TensorT<T> x = TensorT<T>::scalar(T(c.x), c.has_grad);
    TensorT<T> y = ops.at(c.op)(x);
    CHECK_MESSAGE(same(double(y.item()), c.y, rtol), "value " << y.item() << ", PyTorch " << c.y);
    if (!c.has_grad) continue;
    y.sum().backward();
    const double g = x.grad().defined() ? double(x.grad().item()) : 0.0;
    CHECK_MESSAGE(same(g, c.dx, rtol), "gradient " << g << ", PyTorch " << c.dx);
  }
}

template <class T>
void check_binary(double rtol) {
  const auto ops = binary_ops<T>();
  for (const BinaryCase& c : kBinaryCases) {
    INFO(std::string(c.op) << " at (" << c.a << ", " << c.b << ")");
    REQUIRE(ops.count(c.op) == 1);
    TensorT<T> a = TensorT<T>::scalar(T(c.a), c.has_grad), b = TensorT<T>::scalar(T(c.b), c.has_grad);
    TensorT<T> y = ops.at(c.op)(a, b);
    CHECK_MESSAGE(same(double(y.item()), c.y, rtol), "value " << y.item() << ", PyTorch " << c.y);
    if (!c.has_grad) continue;
    y.backward();
    CHECK_MESSAGE(same(double(a.grad().item()), c.da, rtol), "d/da " << a.grad().item() << ", PyTorch " << c.da);
    CHECK_MESSAGE(same(double(b.grad().item()), c.db, rtol), "d/db " << b.grad().item() << ", PyTorch " << c.db);
  }
}

template <class T>
void check_rows(double rtol) {
  const auto ops = row_ops<T>();
  for (const RowCase& c : kRowCases) {
    INFO(std::string(c.op) << " of [" << c.x[0] << ", " << c.x[1] << ", " << c.x[2] << "]");
    REQUIRE(ops.count(c.op) == 1);
    std::vector<T> xs(c.x.begin(), c.x.end());
    TensorT<T> x = TensorT<T>::from(xs, {xs.size()}, true);
    TensorT<T> y = ops.at(c.op)(x);
    REQUIRE(y.numel() == c.y.size());
    for (std::size_t i = 0; i < c.y.size(); ++i)
      CHECK_MESSAGE(same(double(y.data()[i]), c.y[i], rtol),
                    "value " << i << ": " << y.data()[i] << ", PyTorch " << c.y[i]);
    y.backward(TensorT<T>::ones(y.shape()));
    for (std::size_t i = 0; i < c.dx.size(); ++i)
      CHECK_MESSAGE(same(double(x.grad().data()[i]), c.dx[i], rtol),
                    "gradient " << i << ": " << x.grad().data()[i] << ", PyTorch " << c.dx[i]);
  }
}

}  // namespace

TEST_CASE("nan/inf: unary ops give PyTorch's values and gradients at NaN, inf and the kinks (double)") {
  check_unary<double>(1e-12);
}
TEST_CASE("nan/inf: unary ops give PyTorch's values and gradients at NaN, inf and the kinks (float)") {
  check_unary<float>(2e-6);
}
TEST_CASE("nan/inf: binary ops and comparisons give PyTorch's values and gradients (double)") {
  check_binary<double>(1e-12);
}
TEST_CASE("nan/inf: binary ops and comparisons give PyTorch's values and gradients (float)") {
  check_binary<float>(2e-6);
}
TEST_CASE("nan/inf: reductions, softmax, losses, matmul and shape ops give PyTorch's values and gradients (double)") {
  check_rows<double>(1e-12);
}
TEST_CASE("nan/inf: reductions, softmax, losses, matmul and shape ops give PyTorch's values and gradients (float)") {
  check_rows<float>(2e-6);
}

TEST_CASE("nan/inf: a NaN in the data reaches the output of a ReLU network") {
  manual_seed(3);
  TensorD w1 = TensorD::randn({3, 4}), w2 = TensorD::randn({4, 2});
  TensorD x = TensorD::from({1, 2, 3, 0.5, kNaN, -1}, {2, 3});
  TensorD y = matmul(relu(matmul(x, w1)), w2);
  CHECK(std::isfinite(y.at({0, 0})));
  CHECK(std::isnan(y.at({1, 0})));
  CHECK(std::isnan(y.at({1, 1})));
}

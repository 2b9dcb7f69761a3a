// Unary elementwise ops. Each functor gives the forward value f(x) and the chain rule df = g * dy/dx as xtensor
// expressions (vectorised with xsimd); x is the input, y the output, g the gradient of the output.
#include <cmath>
#include <type_traits>

#include "autodiff/tensor.h"
#include "autodiff/xt_views.h"

namespace ad {
namespace {

template <class T>
struct Params {
  using value_type = T;
  T a = 0, b = 0;
};

// c ? a : b for plain scalars and elementwise (xt::where) for xtensor expressions, so that piecewise formulas
// (relu, leaky_relu) can also be ARITH.
template <class C, class A, class B>
auto pick(const C& c, const A& a, const B& b) {
  return xt::where(c, a, b);
}
template <class T>
T pick(bool c, T a, T b) {
  return c ? a : b;
}

// ARITH: the formulas use only + - * /, pick() and p, so they also apply to plain scalars; such ops run as a plain
// loop over the same formula (no xtensor adaptor set-up, which dominates the cost of tiny tensors; the compiler
// vectorises the loop).
// clang-format off
#define AD_UNARY(NAME, OPNAME, FWD, BWD, ARITH)                                         \
  struct NAME {                                                                         \
    static constexpr const char* name = OPNAME;                                         \
    static constexpr bool arith = ARITH;                                                \
    template <class X, class P>                                                         \
    static auto f(const X& x, const P& p) {                                             \
      using T = typename P::value_type;                                                 \
      static_assert(sizeof(T) > 0);                                                     \
      (void)p;                                                                          \
      return FWD;                                                                       \
    }                                                                                   \
    template <class X, class Y, class G, class P>                                       \
    static auto df(const X& x, const Y& y, const G& g, const P& p) {                    \
      using T = typename P::value_type;                                                 \
      static_assert(sizeof(T) > 0);                                                     \
      (void)x; (void)y; (void)p;                                                        \
      return BWD;                                                                       \
    }                                                                                   \
  };

// x^p and its derivative for PowScalar, which runs as a plain loop (ARITH) with std::pow; the expression forms are
// compiled but unused. x^0 is constant: its derivative is 0 everywhere, where p x^(p-1) gives 0 * inf at x = 0.
template <class X, class P>
auto any_pow(const X& x, P p) {
  using std::pow;  // xt::pow for expressions, by argument-dependent lookup
  return pow(x, p);
}
template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
T pow_slope(T x, T p) {
  return p == T(0) ? T(0) : p * std::pow(x, p - T(1));
}
template <class X, class T, std::enable_if_t<!std::is_arithmetic_v<X>, int> = 0>
auto pow_slope(const X& x, T p) {
  return p * xt::pow(x, p - T(1));
}

// name, op name, y = f(x), dL/dx = g * dy/dx
AD_UNARY(Neg, "neg", -x, -g, true)
AD_UNARY(Exp, "exp", xt::exp(x), g * y, false)                                   // (e^x)' = e^x
AD_UNARY(Log, "log", xt::log(x), g / x, false)                                   // (ln x)' = 1/x
AD_UNARY(Sqrt, "sqrt", xt::sqrt(x), g * T(0.5) / y, false)                // (sqrt x)' = 1/(2 sqrt x)
AD_UNARY(Abs, "abs", xt::abs(x), g * xt::sign(x), false)                         // |x|' = sign(x), 0 at 0
AD_UNARY(Sin, "sin", xt::sin(x), g * xt::cos(x), false)
AD_UNARY(Cos, "cos", xt::cos(x), -g * xt::sin(x), false)
AD_UNARY(Tanh, "tanh", xt::tanh(x), g * (T(1) - y * y), false)                   // tanh' = 1 - tanh^2
AD_UNARY(Sigmoid, "sigmoid", T(1) / (T(1) + xt::exp(-x)), g * y * (T(1) - y), false)  // s' = s (1 - s)
AD_UNARY(Relu, "relu", pick(x > T(0), x, T(0)), pick(x > T(0), g, T(0)), true)
AD_UNARY(LeakyRelu, "leaky_relu", pick(x > T(0), x, p.a * x), pick(x > T(0), g, p.a * g), true)
// elu(x) = x for x > 0, a (e^x - 1) otherwise; for x <= 0 the derivative a e^x = y + a.
AD_UNARY(Elu, "elu", xt::where(x > T(0), x, p.a * (xt::exp(x) - T(1))), xt::where(x > T(0), g, g * (y + p.a)), false)
// softplus(x) = log(1 + e^{bx}) / b, = x above the threshold; its derivative is sigmoid(bx).
AD_UNARY(Softplus, "softplus", xt::where(p.a * x > p.b, x, xt::log1p(xt::exp(p.a * x)) / p.a),
         xt::where(p.a * x > p.b, g, g / (T(1) + xt::exp(-p.a * x))), false)
AD_UNARY(Clamp, "clamp", xt::clip(x, p.a, p.b),
         xt::where(xt::greater_equal(x, p.a) && xt::less_equal(x, p.b), g, T(0)), false)
AD_UNARY(AddScalar, "add", x + p.a, g, true)
AD_UNARY(MulScalar, "mul", x * p.a, g * p.a, true)
AD_UNARY(RSubScalar, "sub", p.a - x, -g, true)
AD_UNARY(RDivScalar, "div", p.a / x, -g * y / x, true)                          // (s/x)' = -s/x^2 = -y/x
// (x^p)' = p x^(p-1). A plain loop (ARITH) with std::pow: xsimd 8's pow gets IEEE's special cases wrong (0^0 = 0,
// 0^-1 = 0, inf^0 = NaN; found by fuzz_expr).
AD_UNARY(PowScalar, "pow", any_pow(x, p.a), g * pow_slope(x, p.a), true)
AD_UNARY(ScalarPow, "pow", xt::exp(x * p.a), g * y * p.a, false)                 // (s^x)' = s^x ln s, p.a = ln s
#undef AD_UNARY
// clang-format on

template <class T, class F>
class UnaryNode final : public Node<T> {
 public:
  explicit UnaryNode(Params<T> p) : p_(p) {}
  const char* name() const override { return F::name; }
  void backward() override {
    T* ga = this->gin(0);
    if (!ga) return;
    const std::size_t n = this->out->numel;
    if constexpr (F::arith) {
      const T *x = this->in[0]->data, *y = this->out->data, *g = this->gout();
      for (std::size_t i = 0; i < n; ++i) ga[i] += F::df(x[i], y[i], g[i], p_);
      return;
    }
    auto xga = xv::flat(ga, n);
    xt::noalias(xga) += F::df(xv::flat(static_cast<const T*>(this->in[0]->data), n),
                              xv::flat(static_cast<const T*>(this->out->data), n), xv::flat(this->gout(), n), p_);
  }

 private:
  Params<T> p_;
};

template <class T, class F>
TensorT<T> unary(const TensorT<T>& a, Params<T> p = {}) {
  TensorImpl<T>& x = a.impl();
  ImplRef<T> out = TensorImpl<T>::create(x.shape);
  const std::size_t n = x.numel;
  if constexpr (F::arith) {
    const T* xs = x.data;
    T* ys = out->data;
    for (std::size_t i = 0; i < n; ++i) ys[i] = F::f(xs[i], p);
  } else {
    auto xo = xv::flat(out->data, n);
    xt::noalias(xo) = F::f(xv::flat(static_cast<const T*>(x.data), n), p);
  }
  finish_op<T>(out.get(), F::name, {&x});
  if (should_record<T>({&x})) attach_node<T>(out.get(), new UnaryNode<T, F>(p), {&x});
  return TensorT<T>(std::move(out));
}

}  // namespace

template <class T>
TensorT<T> neg(const TensorT<T>& a) {
  return unary<T, Neg>(a);
}
template <class T>
TensorT<T> exp(const TensorT<T>& a) {
  return unary<T, Exp>(a);
}
template <class T>
TensorT<T> log(const TensorT<T>& a) {
  return unary<T, Log>(a);
}
template <class T>
TensorT<T> sqrt(const TensorT<T>& a) {
  return unary<T, Sqrt>(a);
}
template <class T>
TensorT<T> abs(const TensorT<T>& a) {
  return unary<T, Abs>(a);
}
template <class T>
TensorT<T> sin(const TensorT<T>& a) {
  return unary<T, Sin>(a);
}
template <class T>
TensorT<T> cos(const TensorT<T>& a) {
  return unary<T, Cos>(a);
}
template <class T>
TensorT<T> tanh(const TensorT<T>& a) {
  return unary<T, Tanh>(a);
}
template <class T>
TensorT<T> sigmoid(const TensorT<T>& a) {
  return unary<T, Sigmoid>(a);
}
template <class T>
TensorT<T> relu(const TensorT<T>& a) {
  return unary<T, Relu>(a);
}
template <class T>
TensorT<T> leaky_relu(const TensorT<T>& a, T slope) {
  return unary<T, LeakyRelu>(a, {slope, 0});
}
template <class T>
TensorT<T> elu(const TensorT<T>& a, T alpha) {
  return unary<T, Elu>(a, {alpha, 0});
}
template <class T>
TensorT<T> softplus(const TensorT<T>& a, T beta, T threshold) {
  if (!(beta > 0)) throw ValueError("softplus: beta must be positive, got " + std::to_string(beta));
  return unary<T, Softplus>(a, {beta, threshold});
}
template <class T>
TensorT<T> clamp(const TensorT<T>& a, T lo, T hi) {
  if (lo > hi)
    throw ValueError("clamp: lower bound " + std::to_string(lo) + " exceeds upper bound " + std::to_string(hi));
  return unary<T, Clamp>(a, {lo, hi});
}
template <class T>
TensorT<T> add_scalar(const TensorT<T>& a, T s) {
  return unary<T, AddScalar>(a, {s, 0});
}
template <class T>
TensorT<T> mul_scalar(const TensorT<T>& a, T s) {
  return unary<T, MulScalar>(a, {s, 0});
}
template <class T>
TensorT<T> rsub_scalar(T s, const TensorT<T>& a) {
  return unary<T, RSubScalar>(a, {s, 0});
}
template <class T>
TensorT<T> rdiv_scalar(T s, const TensorT<T>& a) {
  return unary<T, RDivScalar>(a, {s, 0});
}
template <class T>
TensorT<T> pow(const TensorT<T>& a, T p) {
  return unary<T, PowScalar>(a, {p, 0});
}
template <class T>
TensorT<T> pow(T s, const TensorT<T>& b) {
  if (!(s > 0)) throw ValueError("pow: a scalar base must be positive, got " + std::to_string(s));
  return unary<T, ScalarPow>(b, {std::log(s), 0});
}

template <class T>
TensorT<T> heaviside(const TensorT<T>& a) {
  // A step function: no node is recorded, the result is a constant (its derivative is 0 everywhere).
  const TensorImpl<T>& x = a.impl();
  ImplRef<T> out = TensorImpl<T>::create(x.shape);
  for (std::size_t i = 0; i < x.numel; ++i) out->data[i] = x.data[i] > T(0) ? T(1) : T(0);
  return TensorT<T>(std::move(out));
}

#define AD_INSTANTIATE(T)                                   \
  template TensorT<T> neg<T>(const TensorT<T>&);            \
  template TensorT<T> exp<T>(const TensorT<T>&);            \
  template TensorT<T> log<T>(const TensorT<T>&);            \
  template TensorT<T> sqrt<T>(const TensorT<T>&);           \
  template TensorT<T> abs<T>(const TensorT<T>&);            \
  template TensorT<T> sin<T>(const TensorT<T>&);            \
  template TensorT<T> cos<T>(const TensorT<T>&);            \
  template TensorT<T> tanh<T>(const TensorT<T>&);           \
  template TensorT<T> sigmoid<T>(const TensorT<T>&);        \
  template TensorT<T> relu<T>(const TensorT<T>&);           \
  template TensorT<T> leaky_relu<T>(const TensorT<T>&, T);  \
  template TensorT<T> elu<T>(const TensorT<T>&, T);         \
  template TensorT<T> softplus<T>(const TensorT<T>&, T, T); \
  template TensorT<T> clamp<T>(const TensorT<T>&, T, T);    \
  template TensorT<T> heaviside<T>(const TensorT<T>&);      \
  template TensorT<T> add_scalar<T>(const TensorT<T>&, T);  \
  template TensorT<T> mul_scalar<T>(const TensorT<T>&, T);  \
  template TensorT<T> rsub_scalar<T>(T, const TensorT<T>&); \
  template TensorT<T> rdiv_scalar<T>(T, const TensorT<T>&); \
  template TensorT<T> pow<T>(const TensorT<T>&, T);         \
  template TensorT<T> pow<T>(T, const TensorT<T>&);
AD_INSTANTIATE(float)
AD_INSTANTIATE(double)

}  // namespace ad

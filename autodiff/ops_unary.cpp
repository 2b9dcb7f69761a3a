// Unary elementwise ops: the table AD_UNARY_OPS below is the one place where each op's value and derivative are
// written. A row gives
//   name       the function users call (declared in tensor.h)
//   Functor    the op's type here
//   signature  x: f(x); xa: f(x, a); xab: f(x, a, b); ax: f(a, x) (a scalar operand first)
//   y = f(x)   the value, from the input x and the scalar parameters a, b
//   dL/dx      the chain rule, from x, the output y, the output's gradient g and a, b
//   evaluation loop: per element on scalars, a plain loop the compiler vectorises (arithmetic, and functions
//              xsimd gets wrong at special values); simd: as an xtensor expression, vectorised by xsimd (exp, log,
//              tanh, ...). The same formula serves both: exp(x), where(c, u, v), equal(u, v), isnan(x) find the
//              std:: functions for scalars and the xt:: ones for expressions.
// From a row follow the functor, the function `name` and its float and double instantiations. Values and
// gradients at NaN, +-inf and the kinks are PyTorch's (tests/test_nan_inf.cpp holds PyTorch 1.13's results).
#include <cmath>
#include <limits>

#include "autodiff/node.h"
#include "autodiff/rule_math.h"
#include "autodiff/tensor.h"
#include "autodiff/xt_views.h"

namespace ad {
namespace {

constexpr double kSqrt2 = 1.41421356237309504880, kSqrt2OverPi = 0.79788456080286535588;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;  // 1 / sqrt(2 pi), the standard normal density at 0
template <class T>
constexpr T kInf = std::numeric_limits<T>::infinity();
template <class T>
constexpr T kNaN = std::numeric_limits<T>::quiet_NaN();
constexpr double kTwoOverSqrtPi = 1.12837916709551257390;  // 2 / sqrt(pi), erf'(0)
constexpr double kGeluKappa = 0.044715;                    // the cubic term of GELU's tanh approximation

// Everything a rule may call (rule_math.h): the std:: functions for scalars, the rule vocabulary; `using` keeps
// argument-dependent lookup on for xtensor expressions (xt::) and tensors (ad::).
#define AD_RULE_MATH         \
  using namespace ad::rules; \
  using std::abs;            \
  using std::cos;            \
  using std::erf;            \
  using std::exp;            \
  using std::isnan;          \
  using std::log;            \
  using std::log1p;          \
  using std::pow;            \
  using std::sin;            \
  using std::sqrt;           \
  using std::tanh;

enum class Eval { loop, simd };

// clang-format off
#define AD_UNARY_OPS(X) \
/*  name        Functor      sig  y = f(x)                                              dL/dx                                                      evaluation */ \
  X(neg,        Neg,         x,   -x,                                                   -g,                                                        loop) \
  X(exp,        Exp,         x,   exp(x),                                               g * y,                                                     simd) \
  X(log,        Log,         x,   log(x),                                               g / x,                                                     simd) \
  X(sqrt,       Sqrt,        x,   sqrt(x),                                              g / (T(2) * y),                                            simd) \
  /* |x|' = sign(x), 0 at 0 and at NaN */ \
  X(abs,        Abs,         x,   abs(x),                                               where(x > T(0), g, where(x < T(0), -g, T(0))),             loop) \
  X(sin,        Sin,         x,   sin(x),                                               g * cos(x),                                                simd) \
  X(cos,        Cos,         x,   cos(x),                                               g * -sin(x),                                               simd) \
  X(tanh,       Tanh,        x,   tanh(x),                                              g * (T(1) - y * y),                                        simd) \
  X(erf,        Erf,         x,   erf(x),                                               g * T(kTwoOverSqrtPi) * exp(-x * x),                       simd) \
  X(sigmoid,    Sigmoid,     x,   T(1) / (T(1) + exp(-x)),                              g * (T(1) - y) * y,                                        simd) \
  /* relu keeps NaN (and -0); its gradient is g where the output is positive or NaN */ \
  X(relu,       Relu,        x,   where(x < T(0), T(0), x),                             where(y <= T(0), T(0), g),                                 loop) \
  X(leaky_relu, LeakyRelu,   xa,  where(x > T(0), x, x * a),                            where(x > T(0), g, g * a),                                 loop) \
  /* elu(x) = x for x > 0, a (e^x - 1) otherwise; for x <= 0 the derivative a e^x = y + a */ \
  X(elu,        Elu,         xa,  where(x <= T(0), a * (exp(x) - T(1)), x),             where(x <= T(0), g * (y + a), g),                          simd) \
  /* softplus(x) = log(1 + e^(a x)) / a, = x above the threshold b; the derivative is sigmoid(a x) = z / (z + 1),  */ \
  /* z = e^(a x), taken as e^0 where the branch is unused so that z / (z + 1) is never inf / inf there (its second  */ \
  /* derivative would be NaN, and NaN * 0 is NaN)                                                                    */ \
  X(softplus,   Softplus,    xab, where(x * a > b, x, log1p(exp(x * a)) / a),           where(x * a > b, g, g * exp(where(x * a > b, T(0), x * a)) / (exp(where(x * a > b, T(0), x * a)) + T(1))), simd) \
  /* clamp keeps NaN; the gradient is g inside [a, b] (bounds included), 0 outside and at NaN */ \
  X(clamp,      Clamp,       xab, where(x < a, a, where(x > b, b, x)),                  where(x >= a, where(x <= b, g, T(0)), T(0)),               loop) \
  /* silu(x) = x sigmoid(x); with s = sigmoid(x) the derivative is s (1 + x (1 - s)) */ \
  X(silu,       Silu,        x,   x / (T(1) + exp(-x)),                                 g / (T(1) + exp(-x)) * (T(1) + x * (T(1) - T(1) / (T(1) + exp(-x)))), simd) \
  /* gelu(x) = x Phi(x), Phi the standard normal CDF; the derivative is Phi(x) + x phi(x) */ \
  X(gelu,       Gelu,        x,   T(0.5) * x * (T(1) + erf(x / T(kSqrt2))),             g * (T(0.5) * (T(1) + erf(x / T(kSqrt2))) + x * T(kInvSqrt2Pi) * exp(T(-0.5) * x * x)), simd) \
  /* GELU's tanh approximation, 0.5 x (1 + tanh(u)) with u = sqrt(2/pi) (x + k x^3) */ \
  X(gelu_tanh,  GeluTanh,    x,   T(0.5) * x * (T(1) + tanh(T(kSqrt2OverPi) * (x + T(kGeluKappa) * x * x * x))), \
                                  g * (T(0.5) * (T(1) + tanh(T(kSqrt2OverPi) * (x + T(kGeluKappa) * x * x * x))) + T(0.5) * x * (T(1) - tanh(T(kSqrt2OverPi) * (x + T(kGeluKappa) * x * x * x)) * tanh(T(kSqrt2OverPi) * (x + T(kGeluKappa) * x * x * x))) * T(kSqrt2OverPi) * (T(1) + T(3 * kGeluKappa) * x * x)), simd) \
  /* ops with a scalar operand a */ \
  X(add_scalar, AddScalar,   xa,  x + a,                                                g,                                                         loop) \
  X(mul_scalar, MulScalar,   xa,  x * a,                                                g * a,                                                     loop) \
  X(rsub_scalar, RSubScalar, ax,  a - x,                                                -g,                                                        loop) \
  X(rdiv_scalar, RDivScalar, ax,  a / x,                                                -g * y / x,                                                loop) \
  /* x^a, as PyTorch computes it (power); x^0 is 1 everywhere (also at NaN), so its derivative is 0 there */ \
  X(pow,        PowScalar,   xa,  power(x, a),                                          where(a == T(0), T(0), g * a * power(x, a - T(1))),        loop) \
  /* a^x; d/dx = a^x ln a, taken as 0 where a = 0 and x >= 0 (a^x is 0 or 1 there); for a = 0 a constant (-inf */ \
  /* for x < 0, NaN at NaN), so that a second derivative never multiplies 0 by the infinite ln 0 */ \
  X(pow,        ScalarPow,   ax,  pow(a, x),                                            g * where(a == T(0), where(x >= T(0), T(0), where(x < T(0), -kInf<T>, kNaN<T>)), y * log(a)), loop)
// clang-format on

// The name an op shows in errors and grad_fn_name(): the operator's for the scalar-operand forms ("mul" for
// x * 2.0, as for x * y), the function's otherwise.
constexpr bool same(const char* u, const char* v) { return *u == *v && (*u == 0 || same(u + 1, v + 1)); }
constexpr const char* shown_name(const char* fn) {
  return same(fn, "add_scalar")    ? "add"
         : same(fn, "mul_scalar")  ? "mul"
         : same(fn, "rsub_scalar") ? "sub"
         : same(fn, "rdiv_scalar") ? "div"
                                   : fn;
}

template <class T>
struct Params {
  T a = 0, b = 0;
};

// The parameters come in as references to the caller's values: an xtensor expression keeps references to its
// lvalue operands until it is evaluated, so they must outlive f() and df().
#define AD_DEFINE_FUNCTOR(NAME, F, SIG, FWD, BWD, EVAL)                          \
  struct F {                                                                     \
    static constexpr const char* name = shown_name(#NAME);                       \
    static constexpr Eval eval = Eval::EVAL;                                     \
    template <class T, class X>                                                  \
    static auto f(const X& x, const T& a, const T& b) {                          \
      AD_RULE_MATH(void) a, (void)b;                                             \
      return FWD;                                                                \
    }                                                                            \
    template <class T, class X, class Y, class G>                                \
    static auto df(const X& x, const Y& y, const G& g, const T& a, const T& b) { \
      AD_RULE_MATH(void) x, (void)y, (void)a, (void)b;                           \
      return BWD;                                                                \
    }                                                                            \
  };
AD_UNARY_OPS(AD_DEFINE_FUNCTOR)
#undef AD_DEFINE_FUNCTOR

// Parameter checks of the ops that have invalid parameters (the others accept any value, as in PyTorch).
template <class F, class T>
void check_params(const Params<T>&) {}
template <>
void check_params<Softplus, float>(const Params<float>& p) {
  if (!(p.a > 0)) throw ValueError("softplus: beta must be positive, got " + std::to_string(p.a));
}
template <>
void check_params<Softplus, double>(const Params<double>& p) {
  if (!(p.a > 0)) throw ValueError("softplus: beta must be positive, got " + std::to_string(p.a));
}
template <>
void check_params<Clamp, float>(const Params<float>& p) {
  if (p.a > p.b)
    throw ValueError("clamp: lower bound " + std::to_string(p.a) + " exceeds upper bound " + std::to_string(p.b));
}
template <>
void check_params<Clamp, double>(const Params<double>& p) {
  if (p.a > p.b)
    throw ValueError("clamp: lower bound " + std::to_string(p.a) + " exceeds upper bound " + std::to_string(p.b));
}

template <class T, class F>
class UnaryNode final : public Node<T> {
 public:
  explicit UnaryNode(Params<T> p) : p_(p) {}
  const char* name() const override { return F::name; }
  void backward() override {
    T* gx = this->gin(0);
    if (!gx) return;
    const std::size_t n = this->out->numel;
    const T *x = this->input(0)->data, *y = this->out->data, *g = this->gout();
    if constexpr (F::eval == Eval::loop) {
      for (std::size_t i = 0; i < n; ++i) gx[i] += F::df(x[i], y[i], g[i], p_.a, p_.b);
    } else {
      auto xgx = xv::flat(gx, n);
      xt::noalias(xgx) += F::df(xv::flat(x, n), xv::flat(y, n), xv::flat(g, n), p_.a, p_.b);
    }
  }
  // The same rule on tensors: its ops record themselves (grad mode on), so the result is differentiable again;
  // through y = f(x) (the output, whose node is this one) too.
  void backward_graph(const TensorT<T>& g, const bool* need, TensorT<T>* gin) override {
    if (!need[0]) return;
    const TensorT<T> x{ImplRef<T>(this->input(0))}, y{ImplRef<T>(this->out)};
    gin[0] = F::df(x, y, g, p_.a, p_.b);
  }

 private:
  Params<T> p_;
};

template <class T, class F>
TensorT<T> unary(const TensorT<T>& a, Params<T> p) {
  check_params<F>(p);
  TensorImpl<T>& x = a.impl();
  ImplRef<T> out = TensorImpl<T>::create_like(x);
  const std::size_t n = x.numel;
  const T* xs = x.data;
  if constexpr (F::eval == Eval::loop) {
    T* ys = out->data;
    for (std::size_t i = 0; i < n; ++i) ys[i] = F::f(xs[i], p.a, p.b);
  } else {
    auto xo = xv::flat(out->data, n);
    xt::noalias(xo) = F::f(xv::flat(xs, n), p.a, p.b);
  }
  record<UnaryNode<T, F>>(out.get(), F::name, {&x}, p);
  return TensorT<T>(std::move(out));
}

}  // namespace

// The functions of the table, by signature, with their float and double instantiations.
#define AD_SIG_x(NAME, F)                                     \
  template <class T>                                          \
  TensorT<T> NAME(const TensorT<T>& x) {                      \
    return unary<T, F>(x, {});                                \
  }                                                           \
  template TensorT<float> NAME<float>(const TensorT<float>&); \
  template TensorT<double> NAME<double>(const TensorT<double>&);
#define AD_SIG_xa(NAME, F)                                           \
  template <class T>                                                 \
  TensorT<T> NAME(const TensorT<T>& x, T a) {                        \
    return unary<T, F>(x, {a, 0});                                   \
  }                                                                  \
  template TensorT<float> NAME<float>(const TensorT<float>&, float); \
  template TensorT<double> NAME<double>(const TensorT<double>&, double);
#define AD_SIG_ax(NAME, F)                                           \
  template <class T>                                                 \
  TensorT<T> NAME(T a, const TensorT<T>& x) {                        \
    return unary<T, F>(x, {a, 0});                                   \
  }                                                                  \
  template TensorT<float> NAME<float>(float, const TensorT<float>&); \
  template TensorT<double> NAME<double>(double, const TensorT<double>&);
#define AD_SIG_xab(NAME, F)                                                 \
  template <class T>                                                        \
  TensorT<T> NAME(const TensorT<T>& x, T a, T b) {                          \
    return unary<T, F>(x, {a, b});                                          \
  }                                                                         \
  template TensorT<float> NAME<float>(const TensorT<float>&, float, float); \
  template TensorT<double> NAME<double>(const TensorT<double>&, double, double);
#define AD_DEFINE_FUNCTION(NAME, F, SIG, FWD, BWD, EVAL) AD_SIG_##SIG(NAME, F)
AD_UNARY_OPS(AD_DEFINE_FUNCTION)
#undef AD_DEFINE_FUNCTION

template <class T>
TensorT<T> gelu(const TensorT<T>& x, const std::string& approximate) {
  if (approximate == "none") return gelu(x);
  if (approximate == "tanh") return gelu_tanh(x);
  throw ValueError("gelu: approximate must be \"none\" or \"tanh\", got \"" + approximate + "\"");
}
template TensorT<float> gelu<float>(const TensorT<float>&, const std::string&);
template TensorT<double> gelu<double>(const TensorT<double>&, const std::string&);

// Heaviside step H(x) = 1 for x > 0, else 0 (also at NaN, as PyTorch's heaviside(x, 0)). Its derivative is 0 wherever
// it exists, so nothing is recorded: the result is a constant.
template <class T>
TensorT<T> heaviside(const TensorT<T>& a) {
  TensorImpl<T>& x = a.impl();
  ImplRef<T> out = TensorImpl<T>::create_like(x);
  for (std::size_t i = 0; i < x.numel; ++i) out->data[i] = x.data[i] > T(0) ? T(1) : T(0);
  record_no_grad<T>(out.get(), "heaviside", {&x});
  return TensorT<T>(std::move(out));
}
template TensorT<float> heaviside<float>(const TensorT<float>&);
template TensorT<double> heaviside<double>(const TensorT<double>&);

}  // namespace ad

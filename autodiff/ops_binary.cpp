// Binary elementwise ops with NumPy broadcasting. The table AD_BINARY_OPS is the one place where each op's value and
// its two chain-rule terms are written, per element: y = f(a, b), dL/da = g dy/da, dL/db = g dy/db (g the output's
// gradient). From a row follow the functor, the function `name` (declared in tensor.h) and its instantiations.
//
// Broadcasting is written once for every op: an operand of another shape than the output is first expanded to the
// output's shape (kernels::gather), the rule runs as one loop over the output, and the gradient of an expanded
// operand is summed back over the axes it was broadcast along (kernels::sum_to). Values and gradients at NaN and
// +-inf are PyTorch's (tests/test_nan_inf.cpp).
#include <cmath>
#include <cstring>

#include "autodiff/kernels.h"
#include "autodiff/node.h"
#include "autodiff/rule_math.h"
#include "autodiff/tensor.h"

namespace ad {
namespace {

// clang-format off
#define AD_BINARY_OPS(X) \
/*  name     Functor  y = f(a, b)                                        dL/da                                                dL/db */ \
  X(add,     Add,     a + b,                                             g,                                                   g) \
  X(sub,     Sub,     a - b,                                             g,                                                   -g) \
  X(mul,     Mul,     a * b,                                             g * b,                                               g * a) \
  X(div,     Div,     a / b,                                             g / b,                                               -g * y / b) \
  /* a^0 = 1 for every a (NaN included); d/da = b a^(b-1), 0 where b = 0; d/db = a^b ln a, 0 where a = 0 and b >= 0. */ \
  /* g multiplies the where (as in PyTorch), so that the gradient with respect to g of the recorded rule never meets */ \
  /* the infinite factor of the branch not taken (0 * inf) */ \
  X(pow,     Pow,     pow(a, b),                                         g * where(eq(b, T(0)), T(0), b * pow(a, b - T(1))),  g * where(eq(a, T(0)) && b >= T(0), T(0), y * log(a))) \
  /* NaN wins on either side; at ties (and at NaN) both operands get the gradient, halved at ties */ \
  X(maximum, Maximum, where(isnan(a), a, where(a > b, a, b)),            where(a < b, T(0), where(eq(a, b), g / T(2), g)),    where(a > b, T(0), where(eq(a, b), g / T(2), g))) \
  X(minimum, Minimum, where(isnan(a), a, where(a < b, a, b)),            where(a > b, T(0), where(eq(a, b), g / T(2), g)),    where(a < b, T(0), where(eq(a, b), g / T(2), g)))
// clang-format on

// The value is computed on scalars; the two rules on scalars (first-order loops) and on tensors (backward_graph,
// rule_math.h), so they are written generically over the operand types A, B, Y, G.
#define AD_RULE_MATH         \
  using namespace ad::rules; \
  using std::isnan;          \
  using std::log;            \
  using std::pow;
#define AD_DEFINE_FUNCTOR(NAME, F, FWD, DA, DB)                      \
  struct F {                                                         \
    static constexpr const char* name = #NAME;                       \
    template <class T>                                               \
    static T f(T a, T b) {                                           \
      AD_RULE_MATH return FWD;                                       \
    }                                                                \
    template <class T, class A, class B, class Y, class G>           \
    static auto da(const A& a, const B& b, const Y& y, const G& g) { \
      AD_RULE_MATH(void) a, (void)b, (void)y;                        \
      return DA;                                                     \
    }                                                                \
    template <class T, class A, class B, class Y, class G>           \
    static auto db(const A& a, const B& b, const Y& y, const G& g) { \
      AD_RULE_MATH(void) a, (void)b, (void)y;                        \
      return DB;                                                     \
    }                                                                \
  };
AD_BINARY_OPS(AD_DEFINE_FUNCTOR)
#undef AD_DEFINE_FUNCTOR

// The loops of the same-shape case. The destination never overlaps the operands (a gradient buffer, or a fresh
// output), which __restrict tells the compiler: without it, it tests for overlap at run time before vectorising,
// a cost as large as the work for tiny tensors.
template <class T, class Fn>
void fill(T* __restrict dst, std::size_t n, const T* __restrict a, const T* __restrict b, Fn f) {
  for (std::size_t i = 0; i < n; ++i) dst[i] = f(a[i], b[i]);
}
template <class T, class Fn>
void add_to(T* __restrict dst, std::size_t n, const T* __restrict a, const T* __restrict b, const T* __restrict y,
            const T* __restrict g, Fn f) {
  for (std::size_t i = 0; i < n; ++i) dst[i] += f(a[i], b[i], y[i], g[i]);
}

// The values of `x` expanded to `shape`: x's own storage when it has that shape, else a pool buffer that the
// caller frees with release().
template <class T>
struct Expanded {
  Expanded(const TensorImpl<T>& x, const Shape& shape, std::size_t n) : n_(n) {
    if (x.shape == shape) {
      p = x.data;
      return;
    }
    owned_ = static_cast<T*>(pool_alloc(n * sizeof(T)));
    kernels::gather(x.data, broadcast_strides(x.shape, shape), shape, owned_);
    p = owned_;
  }
  ~Expanded() {
    if (owned_) pool_free(owned_, n_ * sizeof(T));
  }
  Expanded(const Expanded&) = delete;
  Expanded& operator=(const Expanded&) = delete;
  const T* p;

 private:
  T* owned_ = nullptr;
  std::size_t n_;
};

// Accumulates into `grad` (of x's shape) the per-element terms term(i), i over the output of shape `shape`:
// straight in when x has the output's shape, else through a buffer summed over the broadcast axes.
template <class T, class Term>
void accumulate(T* grad, const Shape& x_shape, const Shape& shape, std::size_t n, Term term) {
  if (x_shape == shape) {
    for (std::size_t i = 0; i < n; ++i) grad[i] += term(i);
    return;
  }
  T* tmp = static_cast<T*>(pool_alloc(n * sizeof(T)));
  for (std::size_t i = 0; i < n; ++i) tmp[i] = term(i);
  kernels::sum_to(tmp, shape, grad, x_shape);
  pool_free(tmp, n * sizeof(T));
}

template <class T, class F>
class BinaryNode final : public Node<T> {
 public:
  const char* name() const override { return F::name; }
  void backward() override {
    const TensorImpl<T>& A = *this->input(0);
    const TensorImpl<T>& B = *this->input(1);
    const TensorImpl<T>& Y = *this->out;
    const std::size_t n = Y.numel;
    T* ga = this->gin(0);
    T* gb = this->gin(1);
    if (A.shape == B.shape) {  // no broadcasting (the common case, and the cost of tiny ops is in such tests)
      const T *av = A.data, *bv = B.data, *y = Y.data, *g = this->gout();
      if (ga) add_to(ga, n, av, bv, y, g, [](T a, T b, T y, T g) { return F::template da<T>(a, b, y, g); });
      if (gb) add_to(gb, n, av, bv, y, g, [](T a, T b, T y, T g) { return F::template db<T>(a, b, y, g); });
      return;
    }
    const Expanded<T> a(A, Y.shape, n), b(B, Y.shape, n);
    const T *av = a.p, *bv = b.p, *y = Y.data, *g = this->gout();
    if (ga)
      accumulate(ga, A.shape, Y.shape, n, [&](std::size_t i) { return F::template da<T>(av[i], bv[i], y[i], g[i]); });
    if (gb)
      accumulate(gb, B.shape, Y.shape, n, [&](std::size_t i) { return F::template db<T>(av[i], bv[i], y[i], g[i]); });
  }
  // The same rules on tensors (broadcasting as the ops do), each summed back to its operand's shape.
  void backward_graph(const TensorT<T>& g, const bool* need, TensorT<T>* gin) override {
    const TensorT<T> a{ImplRef<T>(this->input(0))}, b{ImplRef<T>(this->input(1))}, y{ImplRef<T>(this->out)};
    if (need[0]) gin[0] = sum_to(TensorT<T>(F::template da<T>(a, b, y, g)), a.shape());
    if (need[1]) gin[1] = sum_to(TensorT<T>(F::template db<T>(a, b, y, g)), b.shape());
  }
};

template <class T, class F>
TensorT<T> binary(const TensorT<T>& lhs, const TensorT<T>& rhs) {
  TensorImpl<T>& A = lhs.impl();
  TensorImpl<T>& B = rhs.impl();
  ImplRef<T> out;
  if (A.shape == B.shape) {  // no broadcasting
    out = TensorImpl<T>::create_like(A);
    const T *av = A.data, *bv = B.data;
    T* y = out->data;
    fill(y, A.numel, av, bv, [](T a, T b) { return F::f(a, b); });
  } else {
    out = TensorImpl<T>::create(broadcast_shapes(A.shape, B.shape, F::name));
    const std::size_t n = out->numel;
    const Expanded<T> a(A, out->shape, n), b(B, out->shape, n);
    const T *av = a.p, *bv = b.p;
    T* y = out->data;
    for (std::size_t i = 0; i < n; ++i) y[i] = F::f(av[i], bv[i]);
  }
  record<BinaryNode<T, F>>(out.get(), F::name, {&A, &B});
  return TensorT<T>(std::move(out));
}

// Comparisons: a 0/1 mask with IEEE semantics (every comparison with NaN is false but "not equal"); no gradient.
template <class T, class Cmp>
TensorT<T> compare(const TensorT<T>& lhs, const TensorT<T>& rhs, const char* op, Cmp cmp) {
  TensorImpl<T>& A = lhs.impl();
  TensorImpl<T>& B = rhs.impl();
  ImplRef<T> out = TensorImpl<T>::create(broadcast_shapes(A.shape, B.shape, op));
  const std::size_t n = out->numel;
  const Expanded<T> a(A, out->shape, n), b(B, out->shape, n);
  for (std::size_t i = 0; i < n; ++i) out->data[i] = cmp(a.p[i], b.p[i]) ? T(1) : T(0);
  record_no_grad<T>(out.get(), op, {&A, &B});
  return TensorT<T>(std::move(out));
}

// where(c, a, b): y = c != 0 ? a : b (a NaN condition is non-zero: it picks a). dy/da = [c != 0],
// dy/db = [c == 0]; the condition gets a zero gradient.
template <class T>
class WhereNode final : public Node<T> {
 public:
  const char* name() const override { return "where"; }
  void backward() override {
    const Shape& ys = this->out->shape;
    const std::size_t n = this->out->numel;
    const Expanded<T> c(*this->input(0), ys, n);
    const T* g = this->gout();
    if (T* ga = this->gin(1))
      accumulate(ga, this->input(1)->shape, ys, n, [&](std::size_t i) { return c.p[i] != T(0) ? g[i] : T(0); });
    if (T* gb = this->gin(2))
      accumulate(gb, this->input(2)->shape, ys, n, [&](std::size_t i) { return c.p[i] != T(0) ? T(0) : g[i]; });
  }
  void backward_graph(const TensorT<T>& g, const bool* need, TensorT<T>* gin) override {
    const TensorT<T> c{ImplRef<T>(this->input(0))};
    if (need[0]) gin[0] = TensorT<T>::zeros(c.shape());  // the condition's gradient is zero (as in backward())
    if (need[1]) gin[1] = sum_to(where(c, g, T(0)), this->input(1)->shape);
    if (need[2]) gin[2] = sum_to(where(c, T(0), g), this->input(2)->shape);
  }
};

}  // namespace

#define AD_DEFINE_FUNCTION(NAME, F, FWD, DA, DB)                                     \
  template <class T>                                                                 \
  TensorT<T> NAME(const TensorT<T>& a, const TensorT<T>& b) {                        \
    return binary<T, F>(a, b);                                                       \
  }                                                                                  \
  template TensorT<float> NAME<float>(const TensorT<float>&, const TensorT<float>&); \
  template TensorT<double> NAME<double>(const TensorT<double>&, const TensorT<double>&);
AD_BINARY_OPS(AD_DEFINE_FUNCTION)
#undef AD_DEFINE_FUNCTION

// clang-format off
#define AD_COMPARISONS(X) \
  X(gt, u > v) \
  X(lt, u < v) \
  X(ge, u >= v) \
  X(le, u <= v) \
  X(eq, u == v) \
  X(ne, u != v)
// clang-format on
#define AD_DEFINE_COMPARISON(NAME, EXPR)                                             \
  template <class T>                                                                 \
  TensorT<T> NAME(const TensorT<T>& a, const TensorT<T>& b) {                        \
    return compare(a, b, #NAME, [](T u, T v) { return EXPR; });                      \
  }                                                                                  \
  template TensorT<float> NAME<float>(const TensorT<float>&, const TensorT<float>&); \
  template TensorT<double> NAME<double>(const TensorT<double>&, const TensorT<double>&);
AD_COMPARISONS(AD_DEFINE_COMPARISON)
#undef AD_DEFINE_COMPARISON

template <class T>
TensorT<T> where(const TensorT<T>& cond, const TensorT<T>& a, const TensorT<T>& b) {
  TensorImpl<T>& C = cond.impl();
  TensorImpl<T>& A = a.impl();
  TensorImpl<T>& B = b.impl();
  const Shape s = broadcast_shapes(broadcast_shapes(C.shape, A.shape, "where"), B.shape, "where");
  ImplRef<T> out = TensorImpl<T>::create(s);
  const std::size_t n = out->numel;
  const Expanded<T> c(C, s, n), av(A, s, n), bv(B, s, n);
  for (std::size_t i = 0; i < n; ++i) out->data[i] = c.p[i] != T(0) ? av.p[i] : bv.p[i];
  // No gradient flows to the condition: the result requires grad only through a or b.
  if (A.requires_grad || B.requires_grad)
    record<WhereNode<T>>(out.get(), "where", {&C, &A, &B});
  else
    record_no_grad<T>(out.get(), "where", {&C, &A, &B});
  return TensorT<T>(std::move(out));
}
template TensorT<float> where<float>(const TensorT<float>&, const TensorT<float>&, const TensorT<float>&);
template TensorT<double> where<double>(const TensorT<double>&, const TensorT<double>&, const TensorT<double>&);

}  // namespace ad

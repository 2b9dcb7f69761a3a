// Binary elementwise ops with NumPy broadcasting. Each functor gives y = f(a, b) and the two chain-rule terms
// g * dy/da and g * dy/db as xtensor expressions. When an operand was broadcast, its term is summed over the
// broadcast axes (kernels::sum_to): d/da sum_j f(a_bcast(j), ...) collects every position a was copied to.
#include <cmath>

#include "autodiff/kernels.h"
#include "autodiff/tensor.h"
#include "autodiff/xt_views.h"

namespace ad {
namespace {

// ARITH: the formulas use only + - * /, so they also apply to plain scalars, and same-shape operands are
// processed by a plain loop over the same formula (no xtensor adaptor set-up: the cost that dominates tiny ops).
// clang-format off
#define AD_BINARY(NAME, OPNAME, ARITH, FWD, DA, DB)                                        \
  struct NAME {                                                                            \
    static constexpr const char* name = OPNAME;                                            \
    static constexpr bool arith = ARITH;                                                   \
    template <class T, class A, class B>                                                   \
    static auto f(const A& a, const B& b) {                                                \
      return FWD;                                                                          \
    }                                                                                      \
    template <class T, class A, class B, class Y, class G>                                 \
    static auto da(const A& a, const B& b, const Y& y, const G& g) {                       \
      (void)a; (void)b; (void)y;                                                           \
      return DA;                                                                           \
    }                                                                                      \
    template <class T, class A, class B, class Y, class G>                                 \
    static auto db(const A& a, const B& b, const Y& y, const G& g) {                       \
      (void)a; (void)b; (void)y;                                                           \
      return DB;                                                                           \
    }                                                                                      \
  };

AD_BINARY(Add, "add", true, a + b, g, g)
AD_BINARY(Sub, "sub", true, a - b, g, -g)
AD_BINARY(Mul, "mul", true, a * b, g * b, g * a)
AD_BINARY(Div, "div", true, a / b, g / b, -g * y / b)  // d(a/b)/db = -a/b^2 = -y/b
// d(a^b)/da = b a^(b-1); d(a^b)/db = a^b ln a, taken as 0 where a = 0 (as PyTorch does).
// a^0 = 1 for every a: xsimd 8's pow gives 0^0 = 0 and inf^0 = NaN (found by fuzz_expr).
AD_BINARY(Pow, "pow", false, xt::where(xt::equal(b, T(0)), T(1), xt::pow(a, b)), g * b * xt::pow(a, b - T(1)),
          g * xt::where(xt::equal(a, T(0)), T(0), y * xt::log(a)))
// At ties the gradient is split equally between the operands.
AD_BINARY(Maximum, "maximum", false, xt::maximum(a, b),
          xt::where(a > b, g, xt::where(xt::equal(a, b), T(0.5) * g, T(0))),
          xt::where(b > a, g, xt::where(xt::equal(a, b), T(0.5) * g, T(0))))
AD_BINARY(Minimum, "minimum", false, xt::minimum(a, b),
          xt::where(a < b, g, xt::where(xt::equal(a, b), T(0.5) * g, T(0))),
          xt::where(b < a, g, xt::where(xt::equal(a, b), T(0.5) * g, T(0))))
#undef AD_BINARY
// clang-format on

// True when `small` equals the trailing axes of `big` (a bias row added to every row of a batch, say): the
// broadcast is then "repeat `small` numel(big)/numel(small) times", which a plain loop handles without strides.
bool is_suffix(const Shape& small, const Shape& big) {
  if (small.rank() > big.rank()) return false;
  const std::size_t off = big.rank() - small.rank();
  for (std::size_t i = 0; i < small.rank(); ++i)
    if (small[i] != big[i + off]) return false;
  return true;
}

// Loop over an output of `outer` rows of `inner` elements where one operand is a full (outer x inner) tensor and
// the other a single row of `inner` elements (is_suffix). fn(j, row_index) gets the flat index j and j % inner.
template <class Fn>
void for_rows(std::size_t outer, std::size_t inner, Fn fn) {
  for (std::size_t o = 0; o < outer; ++o)
    for (std::size_t i = 0; i < inner; ++i) fn(o * inner + i, i);
}

template <class T, class F>
class BinaryNode final : public Node<T> {
 public:
  const char* name() const override { return F::name; }
  void backward() override {
    const TensorImpl<T>& A = *this->in[0];
    const TensorImpl<T>& B = *this->in[1];
    const TensorImpl<T>& Y = *this->out;
    T* ga = this->gin(0);
    T* gb = this->gin(1);
    if (A.shape == Y.shape && B.shape == Y.shape) {
      const std::size_t n = Y.numel;
      if constexpr (F::arith) {
        const T *a = A.data, *b = B.data, *y = Y.data, *g = this->gout();
        if (ga)
          for (std::size_t i = 0; i < n; ++i) ga[i] += F::template da<T>(a[i], b[i], y[i], g[i]);
        if (gb)
          for (std::size_t i = 0; i < n; ++i) gb[i] += F::template db<T>(a[i], b[i], y[i], g[i]);
        return;
      }
      auto a = xv::flat(static_cast<const T*>(A.data), n);
      auto b = xv::flat(static_cast<const T*>(B.data), n);
      auto y = xv::flat(static_cast<const T*>(Y.data), n);
      auto g = xv::flat(this->gout(), n);
      if (ga) {
        auto x = xv::flat(ga, n);
        xt::noalias(x) += F::template da<T>(a, b, y, g);
      }
      if (gb) {
        auto x = xv::flat(gb, n);
        xt::noalias(x) += F::template db<T>(a, b, y, g);
      }
      return;
    }
    if constexpr (F::arith) {
      const bool a_full = A.shape == Y.shape;
      if ((a_full && is_suffix(B.shape, Y.shape)) || (B.shape == Y.shape && is_suffix(A.shape, Y.shape))) {
        // Row broadcast: the full operand's gradient elementwise; the row operand's summed over rows.
        const std::size_t inner = a_full ? B.numel : A.numel;
        const std::size_t outer = inner ? Y.numel / inner : 0;
        const T *a = A.data, *b = B.data, *y = Y.data, *g = this->gout();
        if (a_full) {
          if (ga)
            for_rows(outer, inner,
                     [&](std::size_t j, std::size_t i) { ga[j] += F::template da<T>(a[j], b[i], y[j], g[j]); });
          if (gb)
            for_rows(outer, inner,
                     [&](std::size_t j, std::size_t i) { gb[i] += F::template db<T>(a[j], b[i], y[j], g[j]); });
        } else {
          if (ga)
            for_rows(outer, inner,
                     [&](std::size_t j, std::size_t i) { ga[i] += F::template da<T>(a[i], b[j], y[j], g[j]); });
          if (gb)
            for_rows(outer, inner,
                     [&](std::size_t j, std::size_t i) { gb[j] += F::template db<T>(a[i], b[j], y[j], g[j]); });
        }
        return;
      }
    }
    auto a = xv::nd(static_cast<const T*>(A.data), A.shape);
    auto b = xv::nd(static_cast<const T*>(B.data), B.shape);
    auto y = xv::nd(static_cast<const T*>(Y.data), Y.shape);
    auto g = xv::nd(this->gout(), Y.shape);
    T* tmp = nullptr;
    auto scratch = [&]() {
      if (!tmp) tmp = static_cast<T*>(pool_alloc(Y.numel * sizeof(T)));
      return xv::nd(tmp, Y.shape);
    };
    if (ga) {
      if (A.shape == Y.shape) {
        auto x = xv::nd(ga, A.shape);
        xt::noalias(x) += F::template da<T>(a, b, y, g);
      } else {
        auto s = scratch();
        xt::noalias(s) = F::template da<T>(a, b, y, g);
        kernels::sum_to(tmp, Y.shape, ga, A.shape);
      }
    }
    if (gb) {
      if (B.shape == Y.shape) {
        auto x = xv::nd(gb, B.shape);
        xt::noalias(x) += F::template db<T>(a, b, y, g);
      } else {
        auto s = scratch();
        xt::noalias(s) = F::template db<T>(a, b, y, g);
        kernels::sum_to(tmp, Y.shape, gb, B.shape);
      }
    }
    if (tmp) pool_free(tmp, Y.numel * sizeof(T));
  }
};

template <class T, class F>
TensorT<T> binary(const TensorT<T>& lhs, const TensorT<T>& rhs) {
  TensorImpl<T>& A = lhs.impl();
  TensorImpl<T>& B = rhs.impl();
  ImplRef<T> out;
  if (A.shape == B.shape) {
    out = TensorImpl<T>::create(A.shape);
    const std::size_t n = A.numel;
    if constexpr (F::arith) {
      const T *a = A.data, *b = B.data;
      T* y = out->data;
      for (std::size_t i = 0; i < n; ++i) y[i] = F::template f<T>(a[i], b[i]);
    } else {
      auto y = xv::flat(out->data, n);
      xt::noalias(y) =
          F::template f<T>(xv::flat(static_cast<const T*>(A.data), n), xv::flat(static_cast<const T*>(B.data), n));
    }
  } else if (F::arith && (is_suffix(B.shape, A.shape) || is_suffix(A.shape, B.shape))) {
    if constexpr (F::arith) {
      const bool a_full = is_suffix(B.shape, A.shape);
      out = TensorImpl<T>::create(a_full ? A.shape : B.shape);
      const std::size_t inner = a_full ? B.numel : A.numel;
      const std::size_t outer = inner ? out->numel / inner : 0;
      const T *a = A.data, *b = B.data;
      T* y = out->data;
      if (a_full)
        for_rows(outer, inner, [&](std::size_t j, std::size_t i) { y[j] = F::template f<T>(a[j], b[i]); });
      else
        for_rows(outer, inner, [&](std::size_t j, std::size_t i) { y[j] = F::template f<T>(a[i], b[j]); });
    }
  } else {
    out = TensorImpl<T>::create(broadcast_shapes(A.shape, B.shape, F::name));
    auto y = xv::nd(out->data, out->shape);
    xt::noalias(y) = F::template f<T>(xv::nd(static_cast<const T*>(A.data), A.shape),
                                      xv::nd(static_cast<const T*>(B.data), B.shape));
  }
  finish_op<T>(out.get(), F::name, {&A, &B});
  if (should_record<T>({&A, &B})) attach_node<T>(out.get(), new BinaryNode<T, F>(), {&A, &B});
  return TensorT<T>(std::move(out));
}

// Comparison: a 0/1 mask, no gradient.
template <class T, class Cmp>
TensorT<T> compare(const TensorT<T>& lhs, const TensorT<T>& rhs, const char* op, Cmp cmp) {
  const TensorImpl<T>& A = lhs.impl();
  const TensorImpl<T>& B = rhs.impl();
  ImplRef<T> out = TensorImpl<T>::create(broadcast_shapes(A.shape, B.shape, op));
  auto y = xv::nd(out->data, out->shape);
  xt::noalias(y) = xt::where(
      cmp(xv::nd(static_cast<const T*>(A.data), A.shape), xv::nd(static_cast<const T*>(B.data), B.shape)), T(1), T(0));
  return TensorT<T>(std::move(out));
}

// where(c, a, b): y = c ? a : b. dy/da = [c], dy/db = [not c]; the condition gets no gradient.
template <class T>
class WhereNode final : public Node<T> {
 public:
  const char* name() const override { return "where"; }
  void backward() override {
    const TensorImpl<T>& C = *this->in[0];
    const Shape& ys = this->out->shape;
    auto c = xv::nd(static_cast<const T*>(C.data), C.shape);
    auto g = xv::nd(this->gout(), ys);
    T* tmp = static_cast<T*>(pool_alloc(this->out->numel * sizeof(T)));
    auto s = xv::nd(tmp, ys);
    for (std::size_t i = 1; i <= 2; ++i) {
      T* gi = this->gin(i);
      if (!gi) continue;
      if (i == 1)
        xt::noalias(s) = xt::where(xt::not_equal(c, T(0)), g, T(0));
      else
        xt::noalias(s) = xt::where(xt::not_equal(c, T(0)), T(0), g);
      kernels::sum_to(tmp, ys, gi, this->in[i]->shape);
    }
    pool_free(tmp, this->out->numel * sizeof(T));
  }
};

}  // namespace

template <class T>
TensorT<T> add(const TensorT<T>& a, const TensorT<T>& b) {
  return binary<T, Add>(a, b);
}
template <class T>
TensorT<T> sub(const TensorT<T>& a, const TensorT<T>& b) {
  return binary<T, Sub>(a, b);
}
template <class T>
TensorT<T> mul(const TensorT<T>& a, const TensorT<T>& b) {
  return binary<T, Mul>(a, b);
}
template <class T>
TensorT<T> div(const TensorT<T>& a, const TensorT<T>& b) {
  return binary<T, Div>(a, b);
}
template <class T>
TensorT<T> pow(const TensorT<T>& a, const TensorT<T>& b) {
  return binary<T, Pow>(a, b);
}
template <class T>
TensorT<T> maximum(const TensorT<T>& a, const TensorT<T>& b) {
  return binary<T, Maximum>(a, b);
}
template <class T>
TensorT<T> minimum(const TensorT<T>& a, const TensorT<T>& b) {
  return binary<T, Minimum>(a, b);
}
template <class T>
TensorT<T> gt(const TensorT<T>& a, const TensorT<T>& b) {
  return compare(a, b, "gt", [](const auto& x, const auto& y) { return xt::greater(x, y); });
}
template <class T>
TensorT<T> lt(const TensorT<T>& a, const TensorT<T>& b) {
  return compare(a, b, "lt", [](const auto& x, const auto& y) { return xt::less(x, y); });
}
template <class T>
TensorT<T> ge(const TensorT<T>& a, const TensorT<T>& b) {
  return compare(a, b, "ge", [](const auto& x, const auto& y) { return xt::greater_equal(x, y); });
}
template <class T>
TensorT<T> le(const TensorT<T>& a, const TensorT<T>& b) {
  return compare(a, b, "le", [](const auto& x, const auto& y) { return xt::less_equal(x, y); });
}
template <class T>
TensorT<T> eq(const TensorT<T>& a, const TensorT<T>& b) {
  return compare(a, b, "eq", [](const auto& x, const auto& y) { return xt::equal(x, y); });
}

template <class T>
TensorT<T> where(const TensorT<T>& cond, const TensorT<T>& a, const TensorT<T>& b) {
  TensorImpl<T>& C = cond.impl();
  TensorImpl<T>& A = a.impl();
  TensorImpl<T>& B = b.impl();
  const Shape s = broadcast_shapes(broadcast_shapes(C.shape, A.shape, "where"), B.shape, "where");
  ImplRef<T> out = TensorImpl<T>::create(s);
  auto y = xv::nd(out->data, s);
  xt::noalias(y) =
      xt::where(xt::not_equal(xv::nd(static_cast<const T*>(C.data), C.shape), T(0)),
                xv::nd(static_cast<const T*>(A.data), A.shape), xv::nd(static_cast<const T*>(B.data), B.shape));
  finish_op<T>(out.get(), "where", {&A, &B});
  if (should_record<T>({&A, &B})) attach_node<T>(out.get(), new WhereNode<T>(), {&C, &A, &B});
  return TensorT<T>(std::move(out));
}

#define AD_INSTANTIATE(T)                                               \
  template TensorT<T> add<T>(const TensorT<T>&, const TensorT<T>&);     \
  template TensorT<T> sub<T>(const TensorT<T>&, const TensorT<T>&);     \
  template TensorT<T> mul<T>(const TensorT<T>&, const TensorT<T>&);     \
  template TensorT<T> div<T>(const TensorT<T>&, const TensorT<T>&);     \
  template TensorT<T> pow<T>(const TensorT<T>&, const TensorT<T>&);     \
  template TensorT<T> maximum<T>(const TensorT<T>&, const TensorT<T>&); \
  template TensorT<T> minimum<T>(const TensorT<T>&, const TensorT<T>&); \
  template TensorT<T> gt<T>(const TensorT<T>&, const TensorT<T>&);      \
  template TensorT<T> lt<T>(const TensorT<T>&, const TensorT<T>&);      \
  template TensorT<T> ge<T>(const TensorT<T>&, const TensorT<T>&);      \
  template TensorT<T> le<T>(const TensorT<T>&, const TensorT<T>&);      \
  template TensorT<T> eq<T>(const TensorT<T>&, const TensorT<T>&);      \
  template TensorT<T> where<T>(const TensorT<T>&, const TensorT<T>&, const TensorT<T>&);
AD_INSTANTIATE(float)
AD_INSTANTIATE(double)

}  // namespace ad

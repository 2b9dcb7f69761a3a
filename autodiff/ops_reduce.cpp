// Reductions: sum, max, log_softmax have their own rules; mean, min, softmax and logsumexp are composed from them;
// argmax and argmin are not differentiable (no node).
// Along an axis, a tensor is seen as (outer, n, inner): element (o, k, i) at (o n + k) inner + i, reduced over k.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "autodiff/node.h"
#include "autodiff/ops_adjoint.h"
#include "autodiff/tensor.h"

namespace ad {
namespace {

Shape reduced_shape(const Shape& s, std::size_t axis, bool keepdims) {
  Shape r;
  for (std::size_t d = 0; d < s.rank(); ++d) {
    if (d != axis)
      r.push_back(s[d]);
    else if (keepdims)
      r.push_back(1);
  }
  return r;
}

// y = sum_i x_i: dy/dx_i = 1, so every x_i receives g.
template <class T>
class SumAllNode final : public Node<T> {
 public:
  const char* name() const override { return "sum"; }
  void backward() override {
    T* gx = this->gin(0);
    if (!gx) return;
    const T g = this->gout()[0];
    const std::size_t n = this->input(0)->numel;
    for (std::size_t i = 0; i < n; ++i) gx[i] += g;
  }
  void backward_graph(const TensorT<T>& g, const bool* need, TensorT<T>* gin) override {
    if (need[0]) gin[0] = broadcast_to(g, this->input(0)->shape);
  }
};

// y_(o,i) = sum_k x_(o,k,i): each x_(o,k,i) receives g_(o,i).
template <class T>
class SumAxisNode final : public Node<T> {
 public:
  explicit SumAxisNode(AxisSplit s) : s_(s) {}
  const char* name() const override { return "sum"; }
  void backward() override {
    T* gx = this->gin(0);
    if (!gx) return;
    const T* g = this->gout();
    for (std::size_t o = 0; o < s_.outer; ++o)
      for (std::size_t k = 0; k < s_.n; ++k) {
        T* dst = gx + (o * s_.n + k) * s_.inner;
        const T* src = g + o * s_.inner;
        for (std::size_t i = 0; i < s_.inner; ++i) dst[i] += src[i];
      }
  }
  // g as (outer, 1, inner), broadcast along the summed axis.
  void backward_graph(const TensorT<T>& g, const bool* need, TensorT<T>* gin) override {
    if (!need[0]) return;
    const TensorT<T> spread =
        broadcast_to(detail::reshaped(g, Shape{s_.outer, 1, s_.inner}), Shape{s_.outer, s_.n, s_.inner});
    gin[0] = detail::reshaped(spread, this->input(0)->shape);
  }

 private:
  AxisSplit s_;
};

// max along an axis: y = x_m with m the position of the maximum (the first one, or the first NaN, as PyTorch's
// max(dim)): the gradient goes to x_m only.
template <class T>
class MaxNode final : public Node<T> {
 public:
  explicit MaxNode(std::vector<std::size_t> argmax) : argmax_(std::move(argmax)) {}
  const char* name() const override { return "max"; }
  void backward() override {
    T* gx = this->gin(0);
    if (!gx) return;
    const T* g = this->gout();
    for (std::size_t j = 0; j < argmax_.size(); ++j) gx[argmax_[j]] += g[j];
  }
  void backward_graph(const TensorT<T>& g, const bool* need, TensorT<T>* gin) override {
    const TensorImpl<T>& x = *this->input(0);
    if (need[0]) gin[0] = detail::reshaped(detail::index_add(g, AxisSplit{1, x.numel, 1}, argmax_), x.shape);
  }

 private:
  std::vector<std::size_t> argmax_;  // flat input index of the maximum, per output element
};

// max of all elements: as PyTorch's max(), the gradient is shared evenly by every element equal to the maximum
// (every NaN when the maximum is NaN), so that ties are symmetric.
template <class T>
class MaxAllNode final : public Node<T> {
 public:
  const char* name() const override { return "max"; }
  void backward() override {
    T* gx = this->gin(0);
    if (!gx) return;
    const T* x = this->input(0)->data;
    const std::size_t n = this->input(0)->numel;
    const T m = this->out->data[0];
    auto at_max = [&](std::size_t i) { return std::isnan(m) ? std::isnan(x[i]) : x[i] == m; };
    std::size_t count = 0;
    for (std::size_t i = 0; i < n; ++i) count += at_max(i);
    const T share = this->gout()[0] / static_cast<T>(count);
    for (std::size_t i = 0; i < n; ++i)
      if (at_max(i)) gx[i] += share;
  }
  // The same share, as (mask / count) * g with the mask of maximal elements a constant.
  void backward_graph(const TensorT<T>& g, const bool* need, TensorT<T>* gin) override {
    if (!need[0]) return;
    const TensorImpl<T>& x = *this->input(0);
    const T m = this->out->data[0];
    TensorT<T> share = TensorT<T>::empty(x.shape);
    T* w = share.impl().data;
    std::size_t count = 0;
    for (std::size_t i = 0; i < x.numel; ++i) {
      w[i] = (std::isnan(m) ? std::isnan(x.data[i]) : x.data[i] == m) ? T(1) : T(0);
      count += w[i] != T(0);
    }
    for (std::size_t i = 0; i < x.numel; ++i) w[i] /= static_cast<T>(count);
    gin[0] = share * g;
  }
};

// True when v beats the current best: larger, or the first NaN (NaN propagates, as in PyTorch).
template <class T>
bool beats(T v, T best) {
  return v > best || (std::isnan(v) && !std::isnan(best));
}

// y_k = x_k - log sum_j exp(x_j) along the axis. dy_k/dx_j = [k = j] - softmax_j, so
// dL/dx_j = g_j - softmax_j * sum_k g_k, with softmax_j = exp(y_j).
template <class T>
class LogSoftmaxNode final : public Node<T> {
 public:
  explicit LogSoftmaxNode(AxisSplit s) : s_(s) {}
  const char* name() const override { return "log_softmax"; }
  void backward() override {
    T* gx = this->gin(0);
    if (!gx) return;
    const T* g = this->gout();
    const T* y = this->out->data;
    for (std::size_t o = 0; o < s_.outer; ++o)
      for (std::size_t i = 0; i < s_.inner; ++i) {
        const std::size_t base = o * s_.n * s_.inner + i;
        T gsum = 0;
        for (std::size_t k = 0; k < s_.n; ++k) gsum += g[base + k * s_.inner];
        for (std::size_t k = 0; k < s_.n; ++k) {
          const std::size_t j = base + k * s_.inner;
          gx[j] += g[j] - std::exp(y[j]) * gsum;
        }
      }
  }
  // g - softmax * sum(g) along the axis, with softmax = exp(y) (y the output: second derivatives flow through it).
  void backward_graph(const TensorT<T>& g, const bool* need, TensorT<T>* gin) override {
    if (!need[0]) return;
    const Shape split{s_.outer, s_.n, s_.inner};
    const TensorT<T> y{ImplRef<T>(this->out)};
    const TensorT<T> g3 = detail::reshaped(g, split);
    gin[0] = detail::reshaped(g3 - exp(detail::reshaped(y, split)) * sum(g3, 1, true), this->input(0)->shape);
  }

 private:
  AxisSplit s_;
};

template <class T>
void require_nonempty(const TensorImpl<T>& x, const char* op) {
  if (x.numel == 0) throw ValueError(std::string(op) + ": the input (shape " + x.shape.str() + ") is empty");
}

}  // namespace

template <class T>
TensorT<T> sum(const TensorT<T>& a) {
  TensorImpl<T>& x = a.impl();
  ImplRef<T> out = TensorImpl<T>::create(Shape{});
  T s = 0;
  const T* p = x.data;
  const std::size_t n = x.numel;
#pragma omp simd reduction(+ : s)
  for (std::size_t i = 0; i < n; ++i) s += p[i];
  out->data[0] = s;
  record<SumAllNode<T>>(out.get(), "sum", {&x});
  return TensorT<T>(std::move(out));
}

template <class T>
TensorT<T> sum(const TensorT<T>& a, int axis, bool keepdims) {
  TensorImpl<T>& x = a.impl();
  const std::size_t ax = normalize_axis(axis, x.shape.rank(), "sum");
  const AxisSplit s = split_at(x.shape, ax);
  ImplRef<T> out = TensorImpl<T>::create(reduced_shape(x.shape, ax, keepdims));
  T* y = out->data;
  for (std::size_t o = 0; o < s.outer; ++o) {
    T* dst = y + o * s.inner;
    const T* src = x.data + o * s.n * s.inner;
    if (s.inner == 1) {
      T acc = 0;
#pragma omp simd reduction(+ : acc)
      for (std::size_t k = 0; k < s.n; ++k) acc += src[k];
      dst[0] = acc;
      continue;
    }
    for (std::size_t i = 0; i < s.inner; ++i) dst[i] = 0;
    for (std::size_t k = 0; k < s.n; ++k)
      for (std::size_t i = 0; i < s.inner; ++i) dst[i] += src[k * s.inner + i];
  }
  record<SumAxisNode<T>>(out.get(), "sum", {&x}, s);
  return TensorT<T>(std::move(out));
}

template <class T>
TensorT<T> mean(const TensorT<T>& a) {
  require_nonempty(a.impl(), "mean");
  return mul_scalar(sum(a), T(1) / static_cast<T>(a.numel()));
}

template <class T>
TensorT<T> mean(const TensorT<T>& a, int axis, bool keepdims) {
  const std::size_t ax = normalize_axis(axis, a.dim(), "mean");
  if (a.shape()[ax] == 0)
    throw ValueError("mean: axis " + std::to_string(axis) + " of shape " + a.shape().str() + " is empty");
  return mul_scalar(sum(a, axis, keepdims), T(1) / static_cast<T>(a.shape()[ax]));
}

template <class T>
TensorT<T> max(const TensorT<T>& a) {
  TensorImpl<T>& x = a.impl();
  require_nonempty(x, "max");
  std::size_t m = 0;
  for (std::size_t i = 1; i < x.numel; ++i)
    if (beats(x.data[i], x.data[m])) m = i;
  ImplRef<T> out = TensorImpl<T>::create(Shape{});
  out->data[0] = x.data[m];
  record<MaxAllNode<T>>(out.get(), "max", {&x});
  return TensorT<T>(std::move(out));
}

template <class T>
TensorT<T> max(const TensorT<T>& a, int axis, bool keepdims) {
  TensorImpl<T>& x = a.impl();
  const std::size_t ax = normalize_axis(axis, x.shape.rank(), "max");
  const AxisSplit s = split_at(x.shape, ax);
  if (s.n == 0) throw ValueError("max: axis " + std::to_string(axis) + " of shape " + x.shape.str() + " is empty");
  ImplRef<T> out = TensorImpl<T>::create(reduced_shape(x.shape, ax, keepdims));
  std::vector<std::size_t> argmax(out->numel);
  for (std::size_t o = 0; o < s.outer; ++o)
    for (std::size_t i = 0; i < s.inner; ++i) {
      std::size_t best = o * s.n * s.inner + i;
      for (std::size_t k = 1; k < s.n; ++k) {
        const std::size_t j = (o * s.n + k) * s.inner + i;
        if (beats(x.data[j], x.data[best])) best = j;
      }
      out->data[o * s.inner + i] = x.data[best];
      argmax[o * s.inner + i] = best;
    }
  record<MaxNode<T>>(out.get(), "max", {&x}, std::move(argmax));
  return TensorT<T>(std::move(out));
}

namespace {

// argmax / argmin: the index of the first element that `beats` every other, NaN included (as torch.argmax, whose NaN
// propagates as max's does). Indices are written as T; nothing is recorded (an index has no gradient).
template <class T, class Beats>
TensorT<T> arg_reduce(const TensorT<T>& a, const char* op, Beats beats_best) {
  TensorImpl<T>& x = a.impl();
  require_nonempty(x, op);
  std::size_t m = 0;
  for (std::size_t i = 1; i < x.numel; ++i)
    if (beats_best(x.data[i], x.data[m])) m = i;
  ImplRef<T> out = TensorImpl<T>::create(Shape{});
  out->data[0] = static_cast<T>(m);
  record_no_grad<T>(out.get(), op, {&x});
  return TensorT<T>(std::move(out));
}

template <class T, class Beats>
TensorT<T> arg_reduce(const TensorT<T>& a, int axis, bool keepdims, const char* op, Beats beats_best) {
  TensorImpl<T>& x = a.impl();
  const std::size_t ax = normalize_axis(axis, x.shape.rank(), op);
  const AxisSplit s = split_at(x.shape, ax);
  if (s.n == 0)
    throw ValueError(std::string(op) + ": axis " + std::to_string(axis) + " of shape " + x.shape.str() + " is empty");
  ImplRef<T> out = TensorImpl<T>::create(reduced_shape(x.shape, ax, keepdims));
  for (std::size_t o = 0; o < s.outer; ++o)
    for (std::size_t i = 0; i < s.inner; ++i) {
      const T* row = x.data + o * s.n * s.inner + i;  // entry k at row[k * inner]
      std::size_t best = 0;
      for (std::size_t k = 1; k < s.n; ++k)
        if (beats_best(row[k * s.inner], row[best * s.inner])) best = k;
      out->data[o * s.inner + i] = static_cast<T>(best);
    }
  record_no_grad<T>(out.get(), op, {&x});
  return TensorT<T>(std::move(out));
}

// v is smaller than the current best, or the first NaN.
template <class T>
bool beats_min(T v, T best) {
  return v < best || (std::isnan(v) && !std::isnan(best));
}

}  // namespace

template <class T>
TensorT<T> argmax(const TensorT<T>& a) {
  return arg_reduce(a, "argmax", beats<T>);
}
template <class T>
TensorT<T> argmax(const TensorT<T>& a, int axis, bool keepdims) {
  return arg_reduce(a, axis, keepdims, "argmax", beats<T>);
}
template <class T>
TensorT<T> argmin(const TensorT<T>& a) {
  return arg_reduce(a, "argmin", beats_min<T>);
}
template <class T>
TensorT<T> argmin(const TensorT<T>& a, int axis, bool keepdims) {
  return arg_reduce(a, axis, keepdims, "argmin", beats_min<T>);
}

// Composed ops check emptiness under their own name first, so the error names the op the caller used.
template <class T>
void require_axis_nonempty(const TensorT<T>& a, int axis, const char* op) {
  const std::size_t ax = normalize_axis(axis, a.dim(), op);
  if (a.shape()[ax] == 0)
    throw ValueError(std::string(op) + ": axis " + std::to_string(axis) + " of shape " + a.shape().str() + " is empty");
}

template <class T>
TensorT<T> min(const TensorT<T>& a) {
  require_nonempty(a.impl(), "min");
  return neg(max(neg(a)));
}
template <class T>
TensorT<T> min(const TensorT<T>& a, int axis, bool keepdims) {
  require_axis_nonempty(a, axis, "min");
  return neg(max(neg(a), axis, keepdims));
}

template <class T>
TensorT<T> log_softmax(const TensorT<T>& a, int axis) {
  TensorImpl<T>& x = a.impl();
  const std::size_t ax = normalize_axis(axis, x.shape.rank(), "log_softmax");
  const AxisSplit s = split_at(x.shape, ax);
  if (s.n == 0)
    throw ValueError("log_softmax: axis " + std::to_string(axis) + " of shape " + x.shape.str() + " is empty");
  ImplRef<T> out = TensorImpl<T>::create(x.shape);
  T* y = out->data;
  for (std::size_t o = 0; o < s.outer; ++o)
    for (std::size_t i = 0; i < s.inner; ++i) {
      const std::size_t base = o * s.n * s.inner + i;
      // The shift by the maximum keeps exp from overflowing. An infinite maximum makes the row NaN, as in PyTorch
      // (x - m is NaN at the maximum); a row of -inf and finite values is fine.
      T m = x.data[base];
      for (std::size_t k = 1; k < s.n; ++k) m = beats(x.data[base + k * s.inner], m) ? x.data[base + k * s.inner] : m;
      T z = 0;
      for (std::size_t k = 0; k < s.n; ++k) z += std::exp(x.data[base + k * s.inner] - m);
      const T lse = m + std::log(z);
      for (std::size_t k = 0; k < s.n; ++k) y[base + k * s.inner] = x.data[base + k * s.inner] - lse;
    }
  record<LogSoftmaxNode<T>>(out.get(), "log_softmax", {&x}, s);
  return TensorT<T>(std::move(out));
}

template <class T>
TensorT<T> softmax(const TensorT<T>& a, int axis) {
  require_axis_nonempty(a, axis, "softmax");
  return exp(log_softmax(a, axis));
}

template <class T>
TensorT<T> logsumexp(const TensorT<T>& a, int axis, bool keepdims) {
  require_axis_nonempty(a, axis, "logsumexp");
  // m is a constant shift (not recorded): logsumexp(x) = m + log sum exp(x - m) for any m; the max avoids overflow.
  // Where the max is infinite the shift is 0 instead (as in PyTorch), so that a row holding +inf gives +inf and a
  // row of -inf gives -inf rather than NaN.
  TensorT<T> m;
  {
    NoGradGuard no_grad;
    m = max(a, axis, /*keepdims=*/true);
  }
  for (T *p = m.mutable_data(), *e = p + m.numel(); p != e; ++p)
    if (std::isinf(*p)) *p = 0;
  TensorT<T> r = add(log(sum(exp(sub(a, m)), axis, /*keepdims=*/true)), m);
  return keepdims ? r : squeeze(r, axis);
}

#define AD_INSTANTIATE(T)                                      \
  template TensorT<T> sum<T>(const TensorT<T>&);               \
  template TensorT<T> sum<T>(const TensorT<T>&, int, bool);    \
  template TensorT<T> mean<T>(const TensorT<T>&);              \
  template TensorT<T> mean<T>(const TensorT<T>&, int, bool);   \
  template TensorT<T> max<T>(const TensorT<T>&);               \
  template TensorT<T> max<T>(const TensorT<T>&, int, bool);    \
  template TensorT<T> min<T>(const TensorT<T>&);               \
  template TensorT<T> min<T>(const TensorT<T>&, int, bool);    \
  template TensorT<T> argmax<T>(const TensorT<T>&);            \
  template TensorT<T> argmax<T>(const TensorT<T>&, int, bool); \
  template TensorT<T> argmin<T>(const TensorT<T>&);            \
  template TensorT<T> argmin<T>(const TensorT<T>&, int, bool); \
  template TensorT<T> log_softmax<T>(const TensorT<T>&, int);  \
  template TensorT<T> softmax<T>(const TensorT<T>&, int);      \
  template TensorT<T> logsumexp<T>(const TensorT<T>&, int, bool);
AD_INSTANTIATE(float)
AD_INSTANTIATE(double)

}  // namespace ad

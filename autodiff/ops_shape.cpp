// Shape ops. reshape is a view (shared storage); permute, broadcast_to, narrow, index_select and concat copy.
// Their backward passes move gradients back to where the values came from (the adjoint of the copy).
#include <algorithm>
#include <cstring>

#include "autodiff/kernels.h"
#include "autodiff/node.h"
#include "autodiff/ops_adjoint.h"
#include "autodiff/tensor.h"

namespace ad {
namespace {

// Same elements, new shape: dL/dx_i = dL/dy_i (flat index).
template <class T>
class ReshapeNode final : public Node<T> {
 public:
  const char* name() const override { return "reshape"; }
  void backward() override {
    T* gx = this->gin(0);
    if (!gx) return;
    const T* g = this->gout();
    for (std::size_t i = 0; i < this->out->numel; ++i) gx[i] += g[i];
  }
  void backward_graph(const TensorT<T>& g, const bool* need, TensorT<T>* gin) override {
    if (need[0]) gin[0] = detail::reshaped(g, this->input(0)->shape);
  }
};

// y = x gathered with strides (permute, broadcast_to); backward scatters g back with the same strides.
template <class T>
class GatherNode final : public Node<T> {
 public:
  GatherNode(const char* name, kernels::Strides s) : name_(name), strides_(s) {}
  const char* name() const override { return name_; }
  void backward() override {
    T* gx = this->gin(0);
    if (gx) kernels::scatter_add(this->gout(), this->out->shape, gx, strides_);
  }
  void backward_graph(const TensorT<T>& g, const bool* need, TensorT<T>* gin) override {
    if (need[0]) gin[0] = detail::scatter_add(g, strides_, this->input(0)->shape, name_);
  }

 private:
  const char* name_;
  kernels::Strides strides_;
};

template <class T>
TensorT<T> gather_op(const TensorT<T>& a, const Shape& out_shape, const kernels::Strides& strides, const char* name) {
  TensorImpl<T>& x = a.impl();
  ImplRef<T> out = TensorImpl<T>::create(out_shape);
  kernels::gather(static_cast<const T*>(x.data), strides, out_shape, out->data);
  record<GatherNode<T>>(out.get(), name, {&x}, name, strides);
  return TensorT<T>(std::move(out));
}

// y_(o,k,i) = x_(o, idx_k, i): narrow (idx contiguous) and index_select. Backward: gx_(o, idx_k, i) += g_(o,k,i).
template <class T>
class IndexNode final : public Node<T> {
 public:
  IndexNode(const char* name, AxisSplit s, std::vector<std::size_t> idx) : name_(name), s_(s), idx_(std::move(idx)) {}
  const char* name() const override { return name_; }
  void backward() override {
    T* gx = this->gin(0);
    if (!gx) return;
    const T* g = this->gout();
    const std::size_t m = idx_.size();
    for (std::size_t o = 0; o < s_.outer; ++o)
      for (std::size_t k = 0; k < m; ++k) {
        T* dst = gx + (o * s_.n + idx_[k]) * s_.inner;
        const T* src = g + (o * m + k) * s_.inner;
        for (std::size_t i = 0; i < s_.inner; ++i) dst[i] += src[i];
      }
  }
  void backward_graph(const TensorT<T>& g, const bool* need, TensorT<T>* gin) override {
    if (need[0]) gin[0] = detail::reshaped(detail::index_add(g, s_, idx_), this->input(0)->shape);
  }

 private:
  const char* name_;
  AxisSplit s_;
  std::vector<std::size_t> idx_;
};

template <class T>
TensorT<T> index_op(const TensorT<T>& a, std::size_t ax, std::vector<std::size_t> idx, const char* name) {
  TensorImpl<T>& x = a.impl();
  const AxisSplit s = split_at(x.shape, ax);
  Shape os = x.shape;
  os[ax] = idx.size();
  ImplRef<T> out = TensorImpl<T>::create(os);
  const std::size_t m = idx.size();
  for (std::size_t o = 0; o < s.outer; ++o)
    for (std::size_t k = 0; k < m; ++k)
      std::memcpy(out->data + (o * m + k) * s.inner, x.data + (o * s.n + idx[k]) * s.inner, s.inner * sizeof(T));
  record<IndexNode<T>>(out.get(), name, {&x}, name, s, std::move(idx));
  return TensorT<T>(std::move(out));
}

// Concatenation of k parts along an axis; part p's gradient is its slice of g.
template <class T>
class ConcatNode final : public Node<T> {
 public:
  ConcatNode(std::size_t outer, std::size_t row) : outer_(outer), row_(row) {}
  const char* name() const override { return "concat"; }
  void backward() override {
    const T* g = this->gout();
    std::size_t off = 0;  // offset of part p within one output row
    for (std::size_t p = 0; p < this->num_inputs(); ++p) {
      const std::size_t w = this->input(p)->numel / (outer_ ? outer_ : 1);
      if (T* gx = this->gin(p))
        for (std::size_t o = 0; o < outer_; ++o)
          for (std::size_t i = 0; i < w; ++i) gx[o * w + i] += g[o * row_ + off + i];
      off += w;
    }
  }
  // Part p is columns off .. off + w of g seen as (outer, row).
  void backward_graph(const TensorT<T>& g, const bool* need, TensorT<T>* gin) override {
    const TensorT<T> rows = detail::reshaped(g, Shape{outer_, row_});
    std::size_t off = 0;
    for (std::size_t p = 0; p < this->num_inputs(); ++p) {
      const TensorImpl<T>& x = *this->input(p);
      const std::size_t w = x.numel / (outer_ ? outer_ : 1);
      if (need[p]) gin[p] = detail::reshaped(narrow(rows, 1, off, w), x.shape);
      off += w;
    }
  }

 private:
  std::size_t outer_, row_;
};

// The adjoint of a strided gather: y = 0, y[offset(i)] += x[i]. Backward: the gather with the same strides.
template <class T>
class ScatterNode final : public Node<T> {
 public:
  ScatterNode(const char* name, kernels::Strides s) : name_(name), strides_(s) {}
  const char* name() const override { return name_; }
  void backward() override {
    T* gx = this->gin(0);
    if (!gx) return;
    const std::size_t n = this->input(0)->numel;
    T* tmp = static_cast<T*>(pool_alloc(n * sizeof(T)));
    kernels::gather(static_cast<const T*>(this->gout()), strides_, this->input(0)->shape, tmp);
    for (std::size_t i = 0; i < n; ++i) gx[i] += tmp[i];
    pool_free(tmp, n * sizeof(T));
  }
  void backward_graph(const TensorT<T>& g, const bool* need, TensorT<T>* gin) override {
    if (need[0]) gin[0] = gather_op(g, this->input(0)->shape, strides_, name_);
  }

 private:
  const char* name_;
  kernels::Strides strides_;
};

// The adjoint of an indexed gather along the middle axis of (outer, n, inner): y = 0, y[o, idx_k, i] += x[o, k, i].
// Backward: the gather g[o, idx_k, i].
template <class T>
class IndexAddNode final : public Node<T> {
 public:
  IndexAddNode(AxisSplit s, std::vector<std::size_t> idx) : s_(s), idx_(std::move(idx)) {}
  const char* name() const override { return "index_add"; }
  void backward() override {
    T* gx = this->gin(0);
    if (!gx) return;
    const T* g = this->gout();
    const std::size_t m = idx_.size();
    for (std::size_t o = 0; o < s_.outer; ++o)
      for (std::size_t k = 0; k < m; ++k) {
        const T* src = g + (o * s_.n + idx_[k]) * s_.inner;
        T* dst = gx + (o * m + k) * s_.inner;
        for (std::size_t i = 0; i < s_.inner; ++i) dst[i] += src[i];
      }
  }
  void backward_graph(const TensorT<T>& g, const bool* need, TensorT<T>* gin) override {
    if (need[0])
      gin[0] = detail::reshaped(index_op(detail::reshaped(g, Shape{s_.outer, s_.n, s_.inner}), 1, idx_, "index_add"),
                                this->input(0)->shape);
  }

 private:
  AxisSplit s_;
  std::vector<std::size_t> idx_;
};

}  // namespace

namespace detail {

template <class T>
TensorT<T> scatter_add(const TensorT<T>& g, const kernels::Strides& strides, const Shape& shape, const char* name) {
  TensorImpl<T>& x = g.impl();
  ImplRef<T> out = TensorImpl<T>::create(shape);
  std::fill(out->data, out->data + out->numel, T(0));
  kernels::scatter_add(static_cast<const T*>(x.data), x.shape, out->data, strides);
  record<ScatterNode<T>>(out.get(), name, {&x}, name, strides);
  return TensorT<T>(std::move(out));
}

template <class T>
TensorT<T> index_add(const TensorT<T>& g, const AxisSplit& s, const std::vector<std::size_t>& idx) {
  TensorImpl<T>& x = g.impl();
  ImplRef<T> out = TensorImpl<T>::create(Shape{s.outer, s.n, s.inner});
  std::fill(out->data, out->data + out->numel, T(0));
  const std::size_t m = idx.size();
  for (std::size_t o = 0; o < s.outer; ++o)
    for (std::size_t k = 0; k < m; ++k) {
      T* dst = out->data + (o * s.n + idx[k]) * s.inner;
      const T* src = x.data + (o * m + k) * s.inner;
      for (std::size_t i = 0; i < s.inner; ++i) dst[i] += src[i];
    }
  record<IndexAddNode<T>>(out.get(), "index_add", {&x}, s, idx);
  return TensorT<T>(std::move(out));
}

template TensorT<float> scatter_add<float>(const TensorT<float>&, const kernels::Strides&, const Shape&, const char*);
template TensorT<double> scatter_add<double>(const TensorT<double>&, const kernels::Strides&, const Shape&,
                                             const char*);
template TensorT<float> index_add<float>(const TensorT<float>&, const AxisSplit&, const std::vector<std::size_t>&);
template TensorT<double> index_add<double>(const TensorT<double>&, const AxisSplit&, const std::vector<std::size_t>&);

}  // namespace detail

template <class T>
TensorT<T> sum_to(const TensorT<T>& a, const Shape& shape) {
  const Shape& s = a.shape();
  if (s == shape) return a;
  bool ok = shape.rank() <= s.rank();
  for (std::size_t i = 0; ok && i < shape.rank(); ++i) {
    const std::size_t big = s[i + s.rank() - shape.rank()];
    ok = shape[i] == big || shape[i] == 1;
  }
  if (!ok) throw ShapeError("sum_to: a tensor of shape " + s.str() + " cannot be summed to shape " + shape.str());
  return detail::scatter_add(a, broadcast_strides(shape, s), shape, "sum_to");
}

template <class T>
TensorT<T> reshape(const TensorT<T>& a, const Shape& shape) {
  TensorImpl<T>& x = a.impl();
  if (shape.numel() != x.numel)
    throw ShapeError("reshape: cannot reshape a tensor of shape " + x.shape.str() + " (" + std::to_string(x.numel) +
                     " elements) to shape " + shape.str() + " (" + std::to_string(shape.numel()) + " elements)");
  ImplRef<T> out = TensorImpl<T>::view_of(&x, shape);
  record<ReshapeNode<T>>(out.get(), "reshape", {&x});
  return TensorT<T>(std::move(out));
}

template <class T>
TensorT<T> flatten(const TensorT<T>& a, int start_axis, int end_axis) {
  const Shape& s = a.shape();
  if (s.rank() == 0) return reshape(a, Shape{1});
  const std::size_t b = normalize_axis(start_axis, s.rank(), "flatten");
  const std::size_t e = normalize_axis(end_axis, s.rank(), "flatten");
  if (b > e)
    throw IndexError("flatten: start axis " + std::to_string(start_axis) + " comes after end axis " +
                     std::to_string(end_axis));
  Shape r;
  for (std::size_t d = 0; d < b; ++d) r.push_back(s[d]);
  std::size_t m = 1;
  for (std::size_t d = b; d <= e; ++d) m *= s[d];
  r.push_back(m);
  for (std::size_t d = e + 1; d < s.rank(); ++d) r.push_back(s[d]);
  return reshape(a, r);
}

template <class T>
TensorT<T> squeeze(const TensorT<T>& a, int axis) {
  const Shape& s = a.shape();
  const std::size_t ax = normalize_axis(axis, s.rank(), "squeeze");
  if (s[ax] != 1)
    throw ShapeError("squeeze: axis " + std::to_string(axis) + " of shape " + s.str() + " has size " +
                     std::to_string(s[ax]) + ", not 1");
  Shape r;
  for (std::size_t d = 0; d < s.rank(); ++d)
    if (d != ax) r.push_back(s[d]);
  return reshape(a, r);
}

template <class T>
TensorT<T> unsqueeze(const TensorT<T>& a, int axis) {
  const Shape& s = a.shape();
  const std::size_t ax = normalize_axis(axis, s.rank() + 1, "unsqueeze");
  Shape r;
  for (std::size_t d = 0; d < ax; ++d) r.push_back(s[d]);
  r.push_back(1);
  for (std::size_t d = ax; d < s.rank(); ++d) r.push_back(s[d]);
  return reshape(a, r);
}

template <class T>
TensorT<T> permute(const TensorT<T>& a, const std::vector<std::size_t>& axes) {
  const Shape& s = a.shape();
  std::vector<bool> seen(s.rank(), false);
  bool ok = axes.size() == s.rank();
  for (std::size_t d : axes) {
    if (!ok || d >= s.rank() || seen[d]) {
      ok = false;
      break;
    }
    seen[d] = true;
  }
  if (!ok) {
    std::string list;
    for (std::size_t d : axes) list += (list.empty() ? "" : ", ") + std::to_string(d);
    throw IndexError("permute: [" + list + "] is not a permutation of the axes of a tensor of shape " + s.str());
  }
  const kernels::Strides in_st = kernels::contiguous_strides(s);
  kernels::Strides st{};
  Shape os;
  for (std::size_t d = 0; d < axes.size(); ++d) {
    os.push_back(s[axes[d]]);
    st[d] = in_st[axes[d]];
  }
  return gather_op(a, os, st, "permute");
}

template <class T>
TensorT<T> transpose(const TensorT<T>& a, int axis0, int axis1) {
  const std::size_t r = a.dim();
  const std::size_t i = normalize_axis(axis0, r, "transpose"), j = normalize_axis(axis1, r, "transpose");
  std::vector<std::size_t> axes(r);
  for (std::size_t d = 0; d < r; ++d) axes[d] = d;
  std::swap(axes[i], axes[j]);
  return permute(a, axes);
}

template <class T>
TensorT<T> transpose(const TensorT<T>& a) {
  if (a.dim() < 2) return a;
  return transpose(a, -2, -1);
}

template <class T>
TensorT<T> broadcast_to(const TensorT<T>& a, const Shape& shape) {
  const Shape& s = a.shape();
  bool ok = s.rank() <= shape.rank();
  for (std::size_t i = 0; ok && i < s.rank(); ++i) {
    const std::size_t target = shape[i + shape.rank() - s.rank()];
    ok = s[i] == target || s[i] == 1;
  }
  if (!ok)
    throw ShapeError("broadcast_to: a tensor of shape " + s.str() + " cannot be broadcast to shape " + shape.str());
  return gather_op(a, shape, broadcast_strides(s, shape), "broadcast_to");
}

template <class T>
TensorT<T> narrow(const TensorT<T>& a, int axis, std::size_t start, std::size_t length) {
  const Shape& s = a.shape();
  const std::size_t ax = normalize_axis(axis, s.rank(), "narrow");
  if (start > s[ax] || length > s[ax] - start)
    throw IndexError("narrow: range [" + std::to_string(start) + ", " + std::to_string(start + length) +
                     ") is out of bounds for axis " + std::to_string(axis) + " of size " + std::to_string(s[ax]) +
                     " (shape " + s.str() + ")");
  std::vector<std::size_t> idx(length);
  for (std::size_t k = 0; k < length; ++k) idx[k] = start + k;
  return index_op(a, ax, std::move(idx), "narrow");
}

template <class T>
TensorT<T> select(const TensorT<T>& a, int axis, std::size_t index) {
  const Shape& s = a.shape();
  const std::size_t ax = normalize_axis(axis, s.rank(), "select");
  if (index >= s[ax])
    throw IndexError("select: index " + std::to_string(index) + " is out of range for axis " + std::to_string(axis) +
                     " of size " + std::to_string(s[ax]) + " (shape " + s.str() + ")");
  return squeeze(narrow(a, axis, index, 1), static_cast<int>(ax));
}

template <class T>
TensorT<T> index_select(const TensorT<T>& a, int axis, const std::vector<std::size_t>& indices) {
  const Shape& s = a.shape();
  const std::size_t ax = normalize_axis(axis, s.rank(), "index_select");
  for (std::size_t i : indices)
    if (i >= s[ax])
      throw IndexError("index_select: index " + std::to_string(i) + " is out of range for axis " +
                       std::to_string(axis) + " of size " + std::to_string(s[ax]) + " (shape " + s.str() + ")");
  return index_op(a, ax, indices, "index_select");
}

template <class T>
TensorT<T> concat(const std::vector<TensorT<T>>& parts, int axis) {
  if (parts.empty()) throw ValueError("concat: no tensors given");
  const Shape& s0 = parts[0].shape();
  const std::size_t ax = normalize_axis(axis, s0.rank(), "concat");
  Shape os = s0;
  os[ax] = 0;
  std::vector<TensorImpl<T>*> inputs;
  inputs.reserve(parts.size());
  for (const auto& p : parts) {
    const Shape& s = p.shape();
    bool ok = s.rank() == s0.rank();
    for (std::size_t d = 0; ok && d < s.rank(); ++d) ok = d == ax || s[d] == s0[d];
    if (!ok)
      throw ShapeError("concat: shapes " + s0.str() + " and " + s.str() + " differ outside axis " +
                       std::to_string(axis));
    os[ax] += s[ax];
    inputs.push_back(&p.impl());
  }
  ImplRef<T> out = TensorImpl<T>::create(os);
  const AxisSplit so = split_at(os, ax);
  const std::size_t row = so.n * so.inner;  // elements per outer index in the output
  std::size_t off = 0;
  for (const auto& p : parts) {
    const std::size_t w = p.shape()[ax] * so.inner;
    for (std::size_t o = 0; o < so.outer; ++o) std::memcpy(out->data + o * row + off, p.data() + o * w, w * sizeof(T));
    off += w;
  }
  record<ConcatNode<T>>(out.get(), "concat", Inputs<T>(inputs), so.outer, row);
  return TensorT<T>(std::move(out));
}

template <class T>
TensorT<T> stack(const std::vector<TensorT<T>>& parts, int axis) {
  if (parts.empty()) throw ValueError("stack: no tensors given");
  const std::size_t ax = normalize_axis(axis, parts[0].dim() + 1, "stack");
  std::vector<TensorT<T>> u;
  u.reserve(parts.size());
  for (const auto& p : parts) {
    if (p.shape() != parts[0].shape())
      throw ShapeError("stack: shapes " + parts[0].shape().str() + " and " + p.shape().str() + " differ");
    u.push_back(unsqueeze(p, static_cast<int>(ax)));
  }
  return concat(u, static_cast<int>(ax));
}

#define AD_INSTANTIATE(T)                                                                       \
  template TensorT<T> reshape<T>(const TensorT<T>&, const Shape&);                              \
  template TensorT<T> flatten<T>(const TensorT<T>&, int, int);                                  \
  template TensorT<T> squeeze<T>(const TensorT<T>&, int);                                       \
  template TensorT<T> unsqueeze<T>(const TensorT<T>&, int);                                     \
  template TensorT<T> permute<T>(const TensorT<T>&, const std::vector<std::size_t>&);           \
  template TensorT<T> transpose<T>(const TensorT<T>&, int, int);                                \
  template TensorT<T> transpose<T>(const TensorT<T>&);                                          \
  template TensorT<T> broadcast_to<T>(const TensorT<T>&, const Shape&);                         \
  template TensorT<T> sum_to<T>(const TensorT<T>&, const Shape&);                               \
  template TensorT<T> narrow<T>(const TensorT<T>&, int, std::size_t, std::size_t);              \
  template TensorT<T> select<T>(const TensorT<T>&, int, std::size_t);                           \
  template TensorT<T> index_select<T>(const TensorT<T>&, int, const std::vector<std::size_t>&); \
  template TensorT<T> concat<T>(const std::vector<TensorT<T>>&, int);                           \
  template TensorT<T> stack<T>(const std::vector<TensorT<T>>&, int);
AD_INSTANTIATE(float)
AD_INSTANTIATE(double)

}  // namespace ad

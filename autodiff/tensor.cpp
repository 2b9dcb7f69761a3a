#include "autodiff/tensor.h"

#include <algorithm>
#include <cstring>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "autodiff/grad.h"
#include "autodiff/node.h"
#include "autodiff/random.h"

namespace ad {

std::mt19937_64& generator() {
  thread_local std::mt19937_64 gen(5489u);
  return gen;
}
void manual_seed(unsigned long long seed) { generator().seed(seed); }

template <class T>
void TensorT<T>::throw_undefined() {
  throw ValueError("operation on an undefined tensor (default-constructed or moved-from)");
}

// ---- Factories ----------------------------------------------------------------------------------------------------

template <class T>
TensorT<T> TensorT<T>::empty(const Shape& shape, bool requires_grad) {
  TensorT t(TensorImpl<T>::create(shape));
  t.impl_->requires_grad = requires_grad;
  return t;
}

template <class T>
TensorT<T> TensorT<T>::full(const Shape& shape, T value, bool requires_grad) {
  TensorT t = empty(shape, requires_grad);
  std::fill(t.impl_->data, t.impl_->data + t.impl_->numel, value);
  return t;
}

template <class T>
TensorT<T> TensorT<T>::zeros(const Shape& shape, bool requires_grad) {
  return full(shape, T(0), requires_grad);
}
template <class T>
TensorT<T> TensorT<T>::ones(const Shape& shape, bool requires_grad) {
  return full(shape, T(1), requires_grad);
}
template <class T>
TensorT<T> TensorT<T>::scalar(T value, bool requires_grad) {
  return full(Shape{}, value, requires_grad);
}

template <class T>
TensorT<T> TensorT<T>::from(const std::vector<T>& values, const Shape& shape, bool requires_grad) {
  if (values.size() != shape.numel())
    throw ShapeError("from: " + std::to_string(values.size()) + " values do not fill shape " + shape.str() + " (" +
                     std::to_string(shape.numel()) + " elements)");
  TensorT t = empty(shape, requires_grad);
  std::copy(values.begin(), values.end(), t.impl_->data);
  return t;
}

template <class T>
TensorT<T> TensorT<T>::from(std::initializer_list<T> values, bool requires_grad) {
  return from(std::vector<T>(values), Shape{values.size()}, requires_grad);
}

template <class T>
TensorT<T> TensorT<T>::arange(std::size_t n) {
  TensorT t = empty(Shape{n});
  for (std::size_t i = 0; i < n; ++i) t.impl_->data[i] = static_cast<T>(i);
  return t;
}

template <class T>
TensorT<T> TensorT<T>::eye(std::size_t n) {
  TensorT t = zeros(Shape{n, n});
  for (std::size_t i = 0; i < n; ++i) t.impl_->data[i * n + i] = T(1);
  return t;
}

template <class T>
TensorT<T> TensorT<T>::randn(const Shape& shape, bool requires_grad) {
  return normal(shape, T(0), T(1), requires_grad);
}
template <class T>
TensorT<T> TensorT<T>::rand(const Shape& shape, bool requires_grad) {
  return uniform(shape, T(0), T(1), requires_grad);
}

template <class T>
TensorT<T> TensorT<T>::uniform(const Shape& shape, T lo, T hi, bool requires_grad) {
  if (!(lo <= hi))
    throw ValueError("uniform: lower bound " + std::to_string(lo) + " exceeds upper bound " + std::to_string(hi));
  TensorT t = empty(shape, requires_grad);
  std::uniform_real_distribution<T> d(lo, hi);
  for (std::size_t i = 0; i < t.impl_->numel; ++i) t.impl_->data[i] = d(generator());
  return t;
}

template <class T>
TensorT<T> TensorT<T>::normal(const Shape& shape, T mean, T stddev, bool requires_grad) {
  if (!(stddev >= 0)) throw ValueError("normal: standard deviation must be >= 0, got " + std::to_string(stddev));
  TensorT t = empty(shape, requires_grad);
  std::normal_distribution<T> d(mean, stddev);
  for (std::size_t i = 0; i < t.impl_->numel; ++i) t.impl_->data[i] = d(generator());
  return t;
}

// ---- Inspection ---------------------------------------------------------------------------------------------------

template <class T>
std::size_t TensorT<T>::size(int axis) const {
  return shape()[normalize_axis(axis, dim(), "size")];
}

template <class T>
T* TensorT<T>::mutable_data() {
  ++impl().version();
  return impl_->data;
}

template <class T>
T TensorT<T>::item() const {
  if (numel() != 1)
    throw ValueError("item: the tensor has " + std::to_string(numel()) + " elements (shape " + shape().str() +
                     "), not 1");
  return impl_->data[0];
}

template <class T>
T TensorT<T>::at(std::initializer_list<std::size_t> index) const {
  const Shape& s = shape();
  if (index.size() != s.rank())
    throw IndexError("at: " + std::to_string(index.size()) + " indices given for a tensor of shape " + s.str());
  std::size_t off = 0, d = 0;
  for (std::size_t i : index) {
    if (i >= s[d])
      throw IndexError("at: index " + std::to_string(i) + " is out of range for axis " + std::to_string(d) +
                       " of size " + std::to_string(s[d]) + " (shape " + s.str() + ")");
    off = off * s[d] + i;
    ++d;
  }
  return impl_->data[off];
}

template <class T>
std::vector<T> TensorT<T>::to_vector() const {
  return std::vector<T>(data(), data() + numel());
}

template <class T>
std::string TensorT<T>::str() const {
  std::ostringstream os;
  os << *this;
  return os.str();
}

namespace {

// A value as operator<< shows it: up to 6 significant digits, "1.5", "2", "1e+06", "nan", "-inf".
template <class T>
std::string shown_value(T v) {
  std::ostringstream os;
  os << std::setprecision(6) << v;
  return os.str();
}

// The indices shown of an axis of n entries: all of them up to 6, else the first 3 and the last 3 (and "..." between,
// which the caller writes where the index jumps).
std::vector<std::size_t> shown_indices(std::size_t n) {
  std::vector<std::size_t> idx;
  constexpr std::size_t kEdge = 3;
  for (std::size_t i = 0; i < n; ++i)
    if (n <= 2 * kEdge || i < kEdge || i >= n - kEdge) idx.push_back(i);
  return idx;
}

// A matrix as PyTorch prints it: one row per line, aligned under the first, each value right-aligned to the widest
// shown value; at most 6 rows and 6 columns, "..." standing for the rest.
template <class T>
void print_matrix(std::ostream& os, const T* data, std::size_t rows, std::size_t cols) {
  const std::vector<std::size_t> ri = shown_indices(rows), ci = shown_indices(cols);
  std::size_t width = 0;
  for (std::size_t r : ri)
    for (std::size_t c : ci) width = std::max(width, shown_value(data[r * cols + c]).size());
  const char* indent = "        ";  // under the '[' after "tensor(["
  for (std::size_t k = 0; k < ri.size(); ++k) {
    if (k > 0) {
      os << ",\n" << indent;
      if (ri[k] != ri[k - 1] + 1) os << "...,\n" << indent;
    }
    os << '[';
    for (std::size_t j = 0; j < ci.size(); ++j) {
      if (j > 0) os << ", " << (ci[j] != ci[j - 1] + 1 ? "..., " : "");
      const std::string v = shown_value(data[ri[k] * cols + ci[j]]);
      os << std::string(width - v.size(), ' ') << v;
    }
    os << ']';
  }
}

}  // namespace

template <class T>
std::ostream& operator<<(std::ostream& os, const TensorT<T>& t) {
  if (!t.defined()) return os << "tensor(undefined)";
  os << "tensor([";
  const std::size_t n = t.numel();
  if (t.dim() == 2 && n > 0) {
    print_matrix(os, t.data(), t.shape()[0], t.shape()[1]);
  } else {
    const std::size_t shown = std::min<std::size_t>(n, 20);
    for (std::size_t i = 0; i < shown; ++i) os << (i ? ", " : "") << shown_value(t.data()[i]);
    if (shown < n) os << ", ...";
  }
  os << "], shape=" << t.shape().str();
  if (!t.grad_fn_name().empty())
    os << ", grad_fn=<" << t.grad_fn_name() << ">";
  else if (t.requires_grad())
    os << ", requires_grad=true";
  return os << ")";
}

// ---- Autograd -----------------------------------------------------------------------------------------------------

template <class T>
TensorT<T>& TensorT<T>::requires_grad_(bool on) {
  if (!impl().is_leaf())
    throw GraphError("requires_grad_: only leaf tensors can change requires_grad; this one was produced by '" +
                     grad_fn_name() + "' (use detach() to make a leaf)");
  impl_->requires_grad = on;
  return *this;
}

template <class T>
TensorT<T> TensorT<T>::grad() const {
  return TensorT(impl().grad);
}

template <class T>
void TensorT<T>::zero_grad(bool set_to_none) {
  TensorImpl<T>& x = impl();
  if (!x.grad) return;
  if (set_to_none)
    x.grad.reset();
  else
    std::memset(x.grad->data, 0, x.numel * sizeof(T));
}

template <class T>
void TensorT<T>::retain_grad() {
  if (!impl().requires_grad) throw GraphError("retain_grad: the tensor does not require grad");
  impl_->retains_grad = true;
}

template <class T>
std::string TensorT<T>::grad_fn_name() const {
  const TensorImpl<T>& x = impl();
  return x.grad_fn ? x.grad_fn->name() : "";
}

template <class T>
void TensorT<T>::backward(bool retain_graph, bool create_graph) const {
  const TensorImpl<T>& x = impl();
  if (x.numel != 1)
    throw GraphError("backward: grad can be implicitly created only for one-element outputs; this tensor has shape " +
                     x.shape.str() + ", pass a seed gradient of that shape");
  backward(TensorT::ones(x.shape), retain_graph, create_graph);
}

template <class T>
void TensorT<T>::backward(const TensorT& seed, bool retain_graph, bool create_graph) const {
  TensorImpl<T>& x = impl();
  if (!x.requires_grad)
    throw GraphError("backward: the tensor (shape " + x.shape.str() +
                     ") does not require grad and has no grad_fn: no input of its computation requires grad, or "
                     "it was computed while a NoGradGuard was active");
  if (seed.shape() != x.shape)
    throw ShapeError("backward: seed gradient of shape " + seed.shape().str() + " does not match the tensor's shape " +
                     x.shape.str());
  if (create_graph) return detail::backward_create_graph(*this, seed, true);
  detail::begin_backward();
  T* g = grad_buffer(&x);
  const T* s = seed.data();
  for (std::size_t i = 0; i < x.numel; ++i) g[i] += s[i];
  if (!x.grad_fn) {  // the root is a leaf: its gradient is final at once
    if (x.hooks && x.hooks->counted_leaf) detail::finish_leaf_grad(&x);
    return;
  }
  try {
    detail::run_backward(x.grad_fn, retain_graph);
  } catch (...) {
    // Pass numbers are per thread: the seed of a failed pass (e.g. refused because the graph was recorded on another
    // thread) must not be taken for the seed of a later pass on another thread that has the same number, and be
    // added to. Pass numbers start at 1.
    x.grad_epoch = 0;
    throw;
  }
}

template <class T>
TensorT<T> TensorT<T>::detach() const {
  const TensorImpl<T>& x = impl();
  return TensorT(TensorImpl<T>::view_of(const_cast<TensorImpl<T>*>(&x), x.shape));
}

namespace {
template <class T>
TensorHooks<T>& hooks_of(TensorImpl<T>& x, const char* what) {
  if (!x.requires_grad)
    throw GraphError(std::string(what) + ": cannot register a hook on a tensor (shape " + x.shape.str() +
                     ") that does not require grad");
  if (!x.hooks) x.hooks = std::make_shared<TensorHooks<T>>();
  return *x.hooks;
}
// A leaf with hooks collects each pass's gradient apart from .grad, and backward counts its contributions.
template <class T>
void count_leaf(TensorImpl<T>& x) {
  if (x.is_leaf() && !x.hooks->counted_leaf) {
    x.hooks->counted_leaf = true;
    detail::add_hooked_leaves(1);
  }
}
}  // namespace

template <class T>
RemovableHandle TensorT<T>::register_hook(std::function<TensorT(const TensorT&)> fn) {
  TensorHooks<T>& h = hooks_of(impl(), "register_hook");
  const std::uint64_t id = h.grad.add(std::move(fn));
  count_leaf(*impl_);
  return RemovableHandle([weak = std::weak_ptr<TensorHooks<T>>(impl_->hooks), id] {
    if (auto h = weak.lock()) h->grad.remove(id);
  });
}

template <class T>
RemovableHandle TensorT<T>::register_post_accumulate_grad_hook(std::function<void(const TensorT&)> fn) {
  if (!impl().is_leaf())
    throw GraphError("register_post_accumulate_grad_hook: only leaf tensors have one; this tensor was produced by '" +
                     grad_fn_name() + "'");
  TensorHooks<T>& h = hooks_of(*impl_, "register_post_accumulate_grad_hook");
  const std::uint64_t id = h.post_accumulate.add(std::move(fn));
  count_leaf(*impl_);
  return RemovableHandle([weak = std::weak_ptr<TensorHooks<T>>(impl_->hooks), id] {
    if (auto h = weak.lock()) h->post_accumulate.remove(id);
  });
}

template <class T>
TensorT<T> TensorT<T>::clone() const {
  // Composed: y = x + 0 copies the values and routes the gradient back to x unchanged.
  return add_scalar(*this, T(0));
}

template <class T>
TensorT<T>& TensorT<T>::fill_(T value) {
  T* p = mutable_data();
  std::fill(p, p + numel(), value);
  return *this;
}

template <class T>
TensorT<T>& TensorT<T>::copy_(const TensorT& src) {
  if (src.shape() != shape())
    throw ShapeError("copy_: source shape " + src.shape().str() + " differs from destination shape " + shape().str());
  std::memmove(mutable_data(), src.data(), numel() * sizeof(T));
  return *this;
}

template <class T>
TensorT<T> TensorT<T>::reshape(std::initializer_list<long> dims) const {
  Shape s;
  std::size_t known = 1;
  int infer = -1, i = 0;
  for (long d : dims) {
    if (d == -1) {
      if (infer >= 0) throw ShapeError("reshape: only one dimension can be -1");
      infer = i;
      s.push_back(1);
    } else if (d < 0) {
      throw ShapeError("reshape: invalid dimension " + std::to_string(d));
    } else {
      s.push_back(static_cast<std::size_t>(d));
      known *= static_cast<std::size_t>(d);
    }
    ++i;
  }
  if (infer >= 0) {
    if (known == 0 || numel() % known != 0)
      throw ShapeError("reshape: cannot infer the -1 dimension: " + std::to_string(numel()) + " elements (shape " +
                       shape().str() + ") are not a multiple of " + std::to_string(known));
    s[static_cast<std::size_t>(infer)] = numel() / known;
  }
  return ad::reshape(*this, s);
}

template <class T>
TensorT<T> TensorT<T>::rows(std::size_t begin, std::size_t end) const {
  if (dim() == 0) throw IndexError("rows: a rank-0 tensor has no rows");
  if (begin > end || end > shape()[0])
    throw IndexError("rows: range [" + std::to_string(begin) + ", " + std::to_string(end) + ") is out of bounds for " +
                     std::to_string(shape()[0]) + " rows (shape " + shape().str() + ")");
  return ad::narrow(*this, 0, begin, end - begin);
}

template class TensorT<float>;
template class TensorT<double>;
template std::ostream& operator<<(std::ostream&, const TensorT<float>&);
template std::ostream& operator<<(std::ostream&, const TensorT<double>&);

}  // namespace ad

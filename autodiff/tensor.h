// TensorT<T>: an n-dimensional array that records the operations applied to it, so that backward() can compute
// gradients by reverse-mode automatic differentiation. `Tensor` (float) is for training, `TensorD` (double) for
// gradient checks. Handles are cheap to copy and share their storage, like torch::Tensor.
//
//   auto x = Tensor::randn({3, 4}, /*requires_grad=*/true);
//   auto w = Tensor::randn({4, 2}, true);
//   auto y = (relu(matmul(x, w) + 1.0f) * x.sum()).pow(2).mean();
//   y.backward();
//   x.grad(); w.grad();   // d y / d x, d y / d w, same shapes as x and w
#pragma once
#include <cstddef>
#include <initializer_list>
#include <iosfwd>
#include <string>
#include <type_traits>
#include <vector>

#include "autodiff/hooks.h"
#include "autodiff/random.h"  // manual_seed, declared once there
#include "autodiff/tensor_impl.h"

namespace ad {

template <class T>
class TensorT;

// ---- Operations (free functions; each records a node when an input requires grad) ----------------------------
// Binary elementwise ops broadcast their operands like NumPy; the backward pass sums over broadcast axes.
// clang-format off
template <class T> TensorT<T> add(const TensorT<T>& a, const TensorT<T>& b);
template <class T> TensorT<T> sub(const TensorT<T>& a, const TensorT<T>& b);
template <class T> TensorT<T> mul(const TensorT<T>& a, const TensorT<T>& b);
template <class T> TensorT<T> div(const TensorT<T>& a, const TensorT<T>& b);
template <class T> TensorT<T> pow(const TensorT<T>& a, const TensorT<T>& b);  // a^b, needs a > 0 where b varies
template <class T> TensorT<T> maximum(const TensorT<T>& a, const TensorT<T>& b);
template <class T> TensorT<T> minimum(const TensorT<T>& a, const TensorT<T>& b);
// Comparisons give 0/1 masks that carry no gradient (IEEE: every comparison with NaN is 0, except ne).
template <class T> TensorT<T> gt(const TensorT<T>& a, const TensorT<T>& b);
template <class T> TensorT<T> lt(const TensorT<T>& a, const TensorT<T>& b);
template <class T> TensorT<T> ge(const TensorT<T>& a, const TensorT<T>& b);
template <class T> TensorT<T> le(const TensorT<T>& a, const TensorT<T>& b);
template <class T> TensorT<T> eq(const TensorT<T>& a, const TensorT<T>& b);
template <class T> TensorT<T> ne(const TensorT<T>& a, const TensorT<T>& b);
// where(cond, a, b) = cond != 0 ? a : b, elementwise with broadcasting of all three; no gradient flows to cond.
template <class T> TensorT<T> where(const TensorT<T>& cond, const TensorT<T>& a, const TensorT<T>& b);

// Ops with a scalar operand. Every function of this header that takes a scalar parameter of type T also accepts any
// other arithmetic type (int, double for a float tensor, ...), converted to T: see "Scalars of any arithmetic type"
// below the class, so leaky_relu(x, 0.01) and pow(x, 2) compile for Tensor and TensorD alike.
template <class T> TensorT<T> add_scalar(const TensorT<T>& a, T s);   // a + s
template <class T> TensorT<T> mul_scalar(const TensorT<T>& a, T s);   // a * s
template <class T> TensorT<T> rsub_scalar(T s, const TensorT<T>& a);  // s - a
template <class T> TensorT<T> rdiv_scalar(T s, const TensorT<T>& a);  // s / a
template <class T> TensorT<T> pow(const TensorT<T>& a, T p);          // a^p
template <class T> TensorT<T> pow(T s, const TensorT<T>& b);          // s^b

// Unary elementwise ops.
template <class T> TensorT<T> neg(const TensorT<T>& a);
template <class T> TensorT<T> exp(const TensorT<T>& a);
template <class T> TensorT<T> log(const TensorT<T>& a);
template <class T> TensorT<T> sqrt(const TensorT<T>& a);
template <class T> TensorT<T> abs(const TensorT<T>& a);
template <class T> TensorT<T> sin(const TensorT<T>& a);
template <class T> TensorT<T> cos(const TensorT<T>& a);
template <class T> TensorT<T> tanh(const TensorT<T>& a);
// The error function erf(x) = 2/sqrt(pi) int_0^x e^(-t^2) dt.
template <class T> TensorT<T> erf(const TensorT<T>& a);
template <class T> TensorT<T> sigmoid(const TensorT<T>& a);
template <class T> TensorT<T> relu(const TensorT<T>& a);
template <class T> TensorT<T> leaky_relu(const TensorT<T>& a, T negative_slope = T(0.01));
template <class T> TensorT<T> elu(const TensorT<T>& a, T alpha = T(1));
// silu(x) = x sigmoid(x) (also called swish).
template <class T> TensorT<T> silu(const TensorT<T>& a);
// gelu(x) = x Phi(x), Phi the standard normal CDF; gelu_tanh is the tanh approximation 0.5 x (1 + tanh(sqrt(2/pi)
// (x + 0.044715 x^3))). gelu(x, "tanh") and gelu(x, "none") choose as PyTorch's approximate= does.
template <class T> TensorT<T> gelu(const TensorT<T>& a);
template <class T> TensorT<T> gelu_tanh(const TensorT<T>& a);
template <class T> TensorT<T> gelu(const TensorT<T>& a, const std::string& approximate);
// softplus(x) = log(1 + exp(beta x)) / beta, computed as x where beta x > threshold (as in PyTorch).
template <class T> TensorT<T> softplus(const TensorT<T>& a, T beta = T(1), T threshold = T(20));
// clamp(x, lo, hi) = min(max(x, lo), hi); the gradient is 1 where lo <= x <= hi, else 0.
template <class T> TensorT<T> clamp(const TensorT<T>& a, T lo, T hi);
template <class T> TensorT<T> clip(const TensorT<T>& a, T lo, T hi) { return clamp(a, lo, hi); }
// Heaviside step H(x) = x > 0 ? 1 : 0. Forward-only: its derivative is taken as 0 everywhere (perceptrons).
template <class T> TensorT<T> heaviside(const TensorT<T>& a);

// Matrix product. 2-D x 2-D, 1-D x 2-D (vector-matrix), 2-D x 1-D, 1-D x 1-D (dot), and batched 3-D x 3-D,
// 3-D x 2-D, 2-D x 3-D (the matrix is shared across the batch).
template <class T> TensorT<T> matmul(const TensorT<T>& a, const TensorT<T>& b);

// Fused affine map y = x W + b (a dense layer): x (..., in), W (in, out), b (out) or undefined (no bias).
// One GEMM with the bias pre-filled (beta = 1); backward: dx = G W^T, dW = x^T G, db = column sums of G.
template <class T> TensorT<T> linear(const TensorT<T>& x, const TensorT<T>& w, const TensorT<T>& b);

// Fused softmax cross-entropy of logits (n, c) with integer labels: scale * sum_i (logsumexp(x_i) - x_i,label_i),
// scale = 1/n (mean, the default) or 1 (sum). Backward: dL/dx_ij = scale * (softmax_ij - [j = label_i]).
// With no rows the sum is 0 and the mean is a ValueError (0/0, which PyTorch returns as NaN).
template <class T>
TensorT<T> softmax_cross_entropy(const TensorT<T>& logits, const std::vector<std::size_t>& labels, bool mean = true);
// Fused sigmoid + binary cross-entropy of logits x and targets y in [0, 1] (else ValueError) of the same shape:
// scale * sum_i (max(x_i, 0) - x_i y_i + log(1 + e^-|x_i|)), scale = 1/numel (mean) or 1 (sum).
// Backward: dL/dx_i = scale * (sigmoid(x_i) - y_i), dL/dy_i = -scale * x_i. Empty inputs: as softmax_cross_entropy.
template <class T>
TensorT<T> binary_cross_entropy_with_logits(const TensorT<T>& logits, const TensorT<T>& target, bool mean = true);

// Shape ops. reshape/flatten/squeeze/unsqueeze share storage with their input (views); the others copy.
template <class T> TensorT<T> reshape(const TensorT<T>& a, const Shape& shape);
template <class T> TensorT<T> flatten(const TensorT<T>& a, int start_axis = 0, int end_axis = -1);
template <class T> TensorT<T> squeeze(const TensorT<T>& a, int axis);
template <class T> TensorT<T> unsqueeze(const TensorT<T>& a, int axis);
template <class T> TensorT<T> permute(const TensorT<T>& a, const std::vector<std::size_t>& axes);
template <class T> TensorT<T> transpose(const TensorT<T>& a, int axis0, int axis1);
template <class T> TensorT<T> transpose(const TensorT<T>& a);  // swaps the last two axes (a 1-D tensor is kept)
template <class T> TensorT<T> broadcast_to(const TensorT<T>& a, const Shape& shape);
// The adjoint of broadcast_to (torch.Tensor.sum_to_size): sums over the axes along which `shape` broadcasts to the
// tensor's shape, giving a tensor of `shape`. ShapeError if `shape` does not broadcast to it.
template <class T> TensorT<T> sum_to(const TensorT<T>& a, const Shape& shape);
// Elements start .. start+length-1 along `axis`.
template <class T> TensorT<T> narrow(const TensorT<T>& a, int axis, std::size_t start, std::size_t length);
// Entry `index` along `axis`, which is removed from the shape.
template <class T> TensorT<T> select(const TensorT<T>& a, int axis, std::size_t index);
// Gathers the given entries along `axis` (e.g. the rows of a mini-batch); indices may repeat.
template <class T> TensorT<T> index_select(const TensorT<T>& a, int axis, const std::vector<std::size_t>& indices);
template <class T> TensorT<T> concat(const std::vector<TensorT<T>>& parts, int axis = 0);
template <class T> TensorT<T> stack(const std::vector<TensorT<T>>& parts, int axis = 0);

// Reductions over all elements (rank-0 result) or along one axis (keepdims keeps it with size 1).
template <class T> TensorT<T> sum(const TensorT<T>& a);
template <class T> TensorT<T> sum(const TensorT<T>& a, int axis, bool keepdims = false);
template <class T> TensorT<T> mean(const TensorT<T>& a);
template <class T> TensorT<T> mean(const TensorT<T>& a, int axis, bool keepdims = false);
// max: the gradient flows to the first maximal element.
template <class T> TensorT<T> max(const TensorT<T>& a);
template <class T> TensorT<T> max(const TensorT<T>& a, int axis, bool keepdims = false);
template <class T> TensorT<T> min(const TensorT<T>& a);
template <class T> TensorT<T> min(const TensorT<T>& a, int axis, bool keepdims = false);
// Indices of the maximum (argmax) and of the minimum (argmin), as torch.argmax / torch.argmin: over all elements
// (a rank-0 result holding the flat row-major index) or along one axis (keepdims keeps it with size 1). Ties give the
// first index; NaN counts as both the maximum and the minimum (the first NaN wins, as NaN propagates in max and min).
// The indices are stored as T (exact up to 2^24 in float) and carry no gradient. ValueError for an empty input or
// axis, IndexError for an axis out of range.
template <class T> TensorT<T> argmax(const TensorT<T>& a);
template <class T> TensorT<T> argmax(const TensorT<T>& a, int axis, bool keepdims = false);
template <class T> TensorT<T> argmin(const TensorT<T>& a);
template <class T> TensorT<T> argmin(const TensorT<T>& a, int axis, bool keepdims = false);
// log(sum(exp(a))) along axis, computed stably as m + log(sum(exp(a - m))) with m the (constant) max.
template <class T> TensorT<T> logsumexp(const TensorT<T>& a, int axis, bool keepdims = false);
// log_softmax(a)_i = a_i - logsumexp(a); fused, stable. softmax = exp(log_softmax).
template <class T> TensorT<T> log_softmax(const TensorT<T>& a, int axis = -1);
template <class T> TensorT<T> softmax(const TensorT<T>& a, int axis = -1);
// clang-format on

// ---- The tensor handle -------------------------------------------------------------------------------------------
template <class T>
class TensorT {
 public:
  using value_type = T;

  // An undefined tensor (defined() is false), like a default torch::Tensor.
  TensorT() = default;
  explicit TensorT(ImplRef<T> impl) : impl_(std::move(impl)) {}

  // Factories. requires_grad makes the result a leaf whose gradient backward() accumulates.
  static TensorT empty(const Shape& shape, bool requires_grad = false);  // uninitialised values
  static TensorT zeros(const Shape& shape, bool requires_grad = false);
  static TensorT ones(const Shape& shape, bool requires_grad = false);
  static TensorT full(const Shape& shape, T value, bool requires_grad = false);
  static TensorT scalar(T value, bool requires_grad = false);  // rank 0
  static TensorT from(const std::vector<T>& values, const Shape& shape, bool requires_grad = false);
  static TensorT from(std::initializer_list<T> values, bool requires_grad = false);  // rank 1
  static TensorT arange(std::size_t n);                                              // 0, 1, ..., n-1
  static TensorT eye(std::size_t n);
  // Random values from this thread's generator (seed it with manual_seed for reproducible runs).
  static TensorT randn(const Shape& shape, bool requires_grad = false);  // N(0, 1)
  static TensorT rand(const Shape& shape, bool requires_grad = false);   // U[0, 1)
  static TensorT uniform(const Shape& shape, T lo, T hi, bool requires_grad = false);
  static TensorT normal(const Shape& shape, T mean, T stddev, bool requires_grad = false);

  // ---- Inspection
  bool defined() const { return static_cast<bool>(impl_); }
  const Shape& shape() const { return impl().shape; }
  std::size_t dim() const { return impl().shape.rank(); }
  std::size_t size(int axis) const;
  std::size_t numel() const { return impl().numel; }
  const T* data() const { return impl().data; }
  // Pointer for writing values in place (optimizers, data loading). Bumps the version counter, so a graph that
  // saved this tensor refuses to backpropagate through stale values.
  T* mutable_data();
  T item() const;                                        // the value of a one-element tensor
  T at(std::initializer_list<std::size_t> index) const;  // bounds-checked element access
  std::vector<T> to_vector() const;
  // "tensor([1, 2, 3], shape=[3], grad_fn=<mul>)". A matrix prints one row per line, as PyTorch does:
  //   tensor([[1, 2],
  //           [3, 4]], shape=[2, 2])
  // with the values of a column right-aligned, and at most 6 rows and 6 columns (the first and last 3, with "..."
  // between). Other ranks print their values flat, at most the first 20.
  std::string str() const;

  // ---- Autograd
  bool requires_grad() const { return impl().requires_grad; }
  // Makes a leaf tensor require (or stop requiring) a gradient. Throws GraphError on a non-leaf.
  TensorT& requires_grad_(bool on = true);
  bool is_leaf() const { return impl().is_leaf(); }
  // The accumulated gradient (undefined until backward reaches this tensor; for a non-leaf only if
  // retain_grad() was called before backward).
  TensorT grad() const;
  // Sets the gradient to zero (keeps the buffer), or drops it when set_to_none.
  void zero_grad(bool set_to_none = false);
  void retain_grad();
  // Name of the op that produced this tensor, "" for leaves and constants.
  std::string grad_fn_name() const;
  // Reverse pass from this one-element tensor (seed 1). Throws GraphError if the tensor has more than one
  // element (pass a seed of its shape), does not require grad, or its graph was already released.
  // With create_graph, the gradients are recorded tensors (grad.h), differentiable again: .grad becomes grad + g,
  // with a graph back to the inputs. create_graph also retains the graph (PyTorch's default for retain_graph). As in
  // PyTorch, a recorded .grad and its leaf refer to each other (a reference cycle): reset the gradients
  // (zero_grad(true)) when done, or use ad::grad, which leaves .grad alone.
  void backward(bool retain_graph = false, bool create_graph = false) const;
  void backward(const TensorT& seed, bool retain_graph = false, bool create_graph = false) const;
  // A tensor sharing this one's values but cut from the graph (requires_grad false).
  TensorT detach() const;
  // Gradient hooks (hooks.h): fn(grad) is called with this tensor's gradient whenever backward computes one and may
  // return a replacement of the same shape (or an undefined tensor to keep it). GraphError unless the tensor
  // requires grad. The handle's remove() unregisters it.
  RemovableHandle register_hook(std::function<TensorT(const TensorT&)> fn);
  // Leaves only: fn(tensor) runs once this leaf's gradient for the pass is final and accumulated into grad().
  RemovableHandle register_post_accumulate_grad_hook(std::function<void(const TensorT&)> fn);
  // A copy of the values that stays in the graph (gradient flows back to this tensor).
  TensorT clone() const;

  // ---- In-place (no gradient recorded; used by optimizers and initialisers)
  TensorT& fill_(T value);
  TensorT& copy_(const TensorT& src);  // same shape required

  // ---- Method forms of the free functions: x.f(args) is f(x, args) for every op above that takes one tensor first
  // (torch.Tensor's methods). Not methods, as in PyTorch: concat and stack (lists of tensors), linear and the fused
  // losses (functional forms only), and the scalar-first pow(s, x) (write it as a free function).
  // Elementwise.
  TensorT neg() const { return ad::neg(*this); }
  TensorT exp() const { return ad::exp(*this); }
  TensorT log() const { return ad::log(*this); }
  TensorT sqrt() const { return ad::sqrt(*this); }
  TensorT abs() const { return ad::abs(*this); }
  TensorT sin() const { return ad::sin(*this); }
  TensorT cos() const { return ad::cos(*this); }
  TensorT tanh() const { return ad::tanh(*this); }
  TensorT erf() const { return ad::erf(*this); }
  TensorT sigmoid() const { return ad::sigmoid(*this); }
  TensorT relu() const { return ad::relu(*this); }
  TensorT leaky_relu(T negative_slope = T(0.01)) const { return ad::leaky_relu(*this, negative_slope); }
  TensorT elu(T alpha = T(1)) const { return ad::elu(*this, alpha); }
  TensorT softplus(T beta = T(1), T threshold = T(20)) const { return ad::softplus(*this, beta, threshold); }
  TensorT silu() const { return ad::silu(*this); }
  TensorT gelu() const { return ad::gelu(*this); }
  TensorT gelu(const std::string& approximate) const { return ad::gelu(*this, approximate); }
  TensorT gelu_tanh() const { return ad::gelu_tanh(*this); }
  TensorT clamp(T lo, T hi) const { return ad::clamp(*this, lo, hi); }
  TensorT clip(T lo, T hi) const { return ad::clamp(*this, lo, hi); }
  TensorT heaviside() const { return ad::heaviside(*this); }
  TensorT pow(T p) const { return ad::pow(*this, p); }
  TensorT pow(const TensorT& p) const { return ad::pow(*this, p); }
  // Binary, with a tensor (broadcast) or a scalar operand.
  TensorT add(const TensorT& b) const { return ad::add(*this, b); }
  TensorT add(T s) const { return ad::add_scalar(*this, s); }
  TensorT sub(const TensorT& b) const { return ad::sub(*this, b); }
  TensorT sub(T s) const { return ad::add_scalar(*this, T(-s)); }
  TensorT mul(const TensorT& b) const { return ad::mul(*this, b); }
  TensorT mul(T s) const { return ad::mul_scalar(*this, s); }
  TensorT div(const TensorT& b) const { return ad::div(*this, b); }
  TensorT div(T s) const { return ad::mul_scalar(*this, T(1) / s); }
  TensorT maximum(const TensorT& b) const { return ad::maximum(*this, b); }
  TensorT minimum(const TensorT& b) const { return ad::minimum(*this, b); }
  // Comparisons (0/1 masks, no gradient) with a tensor or a scalar.
  TensorT gt(const TensorT& b) const { return ad::gt(*this, b); }
  TensorT gt(T s) const { return ad::gt(*this, scalar(s)); }
  TensorT lt(const TensorT& b) const { return ad::lt(*this, b); }
  TensorT lt(T s) const { return ad::lt(*this, scalar(s)); }
  TensorT ge(const TensorT& b) const { return ad::ge(*this, b); }
  TensorT ge(T s) const { return ad::ge(*this, scalar(s)); }
  TensorT le(const TensorT& b) const { return ad::le(*this, b); }
  TensorT le(T s) const { return ad::le(*this, scalar(s)); }
  TensorT eq(const TensorT& b) const { return ad::eq(*this, b); }
  TensorT eq(T s) const { return ad::eq(*this, scalar(s)); }
  TensorT ne(const TensorT& b) const { return ad::ne(*this, b); }
  TensorT ne(T s) const { return ad::ne(*this, scalar(s)); }
  // x.where(cond, other) = where(cond, x, other), as torch.Tensor.where.
  TensorT where(const TensorT& cond, const TensorT& other) const { return ad::where(cond, *this, other); }
  TensorT where(const TensorT& cond, T other) const { return ad::where(cond, *this, scalar(other)); }
  TensorT matmul(const TensorT& b) const { return ad::matmul(*this, b); }
  // Reductions.
  TensorT sum() const { return ad::sum(*this); }
  TensorT sum(int axis, bool keepdims = false) const { return ad::sum(*this, axis, keepdims); }
  TensorT mean() const { return ad::mean(*this); }
  TensorT mean(int axis, bool keepdims = false) const { return ad::mean(*this, axis, keepdims); }
  TensorT max() const { return ad::max(*this); }
  TensorT max(int axis, bool keepdims = false) const { return ad::max(*this, axis, keepdims); }
  TensorT min() const { return ad::min(*this); }
  TensorT min(int axis, bool keepdims = false) const { return ad::min(*this, axis, keepdims); }
  TensorT argmax() const { return ad::argmax(*this); }
  TensorT argmax(int axis, bool keepdims = false) const { return ad::argmax(*this, axis, keepdims); }
  TensorT argmin() const { return ad::argmin(*this); }
  TensorT argmin(int axis, bool keepdims = false) const { return ad::argmin(*this, axis, keepdims); }
  TensorT softmax(int axis = -1) const { return ad::softmax(*this, axis); }
  TensorT log_softmax(int axis = -1) const { return ad::log_softmax(*this, axis); }
  TensorT logsumexp(int axis, bool keepdims = false) const { return ad::logsumexp(*this, axis, keepdims); }
  // Shape.
  TensorT reshape(const Shape& s) const { return ad::reshape(*this, s); }
  // Reshape with one dimension given as -1 (inferred from the number of elements).
  TensorT reshape(std::initializer_list<long> dims) const;
  TensorT view(std::initializer_list<long> dims) const { return reshape(dims); }
  TensorT flatten(int start_axis = 0, int end_axis = -1) const { return ad::flatten(*this, start_axis, end_axis); }
  TensorT squeeze(int axis) const { return ad::squeeze(*this, axis); }
  TensorT unsqueeze(int axis) const { return ad::unsqueeze(*this, axis); }
  TensorT permute(const std::vector<std::size_t>& axes) const { return ad::permute(*this, axes); }
  TensorT t() const { return ad::transpose(*this); }
  TensorT transpose() const { return ad::transpose(*this); }
  TensorT transpose(int a0, int a1) const { return ad::transpose(*this, a0, a1); }
  TensorT broadcast_to(const Shape& shape) const { return ad::broadcast_to(*this, shape); }
  TensorT sum_to(const Shape& shape) const { return ad::sum_to(*this, shape); }
  TensorT narrow(int axis, std::size_t start, std::size_t length) const {
    return ad::narrow(*this, axis, start, length);
  }
  TensorT select(int axis, std::size_t index) const { return ad::select(*this, axis, index); }
  TensorT index_select(int axis, const std::vector<std::size_t>& indices) const {
    return ad::index_select(*this, axis, indices);
  }
  // Rows begin .. end-1 along axis 0 (a mini-batch slice).
  TensorT rows(std::size_t begin, std::size_t end) const;
  TensorT index(const std::vector<std::size_t>& rows) const { return ad::index_select(*this, 0, rows); }
  TensorT operator[](std::size_t i) const { return ad::select(*this, 0, i); }

  // ---- Operators (a scalar of any arithmetic type on either side converts to T: x * 2.0, 2 * x, x > 0.5)
  friend TensorT operator+(const TensorT& a, const TensorT& b) { return ad::add(a, b); }
  friend TensorT operator-(const TensorT& a, const TensorT& b) { return ad::sub(a, b); }
  friend TensorT operator*(const TensorT& a, const TensorT& b) { return ad::mul(a, b); }
  friend TensorT operator/(const TensorT& a, const TensorT& b) { return ad::div(a, b); }
  friend TensorT operator-(const TensorT& a) { return ad::neg(a); }
  friend TensorT operator+(const TensorT& a, T s) { return ad::add_scalar(a, s); }
  friend TensorT operator+(T s, const TensorT& a) { return ad::add_scalar(a, s); }
  friend TensorT operator-(const TensorT& a, T s) { return ad::add_scalar(a, T(-s)); }
  friend TensorT operator-(T s, const TensorT& a) { return ad::rsub_scalar(s, a); }
  friend TensorT operator*(const TensorT& a, T s) { return ad::mul_scalar(a, s); }
  friend TensorT operator*(T s, const TensorT& a) { return ad::mul_scalar(a, s); }
  friend TensorT operator/(const TensorT& a, T s) { return ad::mul_scalar(a, T(1) / s); }
  friend TensorT operator/(T s, const TensorT& a) { return ad::rdiv_scalar(s, a); }
  friend TensorT operator>(const TensorT& a, const TensorT& b) { return ad::gt(a, b); }
  friend TensorT operator<(const TensorT& a, const TensorT& b) { return ad::lt(a, b); }
  friend TensorT operator>=(const TensorT& a, const TensorT& b) { return ad::ge(a, b); }
  friend TensorT operator<=(const TensorT& a, const TensorT& b) { return ad::le(a, b); }
  friend TensorT operator>(const TensorT& a, T s) { return ad::gt(a, scalar(s)); }
  friend TensorT operator>(T s, const TensorT& a) { return ad::gt(scalar(s), a); }
  friend TensorT operator<(const TensorT& a, T s) { return ad::lt(a, scalar(s)); }
  friend TensorT operator<(T s, const TensorT& a) { return ad::lt(scalar(s), a); }
  friend TensorT operator>=(const TensorT& a, T s) { return ad::ge(a, scalar(s)); }
  friend TensorT operator>=(T s, const TensorT& a) { return ad::ge(scalar(s), a); }
  friend TensorT operator<=(const TensorT& a, T s) { return ad::le(a, scalar(s)); }
  friend TensorT operator<=(T s, const TensorT& a) { return ad::le(scalar(s), a); }

  // Internal access for op implementations.
  TensorImpl<T>& impl() const {
    if (__builtin_expect(!impl_, 0)) throw_undefined();  // inline: every op and accessor goes through here
    return *impl_;
  }
  TensorImpl<T>* impl_ptr() const { return impl_.get(); }
  const ImplRef<T>& impl_ref() const { return impl_; }

 private:
  [[noreturn]] static void throw_undefined();
  ImplRef<T> impl_;
};

template <class T>
std::ostream& operator<<(std::ostream& os, const TensorT<T>& t);

// ---- Scalars of any arithmetic type --------------------------------------------------------------------------------
// The declarations above take scalar parameters as T, which template argument deduction must match exactly: with
// them alone leaky_relu(x, 0.01) for a float x would not compile (T is float from x, double from 0.01). These
// overloads take any other arithmetic type and convert it to T (for T itself the declarations above are used), so
//   leaky_relu(x, 0.01), elu(x, 1), softplus(x, 2.0), clamp(x, 0, 1.0), clip(x, -1, 1), pow(x, 2), pow(2, x),
//   add_scalar(x, 1), mul_scalar(x, 0.5), rsub_scalar(1, x), rdiv_scalar(1, x)
// compile for Tensor and TensorD alike. The operators (x * 2.0, 2 * x, 1 - x, x / 3, x > 0.5) and the methods take
// T and convert their argument as any function does. Comparisons and where also take a scalar on either side:
//   gt(x, 0.0), lt(0, x), eq(x, 1) ...: a mask, as comparing with a rank-0 tensor of the value (no gradient);
//   where(cond, a, 0.0), where(cond, 1, b), where(cond, 1.0, 0.0): the scalar is a rank-0 constant broadcast to the
//   result (no gradient flows to it; the tensor operand gets its gradient as usual).
namespace detail {
// S is an arithmetic type other than T.
template <class S, class T>
using if_other_scalar = std::enable_if_t<std::is_arithmetic_v<S> && !std::is_same_v<S, T>, int>;
// A and B are arithmetic, not both T.
template <class A, class B, class T>
using if_other_scalars = std::enable_if_t<
    std::is_arithmetic_v<A> && std::is_arithmetic_v<B> && !(std::is_same_v<A, T> && std::is_same_v<B, T>), int>;
template <class S>
using if_scalar = std::enable_if_t<std::is_arithmetic_v<S>, int>;
}  // namespace detail

// clang-format off
template <class T, class S, detail::if_other_scalar<S, T> = 0>
TensorT<T> add_scalar(const TensorT<T>& a, S s) { return add_scalar(a, static_cast<T>(s)); }
template <class T, class S, detail::if_other_scalar<S, T> = 0>
TensorT<T> mul_scalar(const TensorT<T>& a, S s) { return mul_scalar(a, static_cast<T>(s)); }
template <class T, class S, detail::if_other_scalar<S, T> = 0>
TensorT<T> rsub_scalar(S s, const TensorT<T>& a) { return rsub_scalar(static_cast<T>(s), a); }
template <class T, class S, detail::if_other_scalar<S, T> = 0>
TensorT<T> rdiv_scalar(S s, const TensorT<T>& a) { return rdiv_scalar(static_cast<T>(s), a); }
template <class T, class S, detail::if_other_scalar<S, T> = 0>
TensorT<T> pow(const TensorT<T>& a, S p) { return pow(a, static_cast<T>(p)); }
template <class T, class S, detail::if_other_scalar<S, T> = 0>
TensorT<T> pow(S s, const TensorT<T>& b) { return pow(static_cast<T>(s), b); }
template <class T, class S, detail::if_other_scalar<S, T> = 0>
TensorT<T> leaky_relu(const TensorT<T>& a, S negative_slope) { return leaky_relu(a, static_cast<T>(negative_slope)); }
template <class T, class S, detail::if_other_scalar<S, T> = 0>
TensorT<T> elu(const TensorT<T>& a, S alpha) { return elu(a, static_cast<T>(alpha)); }
template <class T, class B, class H = T, detail::if_other_scalars<B, H, T> = 0>
TensorT<T> softplus(const TensorT<T>& a, B beta, H threshold = H(20)) {
  return softplus(a, static_cast<T>(beta), static_cast<T>(threshold));
}
template <class T, class L, class H, detail::if_other_scalars<L, H, T> = 0>
TensorT<T> clamp(const TensorT<T>& a, L lo, H hi) { return clamp(a, static_cast<T>(lo), static_cast<T>(hi)); }
template <class T, class L, class H, detail::if_other_scalars<L, H, T> = 0>
TensorT<T> clip(const TensorT<T>& a, L lo, H hi) { return clamp(a, static_cast<T>(lo), static_cast<T>(hi)); }

#define AD_SCALAR_COMPARISON(NAME)                                                                     \
  template <class T, class S, detail::if_scalar<S> = 0>                                                \
  TensorT<T> NAME(const TensorT<T>& a, S b) { return NAME(a, TensorT<T>::scalar(static_cast<T>(b))); } \
  template <class T, class S, detail::if_scalar<S> = 0>                                                \
  TensorT<T> NAME(S a, const TensorT<T>& b) { return NAME(TensorT<T>::scalar(static_cast<T>(a)), b); }
AD_SCALAR_COMPARISON(gt)
AD_SCALAR_COMPARISON(lt)
AD_SCALAR_COMPARISON(ge)
AD_SCALAR_COMPARISON(le)
AD_SCALAR_COMPARISON(eq)
AD_SCALAR_COMPARISON(ne)
#undef AD_SCALAR_COMPARISON

template <class T, class S, detail::if_scalar<S> = 0>
TensorT<T> where(const TensorT<T>& cond, const TensorT<T>& a, S b) {
  return where(cond, a, TensorT<T>::scalar(static_cast<T>(b)));
}
template <class T, class S, detail::if_scalar<S> = 0>
TensorT<T> where(const TensorT<T>& cond, S a, const TensorT<T>& b) {
  return where(cond, TensorT<T>::scalar(static_cast<T>(a)), b);
}
template <class T, class A, class B, detail::if_scalar<A> = 0, detail::if_scalar<B> = 0>
TensorT<T> where(const TensorT<T>& cond, A a, B b) {
  return where(cond, TensorT<T>::scalar(static_cast<T>(a)), TensorT<T>::scalar(static_cast<T>(b)));
}
// clang-format on

using Tensor = TensorT<float>;
using TensorD = TensorT<double>;

}  // namespace ad

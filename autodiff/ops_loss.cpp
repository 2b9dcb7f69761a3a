// Fused losses: softmax + cross-entropy and sigmoid + binary cross-entropy, each one op with its own backward.
// Composed from elementary ops they are 5-10 recorded ops and as many temporaries; fused they are one pass over the
// logits forward and one backward, and numerically stable by construction (log-sum-exp, log1p(e^-|x|)).
#include <algorithm>
#include <cmath>
#include <vector>

#include "autodiff/node.h"
#include "autodiff/tensor.h"

namespace ad {
namespace {

// L = scale * sum_i (lse_i - x_i,y_i). dL/dx_ij = scale * (exp(x_ij - lse_i) - [j = y_i]).
template <class T>
class SoftmaxCrossEntropyNode final : public Node<T> {
 public:
  SoftmaxCrossEntropyNode(std::vector<std::size_t> labels, std::vector<T> lse, std::size_t c, T scale)
      : labels_(std::move(labels)), lse_(std::move(lse)), c_(c), scale_(scale) {}
  const char* name() const override { return "softmax_cross_entropy"; }
  void backward() override {
    T* gx = this->gin(0);
    if (!gx) return;
    const T g = this->gout()[0] * scale_;
    const T* x = this->input(0)->data;
    for (std::size_t i = 0; i < labels_.size(); ++i) {
      const T* row = x + i * c_;
      T* grow = gx + i * c_;
      for (std::size_t j = 0; j < c_; ++j) grow[j] += g * std::exp(row[j] - lse_[i]);
      grow[labels_[i]] -= g;
    }
  }
  // (softmax(x) - onehot(labels)) * scale * g, softmax composed (exp of log_softmax) so that it differentiates again.
  void backward_graph(const TensorT<T>& g, const bool* need, TensorT<T>* gin) override {
    if (!need[0]) return;
    const TensorT<T> x{ImplRef<T>(this->input(0))};
    if (x.numel() == 0) {  // no rows or no classes: nothing to differentiate (softmax over an empty axis is refused)
      gin[0] = TensorT<T>::zeros(x.shape());
      return;
    }
    TensorT<T> onehot = TensorT<T>::zeros(x.shape());
    for (std::size_t i = 0; i < labels_.size(); ++i) onehot.impl().data[i * c_ + labels_[i]] = T(1);
    gin[0] = (softmax(x, 1) - onehot) * (g * scale_);
  }

 private:
  std::vector<std::size_t> labels_;
  std::vector<T> lse_;
  std::size_t c_;
  T scale_;
};

// Per element, with s = sigmoid(x): l = -(y log s + (1 - y) log(1 - s)) = max(x, 0) - x y + log(1 + e^-|x|). L = scale * sum l. dl/dx = s - y, dl/dy = -x. The forward pass saves s.
template <class T>
class BceWithLogitsNode final : public Node<T> {
 public:
  BceWithLogitsNode(std::vector<T> sigmoid, T scale) : sigmoid_(std::move(sigmoid)), scale_(scale) {}
  const char* name() const override { return "binary_cross_entropy_with_logits"; }
  void backward() override {
    const T g = this->gout()[0] * scale_;
    const T* x = this->input(0)->data;
    const T* y = this->input(1)->data;
    const std::size_t n = sigmoid_.size();
    if (T* gx = this->gin(0))
      for (std::size_t i = 0; i < n; ++i) gx[i] += g * (sigmoid_[i] - y[i]);
    if (T* gy = this->gin(1))
      for (std::size_t i = 0; i < n; ++i) gy[i] -= g * x[i];
  }
  void backward_graph(const TensorT<T>& g, const bool* need, TensorT<T>* gin) override {
    const TensorT<T> x{ImplRef<T>(this->input(0))}, y{ImplRef<T>(this->input(1))};
    const TensorT<T> gs = g * scale_;
    if (need[0]) gin[0] = (sigmoid(x) - y) * gs;
    if (need[1]) gin[1] = -x * gs;
  }

 private:
  std::vector<T> sigmoid_;  // saved by the forward pass, which computes e^-|x| anyway
  T scale_;
};

}  // namespace

template <class T>
TensorT<T> softmax_cross_entropy(const TensorT<T>& logits, const std::vector<std::size_t>& labels, bool mean) {
  TensorImpl<T>& x = logits.impl();
  if (x.shape.rank() != 2)
    throw ShapeError("softmax_cross_entropy: logits must be 2-D (batch, classes), got shape " + x.shape.str());
  const std::size_t n = x.shape[0], c = x.shape[1];
  if (labels.size() != n)
    throw ShapeError("softmax_cross_entropy: " + std::to_string(labels.size()) + " labels for logits of shape " +
                     x.shape.str());
  if (mean && n == 0)
    throw ValueError("softmax_cross_entropy: empty batch (logits shape " + x.shape.str() +
                     "): the mean over no examples is undefined");
  std::vector<T> lse(n);
  T total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (labels[i] >= c)
      throw IndexError("softmax_cross_entropy: label " + std::to_string(labels[i]) + " of row " + std::to_string(i) +
                       " is out of range for " + std::to_string(c) + " classes");
    const T* row = x.data + i * c;  // c >= 1 here: with no classes every label is out of range
    // The shift by the maximum keeps exp from overflowing; an infinite or NaN logit makes the loss NaN (as PyTorch's
    // log_softmax + nll_loss), while -inf logits of other classes are fine.
    T m = row[0];
    for (std::size_t j = 1; j < c; ++j)
      if (row[j] > m || (std::isnan(row[j]) && !std::isnan(m))) m = row[j];
    T z = 0;
    for (std::size_t j = 0; j < c; ++j) z += std::exp(row[j] - m);
    lse[i] = m + std::log(z);
    total += lse[i] - row[labels[i]];
  }
  const T scale = mean ? T(1) / static_cast<T>(n) : T(1);
  ImplRef<T> out = TensorImpl<T>::create(Shape{});
  out->data[0] = total * scale;
  record<SoftmaxCrossEntropyNode<T>>(out.get(), "softmax_cross_entropy", {&x}, labels, std::move(lse), c, scale);
  return TensorT<T>(std::move(out));
}

template <class T>
TensorT<T> binary_cross_entropy_with_logits(const TensorT<T>& logits, const TensorT<T>& target, bool mean) {
  TensorImpl<T>& x = logits.impl();
  TensorImpl<T>& y = target.impl();
  if (x.shape != y.shape)
    throw ShapeError("binary_cross_entropy_with_logits: logits of shape " + x.shape.str() + " and target of shape " +
                     y.shape.str() + " differ");
  if (mean && x.numel == 0)
    throw ValueError("binary_cross_entropy_with_logits: empty batch (logits shape " + x.shape.str() +
                     "): the mean over no elements is undefined");
  const bool keep_sigmoid = will_record<T>({&x, &y});  // backward needs sigmoid(x); computed here anyway
  std::vector<T> sig(keep_sigmoid ? x.numel : 0);
  T total = 0;
  for (std::size_t i = 0; i < x.numel; ++i) {
    const T v = x.data[i], t = y.data[i];
    if (!(t >= T(0) && t <= T(1)))  // checked here, in the one pass over the data, rather than in a pass of its own
      throw ValueError("binary_cross_entropy_with_logits: target value " + std::to_string(t) + " at flat index " +
                       std::to_string(i) + " is outside [0, 1]");
    // PyTorch's form of l: (1 - y) x + m + log(e^-m + e^(-x-m)) with m = max(-x, 0), which never overflows and gives
    // what PyTorch gives at infinite logits (NaN where (1 - y) x is 0 * inf).
    const T m = std::max(-v, T(0));
    total += (T(1) - t) * v + m + std::log(std::exp(-m) + std::exp(-v - m));
    const T e = std::exp(-std::abs(v));  // sigmoid(v) = 1 / (1 + e) for v >= 0, e / (1 + e) for v < 0
    if (keep_sigmoid) sig[i] = (v >= T(0) ? T(1) : e) / (T(1) + e);
  }
  const T scale = mean ? T(1) / static_cast<T>(x.numel) : T(1);
  ImplRef<T> out = TensorImpl<T>::create(Shape{});
  out->data[0] = total * scale;
  record<BceWithLogitsNode<T>>(out.get(), "binary_cross_entropy_with_logits", {&x, &y}, std::move(sig), scale);
  return TensorT<T>(std::move(out));
}

#define AD_INSTANTIATE(T)                                                                                 \
  template TensorT<T> softmax_cross_entropy<T>(const TensorT<T>&, const std::vector<std::size_t>&, bool); \
  template TensorT<T> binary_cross_entropy_with_logits<T>(const TensorT<T>&, const TensorT<T>&, bool);
AD_INSTANTIATE(float)
AD_INSTANTIATE(double)

}  // namespace ad

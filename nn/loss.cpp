#include "nn/loss.h"

#include <cmath>
#include <limits>
#include <sstream>
#include <string>

#include "autodiff/error.h"

namespace ad::nn {
namespace {

template <class T>
std::string num(T v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

template <class T>
void check_same_shape(const char* op, const char* a_name, const TensorT<T>& a, const char* b_name,
                      const TensorT<T>& b) {
  if (a.shape() != b.shape())
    throw ShapeError(std::string(op) + ": " + a_name + " shape " + a.shape().str() + " and " + b_name + " shape " +
                     b.shape().str() + " differ (losses do not broadcast; reshape one of them)");
}

// Every value of t must lie in [lo, hi]; ValueError naming the first that does not.
template <class T>
void check_range(const char* op, const char* what, const TensorT<T>& t, T lo, T hi) {
  const T* p = t.data();
  for (std::size_t i = 0, n = t.numel(); i < n; ++i)
    if (!(p[i] >= lo && p[i] <= hi))
      throw ValueError(std::string(op) + ": " + what + " value " + num(p[i]) + " at flat index " + std::to_string(i) +
                       " is outside [" + num(lo) + ", " + num(hi) + "]");
}

// The mean over an empty batch is 0/0: PyTorch returns NaN, which then spreads silently into the weights at the next
// step. Refuse it here, naming the loss and the shape (a sum over no examples is 0, as in NumPy and PyTorch).
template <class T>
void check_not_empty(const char* op, const TensorT<T>& input, Reduction r) {
  if (r == Reduction::Mean && input.numel() == 0)
    throw ValueError(std::string(op) + ": empty batch (input shape " + input.shape().str() +
                     "): the mean over no examples is undefined");
}

// Labels are unsigned, so a -1 computed in signed arithmetic arrives as 2^64 - 1: show the number it was.
std::string label_str(std::size_t label) {
  std::string s = std::to_string(label);
  if (label > std::numeric_limits<std::size_t>::max() / 2)
    s += " (" + std::to_string(static_cast<long long>(label)) + " converted to an unsigned index)";
  return s;
}

template <class T>
TensorT<T> reduce(const TensorT<T>& per_element, Reduction r) {
  return r == Reduction::Sum ? sum(per_element) : mean(per_element);
}

// Views a 1-D (classes) input as one example (1, classes); a 2-D input is kept. Returns (batch, classes).
template <class T>
TensorT<T> as_batch(const char* op, const TensorT<T>& x) {
  if (x.dim() == 1) return unsqueeze(x, 0);
  if (x.dim() != 2)
    throw ShapeError(std::string(op) + ": expected input of shape (batch, classes) or (classes), got " +
                     x.shape().str());
  return x;
}

}  // namespace

template <class T>
TensorT<T> mse_loss(const TensorT<T>& input, const TensorT<T>& target, Reduction r) {
  check_same_shape("mse_loss", "input", input, "target", target);
  check_not_empty("mse_loss", input, r);
  const TensorT<T> d = input - target;
  return reduce(d * d, r);
}

template <class T>
TensorT<T> half_sse_loss(const TensorT<T>& input, const TensorT<T>& target, Reduction r) {
  check_same_shape("half_sse_loss", "input", input, "target", target);
  check_not_empty("half_sse_loss", input, r);
  const TensorT<T> d = input - target;
  return reduce(d * d, r) * T(0.5);
}

template <class T>
TensorT<T> binary_cross_entropy(const TensorT<T>& probs, const TensorT<T>& target, Reduction r) {
  check_same_shape("binary_cross_entropy", "input", probs, "target", target);
  check_not_empty("binary_cross_entropy", probs, r);
  check_range("binary_cross_entropy", "input probability", probs, T(0), T(1));
  check_range("binary_cross_entropy", "target", target, T(0), T(1));
  const T eps = T(1e-12);
  const TensorT<T> log_p = log(clamp(probs, eps, T(1)));
  const TensorT<T> log_q = log(clamp(T(1) - probs, eps, T(1)));
  return reduce(-(target * log_p + (T(1) - target) * log_q), r);
}

template <class T>
TensorT<T> binary_cross_entropy_with_logits(const TensorT<T>& x, const TensorT<T>& target, Reduction r) {
  check_same_shape("binary_cross_entropy_with_logits", "input", x, "target", target);
  check_not_empty("binary_cross_entropy_with_logits", x, r);
  // (the fused op checks that targets lie in [0, 1])
  // -(y log s(x) + (1-y) log(1-s(x))) = max(x, 0) - x y + log(1 + e^-|x|), where e^-|x| <= 1 never overflows.
  // Fused into one op whose backward is scale * (sigmoid(x) - y); see autodiff/ops_loss.cpp.
  return ad::binary_cross_entropy_with_logits(x, target, r == Reduction::Mean);
}

template <class T>
TensorT<T> nll_loss(const TensorT<T>& log_probs, const std::vector<std::size_t>& labels, Reduction r) {
  const TensorT<T> lp = as_batch("nll_loss", log_probs);
  const std::size_t n = lp.shape()[0], c = lp.shape()[1];
  if (labels.size() != n)
    throw ShapeError("nll_loss: " + std::to_string(labels.size()) + " labels for a batch of " + std::to_string(n) +
                     " rows (input shape " + log_probs.shape().str() + ")");
  // Pick lp[i, label_i] out of the flattened (n * c) tensor; index_select routes the gradient back to those entries.
  std::vector<std::size_t> flat(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (labels[i] >= c)
      throw IndexError("nll_loss: label " + label_str(labels[i]) + " of row " + std::to_string(i) +
                       " is out of range for " + std::to_string(c) + " classes");
    flat[i] = i * c + labels[i];
  }
  check_not_empty("nll_loss", log_probs, r);
  return -reduce(index_select(reshape(lp, Shape{n * c}), 0, flat), r);
}

template <class T>
TensorT<T> cross_entropy(const TensorT<T>& logits, const std::vector<std::size_t>& labels, Reduction r) {
  const TensorT<T> x = as_batch("cross_entropy", logits);
  if (labels.size() != x.shape()[0])
    throw ShapeError("cross_entropy: " + std::to_string(labels.size()) + " labels for a batch of " +
                     std::to_string(x.shape()[0]) + " rows (logits shape " + logits.shape().str() + ")");
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] >= x.shape()[1])
      throw IndexError("cross_entropy: label " + label_str(labels[i]) + " of row " + std::to_string(i) +
                       " is out of range for " + std::to_string(x.shape()[1]) + " classes (logits shape " +
                       logits.shape().str() + ")");
  check_not_empty("cross_entropy", logits, r);
  // Fused: one node whose backward is (softmax - onehot) * scale, instead of log_softmax + gather + mean.
  return softmax_cross_entropy(x, labels, r == Reduction::Mean);
}

template <class T>
TensorT<T> cross_entropy(const TensorT<T>& logits, const TensorT<T>& target, Reduction r) {
  const TensorT<T> x = as_batch("cross_entropy", logits);
  if (target.shape() == logits.shape()) {
    check_not_empty("cross_entropy", logits, r);
    check_range("cross_entropy", "target probability", target, T(0), T(1));
    // Per row: -sum_c t_c log softmax(x)_c; Mean averages over the rows, like the class-index form.
    const TensorT<T> per_row = -sum(as_batch("cross_entropy", target) * log_softmax(x, -1), 1);
    return reduce(per_row, r);
  }
  const Shape want = logits.dim() == 1 ? Shape{} : Shape{x.shape()[0]};
  if (target.shape() != want)
    throw ShapeError("cross_entropy: target shape " + target.shape().str() + " fits neither logits shape " +
                     logits.shape().str() + " (class probabilities) nor " + want.str() + " (class indices)");
  std::vector<std::size_t> labels(target.numel());
  const T* t = target.data();
  const std::size_t classes = x.shape()[1];
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (std::floor(t[i]) != t[i])
      throw ValueError("cross_entropy: class index " + num(t[i]) + " of row " + std::to_string(i) +
                       " is not a whole number");
    if (t[i] < T(0) || t[i] >= static_cast<T>(classes))
      throw IndexError("cross_entropy: class index " + num(t[i]) + " of row " + std::to_string(i) +
                       " is out of range for " + std::to_string(classes) + " classes");
    labels[i] = static_cast<std::size_t>(t[i]);
  }
  check_not_empty("cross_entropy", logits, r);
  return nll_loss(log_softmax(x, -1), labels, r);
}

template <class T>
TensorT<T> hinge_loss(const TensorT<T>& scores, const TensorT<T>& labels, Reduction r) {
  check_same_shape("hinge_loss", "scores", scores, "labels", labels);
  check_not_empty("hinge_loss", scores, r);
  const T* y = labels.data();
  for (std::size_t i = 0, n = labels.numel(); i < n; ++i)
    if (y[i] != T(1) && y[i] != T(-1))
      throw ValueError("hinge_loss: label " + num(y[i]) + " at flat index " + std::to_string(i) + " is not -1 or +1");
  return reduce(relu(T(1) - labels * scores), r);
}

template <class T>
TensorT<T> logistic_loss(const TensorT<T>& logits, const TensorT<T>& labels, Reduction r) {
  check_same_shape("logistic_loss", "logits", logits, "labels", labels);
  check_not_empty("logistic_loss", logits, r);
  const T* y = labels.data();
  for (std::size_t i = 0, n = labels.numel(); i < n; ++i)
    if (y[i] != T(1) && y[i] != T(-1))
      throw ValueError("logistic_loss: label " + num(y[i]) + " at flat index " + std::to_string(i) +
                       " is not -1 or +1");
  // log(1 + e^-m), m = y u, as softplus(-m): log1p(e^x) up to the threshold x = 40 and x above it, where
  // log1p(e^x) - x < e^-40 = 4e-18 is below half an ulp of x in float and double (so the switch changes no value),
  // and e^40 is still finite in float. PyTorch's default threshold 20 would be off by e^-20 = 2e-9 in double.
  return reduce(softplus(-(labels * logits), T(1), T(40)), r);
}

template <class T>
TensorT<T> l1_penalty(const std::vector<TensorT<T>>& params) {
  TensorT<T> total = TensorT<T>::scalar(T(0));
  for (const auto& p : params) total = total + sum(abs(p));
  return total;
}

template <class T>
TensorT<T> l2_penalty(const std::vector<TensorT<T>>& params) {
  TensorT<T> total = TensorT<T>::scalar(T(0));
  for (const auto& p : params) total = total + sum(p * p);
  return total;
}

#define AD_NN_LOSS_INSTANTIATE(T)                                                                           \
  template TensorT<T> mse_loss<T>(const TensorT<T>&, const TensorT<T>&, Reduction);                         \
  template TensorT<T> half_sse_loss<T>(const TensorT<T>&, const TensorT<T>&, Reduction);                    \
  template TensorT<T> binary_cross_entropy<T>(const TensorT<T>&, const TensorT<T>&, Reduction);             \
  template TensorT<T> binary_cross_entropy_with_logits<T>(const TensorT<T>&, const TensorT<T>&, Reduction); \
  template TensorT<T> nll_loss<T>(const TensorT<T>&, const std::vector<std::size_t>&, Reduction);           \
  template TensorT<T> cross_entropy<T>(const TensorT<T>&, const std::vector<std::size_t>&, Reduction);      \
  template TensorT<T> cross_entropy<T>(const TensorT<T>&, const TensorT<T>&, Reduction);                    \
  template TensorT<T> hinge_loss<T>(const TensorT<T>&, const TensorT<T>&, Reduction);                       \
  template TensorT<T> logistic_loss<T>(const TensorT<T>&, const TensorT<T>&, Reduction);                    \
  template TensorT<T> l1_penalty<T>(const std::vector<TensorT<T>>&);                                        \
  template TensorT<T> l2_penalty<T>(const std::vector<TensorT<T>>&);
AD_NN_LOSS_INSTANTIATE(float)
AD_NN_LOSS_INSTANTIATE(double)
#undef AD_NN_LOSS_INSTANTIATE

}  // namespace ad::nn

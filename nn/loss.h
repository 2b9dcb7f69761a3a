// Loss functions and penalties, composed from core ops (so backward() differentiates them like any other graph).
// Each checks its arguments first: mismatched shapes throw ShapeError naming both shapes, labels outside their
// range throw IndexError (class indices) or ValueError (values outside {-1, +1} or [0, 1]).
//
// Conventions: `input` is a batch with one example per row; Reduction::Mean averages over the elements (per-element
// losses) or over the rows (per-example losses: cross_entropy, nll_loss), Reduction::Sum adds them.
// An empty batch (no elements) with Reduction::Mean throws ValueError instead of returning the NaN of 0/0;
// with Reduction::Sum the loss is 0.
#pragma once
#include <cstddef>
#include <vector>

#include "autodiff/tensor.h"

namespace ad::nn {

enum class Reduction { Mean, Sum };

// Mean squared error: mean_i (input_i - target_i)^2. Shapes must be equal (no broadcasting: a (n, 1) prediction
// against an (n) target is almost always a bug).
template <class T>
TensorT<T> mse_loss(const TensorT<T>& input, const TensorT<T>& target, Reduction reduction = Reduction::Mean);

// The course's sum form E = 1/2 ||Z - c||^2 = 1/2 sum_i (Z_i - c_i)^2, whose gradient is simply Z - c. Defaults to
// Sum; Mean gives 1/2 mean_i (Z_i - c_i)^2 = mse_loss / 2.
template <class T>
TensorT<T> half_sse_loss(const TensorT<T>& input, const TensorT<T>& target, Reduction reduction = Reduction::Sum);

// Binary cross-entropy on probabilities p in [0, 1] (e.g. a sigmoid output) against targets y in [0, 1]:
//   -(y log p + (1 - y) log(1 - p)),
// with both log arguments clamped to [1e-12, 1] so that p = 0 or 1 gives a finite loss (at most 27.6 per element)
// instead of inf. Prefer binary_cross_entropy_with_logits on the pre-sigmoid scores: it is exact and stable.
template <class T>
TensorT<T> binary_cross_entropy(const TensorT<T>& probs, const TensorT<T>& target,
                                Reduction reduction = Reduction::Mean);

// Binary cross-entropy on logits x (p = sigmoid(x)), in the stable form
//   max(x, 0) - x y + log(1 + e^-|x|),
// equal to -(y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))) but with no overflow for any x. Its gradient is
// sigmoid(x) - y (max and |.| split their kinks evenly at x = 0, so this holds at 0 too). Targets in [0, 1].
template <class T>
TensorT<T> binary_cross_entropy_with_logits(const TensorT<T>& logits, const TensorT<T>& target,
                                            Reduction reduction = Reduction::Mean);

// Negative log-likelihood of class labels given log-probabilities (batch, classes): -log_probs[i, label_i].
// A 1-D input (classes) is one example. ShapeError if the number of labels is not the batch size, IndexError
// for a label >= classes.
template <class T>
TensorT<T> nll_loss(const TensorT<T>& log_probs, const std::vector<std::size_t>& labels,
                    Reduction reduction = Reduction::Mean);

// Softmax cross-entropy on logits (batch, classes) with integer class labels:
//   -log softmax(x_i)[label_i] = logsumexp(x_i) - x_i[label_i],   i.e. nll_loss(log_softmax(x), labels).
// The gradient with respect to the logits is softmax(x_i) - onehot(label_i) (divided by the batch for Mean).
template <class T>
TensorT<T> cross_entropy(const TensorT<T>& logits, const std::vector<std::size_t>& labels,
                         Reduction reduction = Reduction::Mean);

// Cross-entropy with a tensor target, either
//   - of the logits' shape: class probabilities (one-hot or soft labels, each in [0, 1]):
//       -sum_c target_ic log softmax(x_i)_c per row;
//   - of shape (batch) (rank 0 for a 1-D input): class indices stored as whole numbers (ValueError if not whole,
//     IndexError if negative or >= classes), as from a dataset's label column.
template <class T>
TensorT<T> cross_entropy(const TensorT<T>& logits, const TensorT<T>& target, Reduction reduction = Reduction::Mean);

// Hinge loss of a linear classifier (SVM) with labels in {-1, +1}: max(0, 1 - y s) per element, which is zero
// once an example is on the right side with margin 1. Shapes must be equal; ValueError for any other label.
template <class T>
TensorT<T> hinge_loss(const TensorT<T>& scores, const TensorT<T>& labels, Reduction reduction = Reduction::Mean);

// Logistic loss of a linear classifier with labels y in {-1, +1} and real outputs (logits) u:
//   l = log(1 + e^(-y u)) = softplus(-y u),
// the negative log-likelihood of P(y | u) = sigmoid(y u). It is computed as softplus(-y u) (log1p(e^x), and x itself
// once e^x no longer changes the result), which never overflows for any u; its gradient is -y sigmoid(-y u), from
// the composition. With t = (y + 1)/2 in {0, 1} it is binary cross-entropy on logits:
//   logistic_loss(u, y) = binary_cross_entropy_with_logits(u, t)
// (PyTorch calls it soft_margin_loss). Shapes must be equal; ValueError for any label other than -1 or +1.
template <class T>
TensorT<T> logistic_loss(const TensorT<T>& logits, const TensorT<T>& labels, Reduction reduction = Reduction::Mean);

// Regularisation terms, to add to a loss with a coefficient:  loss + lambda * l2_penalty(model.parameters()).
// l1_penalty = sum over tensors and elements of |p| (its gradient sign(p), 0 at 0, pushes weights to exactly 0).
// l2_penalty = sum of p^2, WITHOUT a factor 1/2: its gradient is 2 p, so lambda * l2_penalty matches a weight
// decay of 2 lambda (write 0.5 * lambda * l2_penalty(...) for the "lambda/2 ||w||^2" convention).
// An empty list gives the constant 0.
template <class T>
TensorT<T> l1_penalty(const std::vector<TensorT<T>>& params);
template <class T>
TensorT<T> l2_penalty(const std::vector<TensorT<T>>& params);

}  // namespace ad::nn

#include "train/predictions.h"

#include <string>

#include "autodiff/error.h"

namespace ad::train {

std::vector<std::size_t> argmax_rows(const Tensor& scores) {
  if (!scores.defined() || scores.dim() != 2 || scores.size(1) == 0)
    throw ShapeError("argmax_rows: expected an (N, C) matrix of scores, got " +
                     (scores.defined() ? "shape " + scores.shape().str() : std::string("an undefined tensor")));
  const std::size_t n = scores.size(0), c = scores.size(1);
  const float* s = scores.data();
  std::vector<std::size_t> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t best = 0;
    for (std::size_t j = 1; j < c; ++j)
      if (s[i * c + j] > s[i * c + best]) best = j;
    out[i] = best;
  }
  return out;
}

std::vector<std::size_t> threshold(const Tensor& scores, float t) {
  if (!scores.defined() || !(scores.dim() == 1 || (scores.dim() == 2 && scores.size(1) == 1)))
    throw ShapeError("threshold: expected binary scores of shape (N) or (N, 1), got " +
                     (scores.defined() ? "shape " + scores.shape().str() : std::string("an undefined tensor")));
  const float* s = scores.data();
  std::vector<std::size_t> out(scores.numel());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = s[i] > t ? 1 : 0;
  return out;
}

std::vector<std::size_t> predict_classes(const Tensor& scores, float binary_threshold) {
  if (scores.defined() && scores.dim() == 2 && scores.size(1) >= 2) return argmax_rows(scores);
  return threshold(scores, binary_threshold);
}

std::vector<std::size_t> misclassified(const std::vector<std::size_t>& y_true, const std::vector<std::size_t>& y_pred) {
  if (y_true.size() != y_pred.size())
    throw ShapeError("misclassified: " + std::to_string(y_true.size()) + " true labels but " +
                     std::to_string(y_pred.size()) + " predictions");
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < y_true.size(); ++i)
    if (y_true[i] != y_pred[i]) out.push_back(i);
  return out;
}

}  // namespace ad::train

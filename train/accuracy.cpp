#include "train/accuracy.h"

#include <string>

#include "autodiff/error.h"
#include "train/predictions.h"

namespace ad::train {

double accuracy(const std::vector<std::size_t>& y_true, const std::vector<std::size_t>& y_pred) {
  if (y_true.size() != y_pred.size())
    throw ShapeError("accuracy: " + std::to_string(y_true.size()) + " true labels but " +
                     std::to_string(y_pred.size()) + " predictions");
  if (y_true.empty()) throw ValueError("accuracy: no examples");
  std::size_t correct = 0;
  for (std::size_t i = 0; i < y_true.size(); ++i) correct += y_true[i] == y_pred[i];
  return static_cast<double>(correct) / static_cast<double>(y_true.size());
}

double accuracy(const std::vector<std::size_t>& y_true, const Tensor& scores, float binary_threshold) {
  return accuracy(y_true, predict_classes(scores, binary_threshold));
}

}  // namespace ad::train

// Accuracy: the fraction of examples whose predicted class is the true one, (1/N) sum_i [y_pred_i == y_true_i].
#pragma once
#include <cstddef>
#include <vector>

#include "autodiff/tensor.h"

namespace ad::train {

// In [0, 1]. ShapeError if the sizes differ, ValueError if there are no examples.
double accuracy(const std::vector<std::size_t>& y_true, const std::vector<std::size_t>& y_pred);
// From a model's outputs, predicted as in train/predictions.h: argmax of (N, C) scores, or score > binary_threshold
// for (N) / (N, 1) scores.
double accuracy(const std::vector<std::size_t>& y_true, const Tensor& scores, float binary_threshold = 0.5f);

}  // namespace ad::train

// From a model's outputs to predicted classes, and which examples were got wrong.
//
// A classifier's output is either a (N, C) matrix of class scores (logits or probabilities; C >= 2), where the
// prediction is the class of largest score, or for a binary problem a single column (N) or (N, 1) holding the
// score of class 1, where the prediction is 1 when the score exceeds a threshold: 0.5 for a probability (sigmoid
// output), 0 for a logit.
#pragma once
#include <cstddef>
#include <vector>

#include "autodiff/tensor.h"

namespace ad::train {

// Index of the largest entry of each row of a (N, C) matrix (the first one on ties). ShapeError unless 2-D with
// C >= 1.
std::vector<std::size_t> argmax_rows(const Tensor& scores);

// 1 where score > threshold, else 0, for scores of shape (N) or (N, 1).
std::vector<std::size_t> threshold(const Tensor& scores, float threshold = 0.5f);

// argmax_rows for (N, C >= 2) scores, threshold(scores, binary_threshold) for (N) or (N, 1).
std::vector<std::size_t> predict_classes(const Tensor& scores, float binary_threshold = 0.5f);

// Positions i where y_pred[i] != y_true[i] (e.g. to show the misclassified images). ShapeError if sizes differ.
std::vector<std::size_t> misclassified(const std::vector<std::size_t>& y_true, const std::vector<std::size_t>& y_pred);

}  // namespace ad::train

// Class labels as float targets for a loss.
//
// One-hot encoding: label k of C classes becomes the row e_k (a 1 in column k, 0 elsewhere). Used as the target
// of a mean-squared-error or soft-label cross-entropy loss, and to compare with a network's softmax output.
// Binary targets: labels 0/1 as an (N, 1) column, the shape of a network ending in Linear(d, 1) (+ sigmoid), for
// binary_cross_entropy(_with_logits).
#pragma once
#include <cstddef>
#include <vector>

#include "autodiff/tensor.h"

namespace ad::data {

// (N, num_classes) matrix. ValueError if num_classes is 0; IndexError naming the label and its position when a
// label is >= num_classes.
Tensor one_hot(const std::vector<std::size_t>& labels, std::size_t num_classes);

// (N, 1) matrix of 0.0 / 1.0. ValueError naming the label and its position when a label is not 0 or 1.
Tensor binary_targets(const std::vector<std::size_t>& labels);

}  // namespace ad::data

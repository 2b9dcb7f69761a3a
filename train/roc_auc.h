// Area under the ROC curve of a binary classifier's scores.
//
// The ROC curve plots the true positive rate against the false positive rate as the decision threshold sweeps
// over the scores; its area equals the probability that a random positive example scores higher than a random
// negative one, counting ties as one half. That probability is the Mann-Whitney U statistic divided by n1 n0:
//
//   AUC = (R1 - n1 (n1 + 1) / 2) / (n1 n0)
//
// where R1 is the sum of the ranks of the n1 positive scores among all n1 + n0 scores (ranks 1..N in increasing
// order, tied scores all getting the average of the ranks they span). This takes O(N log N) for the sort instead
// of comparing all n1 n0 pairs, and it matches the trapezoidal area under the curve drawn by roc_curve exactly.
//
// Labels are 0 (negative) and 1 (positive); scores are any increasing function of the probability of class 1
// (probabilities, logits, margins): only their order matters.
#pragma once
#include <cstddef>
#include <vector>

#include "autodiff/tensor.h"

namespace ad::train {

// ValueError when a label is not 0/1, a score is NaN, or only one class is present (the AUC is then undefined);
// ShapeError when the sizes differ.
double roc_auc(const std::vector<std::size_t>& y_true, const std::vector<double>& scores);
// Scores of shape (N) or (N, 1) (score of class 1), or (N, 2) (column 1 is used, e.g. softmax probabilities).
double roc_auc(const std::vector<std::size_t>& y_true, const Tensor& scores);

// The curve itself: one point per distinct score, from (0, 0) (threshold above every score) to (1, 1).
// Point k is the rates when predicting 1 for score >= thresholds[k] (thresholds[0] is +infinity).
struct RocCurve {
  std::vector<double> fpr, tpr, thresholds;
};
RocCurve roc_curve(const std::vector<std::size_t>& y_true, const std::vector<double>& scores);

}  // namespace ad::train

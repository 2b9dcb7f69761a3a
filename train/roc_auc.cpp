#include "train/roc_auc.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "autodiff/error.h"

namespace ad::train {
namespace {

// Validates the inputs and returns the number of positives n1 (0 < n1 < N).
std::size_t check_binary(const char* op, const std::vector<std::size_t>& y, const std::vector<double>& s) {
  if (y.size() != s.size())
    throw ShapeError(std::string(op) + ": " + std::to_string(y.size()) + " labels but " + std::to_string(s.size()) +
                     " scores");
  std::size_t pos = 0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    if (y[i] > 1)
      throw ValueError(std::string(op) + ": label " + std::to_string(y[i]) + " at position " + std::to_string(i) +
                       " is not 0 or 1 (a binary problem is needed)");
    if (std::isnan(s[i])) throw ValueError(std::string(op) + ": score at position " + std::to_string(i) + " is NaN");
    pos += y[i];
  }
  if (pos == 0 || pos == y.size())
    throw ValueError(std::string(op) + ": only one class is present in y_true (" + std::to_string(y.size()) +
                     " examples, " + std::to_string(pos) + " positive); the AUC is undefined");
  return pos;
}

// Positions sorted by score, ascending.
std::vector<std::size_t> order_by_score(const std::vector<double>& s) {
  std::vector<std::size_t> idx(s.size());
  std::iota(idx.begin(), idx.end(), std::size_t(0));
  std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return s[a] < s[b]; });
  return idx;
}

}  // namespace

double roc_auc(const std::vector<std::size_t>& y_true, const std::vector<double>& scores) {
  const std::size_t n1 = check_binary("roc_auc", y_true, scores);
  const std::size_t n = y_true.size(), n0 = n - n1;
  const std::vector<std::size_t> idx = order_by_score(scores);
  // Walk the runs of equal scores; the run occupying ranks i+1..j gets the average rank (i + 1 + j) / 2.
  double rank_sum = 0;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j < n && scores[idx[j]] == scores[idx[i]]) ++j;
    const double avg_rank = 0.5 * static_cast<double>(i + 1 + j);
    for (std::size_t k = i; k < j; ++k)
      if (y_true[idx[k]] == 1) rank_sum += avg_rank;
    i = j;
  }
  const double d1 = static_cast<double>(n1), d0 = static_cast<double>(n0);
  return (rank_sum - d1 * (d1 + 1) / 2) / (d1 * d0);
}

double roc_auc(const std::vector<std::size_t>& y_true, const Tensor& scores) {
  std::vector<double> s;
  if (scores.defined() && (scores.dim() == 1 || (scores.dim() == 2 && scores.size(1) == 1))) {
    s.assign(scores.data(), scores.data() + scores.numel());
  } else if (scores.defined() && scores.dim() == 2 && scores.size(1) == 2) {
    for (std::size_t i = 0; i < scores.size(0); ++i) s.push_back(scores.data()[2 * i + 1]);
  } else {
    throw ShapeError("roc_auc: expected scores of shape (N), (N, 1) or (N, 2), got " +
                     (scores.defined() ? "shape " + scores.shape().str() : std::string("an undefined tensor")));
  }
  return roc_auc(y_true, s);
}

RocCurve roc_curve(const std::vector<std::size_t>& y_true, const std::vector<double>& scores) {
  const std::size_t n1 = check_binary("roc_curve", y_true, scores);
  const std::size_t n = y_true.size(), n0 = n - n1;
  std::vector<std::size_t> idx = order_by_score(scores);
  std::reverse(idx.begin(), idx.end());  // descending: lowering the threshold admits one run of ties at a time
  RocCurve c;
  c.fpr.push_back(0);
  c.tpr.push_back(0);
  c.thresholds.push_back(std::numeric_limits<double>::infinity());
  std::size_t tp = 0, fp = 0;
  for (std::size_t i = 0; i < n;) {
    const double t = scores[idx[i]];
    for (; i < n && scores[idx[i]] == t; ++i) (y_true[idx[i]] ? tp : fp) += 1;
    c.fpr.push_back(static_cast<double>(fp) / static_cast<double>(n0));
    c.tpr.push_back(static_cast<double>(tp) / static_cast<double>(n1));
    c.thresholds.push_back(t);
  }
  return c;
}

}  // namespace ad::train

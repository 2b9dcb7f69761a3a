// Confusion matrix and the per-class scores derived from it.
//
// Entry (t, p) counts the examples of true class t predicted as p (rows = truth, columns = prediction, as in
// scikit-learn). For a class c, with TP = (c, c), FP = column c minus TP, FN = row c minus TP:
//   precision_c = TP / (TP + FP)   of the examples predicted c, the fraction that are c
//   recall_c    = TP / (TP + FN)   of the examples of class c, the fraction found
//   F1_c        = 2 precision recall / (precision + recall), their harmonic mean
// A ratio with a zero denominator (nothing predicted as c, or no example of c) is taken as 0, as scikit-learn does
// with zero_division=0. The macro average is the plain mean over the classes that occur (in the truth or the
// predictions), so every class counts the same however rare; the weighted average weights each class by its
// support (number of true examples).
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace ad::train {

class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(std::size_t num_classes);
  // Counts the pairs; num_classes 0 means 1 + the largest label seen. ShapeError if the sizes differ.
  ConfusionMatrix(const std::vector<std::size_t>& y_true, const std::vector<std::size_t>& y_pred,
                  std::size_t num_classes = 0);

  // IndexError when a label is >= num_classes().
  void add(std::size_t truth, std::size_t predicted, std::size_t count = 1);
  void add(const std::vector<std::size_t>& y_true, const std::vector<std::size_t>& y_pred);

  std::size_t operator()(std::size_t truth, std::size_t predicted) const;
  std::size_t num_classes() const { return n_; }
  std::size_t total() const;
  std::size_t support(std::size_t c) const;          // examples of true class c (row sum)
  std::size_t predicted_count(std::size_t c) const;  // examples predicted as c (column sum)

  double accuracy() const;  // trace / total (ValueError when empty)
  double precision(std::size_t c) const;
  double recall(std::size_t c) const;
  double f1(std::size_t c) const;
  double macro_precision() const;
  double macro_recall() const;
  double macro_f1() const;
  double weighted_f1() const;

  // The counts as rows of doubles; with normalize, each row divided by its sum (the fraction of class t predicted
  // as p; rows without examples stay 0). Ready for plot::heatmap.
  std::vector<std::vector<double>> rows(bool normalize = false) const;
  // An aligned text table of the counts, rows labelled by class name (or index) and "true \ pred" in the corner.
  std::string str(const std::vector<std::string>& class_names = {}) const;
  // Per-class precision, recall, F1 and support, then accuracy and the macro and weighted averages.
  std::string report(const std::vector<std::string>& class_names = {}) const;

 private:
  // Mean of score(c) over the classes that occur in the truth or the predictions.
  template <class F>
  double macro_mean(F score) const;
  std::size_t n_;
  std::vector<std::size_t> counts_;  // n_ x n_, row-major
};

}  // namespace ad::train

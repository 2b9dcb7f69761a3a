// Feature scaling, fitted on the training set and applied unchanged to validation and test data (fitting on all
// the data would leak information about the test set into training).
//
//   data::StandardScaler scaler;
//   train.X = scaler.fit_transform(train.X);
//   test.X = scaler.transform(test.X);
//
// StandardScaler: z = (x - mean) / std per column, with the population standard deviation (divide by N, as
// scikit-learn). Gradient descent converges much faster when features have comparable scales.
// MinMaxScaler:   z = lo + (x - min) (hi - lo) / (max - min) per column, mapping the training range to [lo, hi].
//
// A constant column (max == min on the training data) would divide by zero; its scale is taken as 1, so it maps to
// 0 (standard) or lo (min-max) instead of NaN. Statistics are accumulated in double.
// Inputs are (N, d) matrices; transform checks that d matches the fit (ShapeError) and that fit came first
// (ValueError). Results are new tensors outside any graph.
#pragma once
#include <vector>

#include "autodiff/tensor.h"

namespace ad::data {

class StandardScaler {
 public:
  StandardScaler& fit(const Tensor& X);  // ValueError on an empty X, ShapeError unless 2-D
  Tensor transform(const Tensor& X) const;
  Tensor fit_transform(const Tensor& X) { return fit(X).transform(X); }
  Tensor inverse_transform(const Tensor& Z) const;  // x = z * std + mean

  bool fitted() const { return !mean_.empty(); }
  const std::vector<double>& mean() const { return mean_; }
  const std::vector<double>& scale() const { return scale_; }  // std per column, 1 for constant columns

 private:
  std::vector<double> mean_, scale_;
};

class MinMaxScaler {
 public:
  explicit MinMaxScaler(float lo = 0.0f, float hi = 1.0f);  // ValueError unless lo < hi
  MinMaxScaler& fit(const Tensor& X);
  Tensor transform(const Tensor& X) const;  // values outside the training range map outside [lo, hi]
  Tensor fit_transform(const Tensor& X) { return fit(X).transform(X); }
  Tensor inverse_transform(const Tensor& Z) const;

  bool fitted() const { return !min_.empty(); }
  const std::vector<double>& data_min() const { return min_; }
  const std::vector<double>& data_max() const { return max_; }

 private:
  double lo_, hi_;
  std::vector<double> min_, max_;
};

}  // namespace ad::data

#include "data/scaler.h"

#include <cmath>
#include <string>

#include "autodiff/error.h"

namespace ad::data {
namespace {

void check_matrix(const char* op, const Tensor& X) {
  if (!X.defined() || X.dim() != 2)
    throw ShapeError(std::string(op) + ": expected an (N, d) matrix, got " +
                     (X.defined() ? "shape " + X.shape().str() : std::string("an undefined tensor")));
}

void check_fit_input(const char* op, const Tensor& X) {
  check_matrix(op, X);
  if (X.size(0) == 0) throw ValueError(std::string(op) + ": cannot fit on an empty matrix " + X.shape().str());
}

void check_transform_input(const char* op, const Tensor& X, std::size_t fitted_cols) {
  if (fitted_cols == 0) throw ValueError(std::string(op) + ": the scaler has not been fitted (call fit first)");
  check_matrix(op, X);
  if (X.size(1) != fitted_cols)
    throw ShapeError(std::string(op) + ": X has " + std::to_string(X.size(1)) + " columns (shape " + X.shape().str() +
                     "), the scaler was fitted on " + std::to_string(fitted_cols));
}

// out_ij = (x_ij - shift_j) * factor_j, in double, rounded once to float.
Tensor affine_columns(const Tensor& X, const std::vector<double>& shift, const std::vector<double>& factor) {
  const std::size_t n = X.size(0), d = X.size(1);
  Tensor out = Tensor::empty(X.shape());
  const float* x = X.data();
  float* z = out.mutable_data();
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < d; ++j)
      z[i * d + j] = static_cast<float>((static_cast<double>(x[i * d + j]) - shift[j]) * factor[j]);
  return out;
}

// Per-column min and max.
void column_range(const Tensor& X, std::vector<double>& lo, std::vector<double>& hi) {
  const std::size_t n = X.size(0), d = X.size(1);
  const float* x = X.data();
  lo.assign(x, x + d);
  hi.assign(x, x + d);
  for (std::size_t i = 1; i < n; ++i)
    for (std::size_t j = 0; j < d; ++j) {
      const double v = x[i * d + j];
      if (v < lo[j]) lo[j] = v;
      if (v > hi[j]) hi[j] = v;
    }
}

}  // namespace

// Two passes (mean, then the mean of squared deviations) rather than E[x^2] - E[x]^2, which cancels badly when
// the mean is large compared with the spread (e.g. areas ~1000 varying by ~300). A constant column is detected
// exactly (max == min): its computed variance may be a rounding residue like 1e-30 rather than 0.
StandardScaler& StandardScaler::fit(const Tensor& X) {
  check_fit_input("StandardScaler::fit", X);
  const std::size_t n = X.size(0), d = X.size(1);
  const float* x = X.data();
  std::vector<double> lo, hi;
  column_range(X, lo, hi);
  mean_.assign(d, 0.0);
  scale_.assign(d, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < d; ++j) mean_[j] += x[i * d + j];
  for (std::size_t j = 0; j < d; ++j) mean_[j] /= static_cast<double>(n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < d; ++j) {
      const double dev = x[i * d + j] - mean_[j];
      scale_[j] += dev * dev;
    }
  for (std::size_t j = 0; j < d; ++j) {
    if (lo[j] == hi[j]) {
      mean_[j] = lo[j];
      scale_[j] = 1.0;
    } else {
      scale_[j] = std::sqrt(scale_[j] / static_cast<double>(n));
    }
  }
  return *this;
}

Tensor StandardScaler::transform(const Tensor& X) const {
  check_transform_input("StandardScaler::transform", X, mean_.size());
  std::vector<double> inv(scale_.size());
  for (std::size_t j = 0; j < inv.size(); ++j) inv[j] = 1.0 / scale_[j];
  return affine_columns(X, mean_, inv);
}

Tensor StandardScaler::inverse_transform(const Tensor& Z) const {
  check_transform_input("StandardScaler::inverse_transform", Z, mean_.size());
  // x = z * std + mean = (z - (-mean / std)) * std
  std::vector<double> shift(mean_.size());
  for (std::size_t j = 0; j < shift.size(); ++j) shift[j] = -mean_[j] / scale_[j];
  return affine_columns(Z, shift, scale_);
}

MinMaxScaler::MinMaxScaler(float lo, float hi) : lo_(lo), hi_(hi) {
  if (!(lo < hi))
    throw ValueError("MinMaxScaler: the target range needs lo < hi, got [" + std::to_string(lo) + ", " +
                     std::to_string(hi) + "]");
}

MinMaxScaler& MinMaxScaler::fit(const Tensor& X) {
  check_fit_input("MinMaxScaler::fit", X);
  column_range(X, min_, max_);
  return *this;
}

// (x - min) (hi - lo) / (max - min) is evaluated in that order, not as x times a precomputed factor: the factor
// (hi - lo) / (max - min) is usually inexact (0.2 for 2 / 10), which would turn the midpoint into 5e-17 instead of 0.
Tensor MinMaxScaler::transform(const Tensor& X) const {
  check_transform_input("MinMaxScaler::transform", X, min_.size());
  const std::size_t n = X.size(0), d = X.size(1);
  Tensor out = Tensor::empty(X.shape());
  const float* x = X.data();
  float* z = out.mutable_data();
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < d; ++j) {
      const double range = max_[j] > min_[j] ? max_[j] - min_[j] : 1.0;
      z[i * d + j] = static_cast<float>(lo_ + (x[i * d + j] - min_[j]) * (hi_ - lo_) / range);
    }
  return out;
}

Tensor MinMaxScaler::inverse_transform(const Tensor& Z) const {
  check_transform_input("MinMaxScaler::inverse_transform", Z, min_.size());
  const std::size_t n = Z.size(0), d = Z.size(1);
  Tensor out = Tensor::empty(Z.shape());
  const float* z = Z.data();
  float* x = out.mutable_data();
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < d; ++j) {
      const double range = max_[j] > min_[j] ? max_[j] - min_[j] : 1.0;
      x[i * d + j] = static_cast<float>(min_[j] + (z[i * d + j] - lo_) * range / (hi_ - lo_));
    }
  return out;
}

}  // namespace ad::data

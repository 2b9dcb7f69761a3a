#include "train/regression_metrics.h"

#include <cmath>
#include <string>

#include "autodiff/error.h"

namespace ad::train {
namespace {

bool column_like(const Tensor& t) { return t.dim() == 1 || (t.dim() == 2 && t.size(1) == 1); }

// Number of columns k of the (N, k) view of both tensors.
std::size_t check_pair(const char* op, const Tensor& a, const Tensor& b) {
  if (!a.defined() || !b.defined()) throw ValueError(std::string(op) + ": undefined tensor");
  const bool same = a.shape() == b.shape() || (column_like(a) && column_like(b) && a.numel() == b.numel());
  if (!same) throw ShapeError(std::string(op) + ": shapes " + a.shape().str() + " and " + b.shape().str() + " differ");
  if (a.numel() == 0) throw ValueError(std::string(op) + ": no values");
  return column_like(a) || a.dim() == 0 ? 1 : a.numel() / a.size(0);
}

void check_pair(const char* op, const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size())
    throw ShapeError(std::string(op) + ": " + std::to_string(a.size()) + " true values but " +
                     std::to_string(b.size()) + " predictions");
  if (a.empty()) throw ValueError(std::string(op) + ": no values");
}

template <class F>
double mean_of(const float* a, const float* b, std::size_t n, F f) {
  double s = 0;
  for (std::size_t i = 0; i < n; ++i) s += f(static_cast<double>(a[i]) - static_cast<double>(b[i]));
  return s / static_cast<double>(n);
}
template <class F>
double mean_of(const double* a, const double* b, std::size_t n, F f) {
  double s = 0;
  for (std::size_t i = 0; i < n; ++i) s += f(a[i] - b[i]);
  return s / static_cast<double>(n);
}

double square(double d) { return d * d; }
double absolute(double d) { return std::fabs(d); }

// R^2 of column j of (n, k) row-major arrays.
template <class T>
double r2_column(const T* y, const T* p, std::size_t n, std::size_t k, std::size_t j) {
  double mean = 0;
  for (std::size_t i = 0; i < n; ++i) mean += static_cast<double>(y[i * k + j]);
  mean /= static_cast<double>(n);
  double ss_res = 0, ss_tot = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double yi = static_cast<double>(y[i * k + j]);
    ss_res += square(yi - static_cast<double>(p[i * k + j]));
    ss_tot += square(yi - mean);
  }
  if (ss_tot == 0) return ss_res == 0 ? 1.0 : 0.0;
  return 1.0 - ss_res / ss_tot;
}

template <class T>
double r2_columns(const T* y, const T* p, std::size_t n, std::size_t k) {
  double s = 0;
  for (std::size_t j = 0; j < k; ++j) s += r2_column(y, p, n, k, j);
  return s / static_cast<double>(k);
}

}  // namespace

double mean_squared_error(const Tensor& y_true, const Tensor& y_pred) {
  check_pair("mean_squared_error", y_true, y_pred);
  return mean_of(y_true.data(), y_pred.data(), y_true.numel(), square);
}
double mean_absolute_error(const Tensor& y_true, const Tensor& y_pred) {
  check_pair("mean_absolute_error", y_true, y_pred);
  return mean_of(y_true.data(), y_pred.data(), y_true.numel(), absolute);
}
double r2_score(const Tensor& y_true, const Tensor& y_pred) {
  const std::size_t k = check_pair("r2_score", y_true, y_pred);
  return r2_columns(y_true.data(), y_pred.data(), y_true.numel() / k, k);
}

double mean_squared_error(const std::vector<double>& y_true, const std::vector<double>& y_pred) {
  check_pair("mean_squared_error", y_true, y_pred);
  return mean_of(y_true.data(), y_pred.data(), y_true.size(), square);
}
double mean_absolute_error(const std::vector<double>& y_true, const std::vector<double>& y_pred) {
  check_pair("mean_absolute_error", y_true, y_pred);
  return mean_of(y_true.data(), y_pred.data(), y_true.size(), absolute);
}
double r2_score(const std::vector<double>& y_true, const std::vector<double>& y_pred) {
  check_pair("r2_score", y_true, y_pred);
  return r2_columns(y_true.data(), y_pred.data(), y_true.size(), 1);
}

}  // namespace ad::train

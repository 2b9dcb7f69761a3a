// Metrics of a regression model's predictions y_hat against the true values y, over all N entries:
//
//   mean squared error   MSE = (1/N) sum (y - y_hat)^2
//   mean absolute error  MAE = (1/N) sum |y - y_hat|
//   coefficient of determination  R^2 = 1 - SS_res / SS_tot,  SS_res = sum (y - y_hat)^2, SS_tot = sum (y - mean y)^2
//
// R^2 is 1 for perfect predictions, 0 for always predicting the mean of y, negative for worse than that. When y is
// constant (SS_tot = 0) it is taken as 1 if the predictions are exact and 0 otherwise (scikit-learn's choice),
// instead of dividing by zero. For targets with k > 1 columns, (N, k), R^2 is computed per column and averaged.
//
// Shapes must be equal, except that (N) and (N, 1) are accepted together (a metric compares entries one to one,
// so unlike a loss there is no broadcasting to go wrong). Sums are accumulated in double.
#pragma once
#include <vector>

#include "autodiff/tensor.h"

namespace ad::train {

// ShapeError on incompatible shapes, ValueError when empty.
double mean_squared_error(const Tensor& y_true, const Tensor& y_pred);
double mean_absolute_error(const Tensor& y_true, const Tensor& y_pred);
double r2_score(const Tensor& y_true, const Tensor& y_pred);

double mean_squared_error(const std::vector<double>& y_true, const std::vector<double>& y_pred);
double mean_absolute_error(const std::vector<double>& y_true, const std::vector<double>& y_pred);
double r2_score(const std::vector<double>& y_true, const std::vector<double>& y_pred);

}  // namespace ad::train

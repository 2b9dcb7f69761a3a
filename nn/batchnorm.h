// BatchNorm1d (Ioffe & Szegedy 2015): normalises each feature (column) of a batch (batch, features) to zero mean
// and unit variance, then applies a learned affine map:
//
//   training:   mu = mean_i x_i,  var = mean_i (x_i - mu)^2  (over the batch, biased)
//               y = gamma * (x - mu) / sqrt(var + eps) + beta
//               running_mean <- (1 - momentum) running_mean + momentum mu
//               running_var  <- (1 - momentum) running_var  + momentum var * n / (n - 1)   (unbiased, as PyTorch)
//   evaluation: y = gamma * (x - running_mean) / sqrt(running_var + eps) + beta
//
// The training-mode output is composed from mean, sub, mul, sqrt and div, so the tape differentiates through the
// batch statistics too (each output depends on every row of the batch). gamma and beta are the parameters
// "weight" (ones) and "bias" (zeros), the running statistics are the buffers "running_mean" (zeros) and
// "running_var" (ones), under PyTorch's names. Training needs at least two rows (the variance of one row is 0).
#pragma once
#include <cstddef>
#include <string>

#include "nn/module.h"

namespace ad::nn {

template <class T = float>
class BatchNorm1d : public Module<T> {
 public:
  // affine = false leaves out gamma and beta (y is the normalised x).
  explicit BatchNorm1d(std::size_t num_features, double eps = 1e-5, double momentum = 0.1, bool affine = true);

  TensorT<T> forward(const TensorT<T>& x) override;
  std::string name() const override { return "BatchNorm1d"; }
  std::string extra_repr() const override;

  std::size_t num_features;
  double eps, momentum;
  TensorT<T> weight, bias;               // gamma, beta: (num_features); undefined when not affine
  TensorT<T> running_mean, running_var;  // (num_features)
};

extern template class BatchNorm1d<float>;
extern template class BatchNorm1d<double>;

}  // namespace ad::nn

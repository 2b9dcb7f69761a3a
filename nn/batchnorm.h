// Batch normalisation (Ioffe & Szegedy 2015): normalises each channel (axis 1) over the batch and every other axis
// to zero mean and unit variance, then applies a learned affine map. BatchNorm1d takes (N, C) or (N, C, L),
// BatchNorm2d (N, C, H, W) (statistics per channel over N, H and W, as PyTorch):
//
//   training:   mu = mean_i x_i,  var = mean_i (x_i - mu)^2  (over the n values of a channel, biased)
//               y = gamma * (x - mu) / sqrt(var + eps) + beta
//               running_mean <- (1 - momentum) running_mean + momentum mu
//               running_var  <- (1 - momentum) running_var  + momentum var * n / (n - 1)   (unbiased, as PyTorch)
//   evaluation: y = gamma * (x - running_mean) / sqrt(running_var + eps) + beta
//
// The training-mode output is composed from mean, sub, mul, sqrt and div, so the tape differentiates through the
// batch statistics too (each output depends on every row of the batch). gamma and beta are the parameters
// "weight" (ones) and "bias" (zeros), the running statistics are the buffers "running_mean" (zeros) and
// "running_var" (ones), under PyTorch's names. Training needs more than one value per channel (n > 1).
#pragma once
#include <cstddef>
#include <string>

#include "nn/module.h"

namespace ad::nn {

// The normalisation as a function (F.batch_norm): updates running_mean / running_var in training mode; weight and
// bias may be undefined (no affine map). `who` names the caller in errors.
template <class T>
TensorT<T> batch_norm(const TensorT<T>& x, TensorT<T>& running_mean, TensorT<T>& running_var, const TensorT<T>& weight,
                      const TensorT<T>& bias, bool training, double momentum, double eps,
                      const std::string& who = "batch_norm");

// What BatchNorm1d and BatchNorm2d share: parameters, buffers, and forward for inputs of the accepted ranks.
template <class T>
class BatchNormNd : public Module<T> {
 public:
  TensorT<T> forward(const TensorT<T>& x) override;
  std::string extra_repr() const override;

  std::size_t num_features;
  double eps, momentum;
  TensorT<T> weight, bias;               // gamma, beta: (num_features); undefined when not affine
  TensorT<T> running_mean, running_var;  // (num_features)

 protected:
  // affine = false leaves out gamma and beta (y is the normalised x).
  BatchNormNd(const char* who, std::size_t num_features, double eps, double momentum, bool affine, std::size_t min_rank,
              std::size_t max_rank);
  std::size_t min_rank_, max_rank_;
};

template <class T = float>
class BatchNorm1d : public BatchNormNd<T> {
 public:
  explicit BatchNorm1d(std::size_t num_features, double eps = 1e-5, double momentum = 0.1, bool affine = true)
      : BatchNormNd<T>("BatchNorm1d", num_features, eps, momentum, affine, 2, 3) {}
  std::string name() const override { return "BatchNorm1d"; }
};

template <class T = float>
class BatchNorm2d : public BatchNormNd<T> {
 public:
  explicit BatchNorm2d(std::size_t num_features, double eps = 1e-5, double momentum = 0.1, bool affine = true)
      : BatchNormNd<T>("BatchNorm2d", num_features, eps, momentum, affine, 4, 4) {}
  std::string name() const override { return "BatchNorm2d"; }
};

extern template class BatchNormNd<float>;
extern template class BatchNormNd<double>;

}  // namespace ad::nn

#include "nn/batchnorm.h"

#include <cmath>
#include <sstream>

#include "autodiff/tape.h"

namespace ad::nn {
namespace {

// The mean over every axis but the channel axis 1, kept as size-1 axes: (1, C) or (1, C, 1, ...).
template <class T>
TensorT<T> channel_mean(const TensorT<T>& x) {
  TensorT<T> m = x;
  for (std::size_t a = x.dim(); a-- > 2;) m = mean(m, static_cast<int>(a), /*keepdims=*/true);
  return mean(m, 0, /*keepdims=*/true);
}

}  // namespace

template <class T>
TensorT<T> batch_norm(const TensorT<T>& x, TensorT<T>& running_mean, TensorT<T>& running_var, const TensorT<T>& weight,
                      const TensorT<T>& bias, bool training, double momentum, double eps, const std::string& who) {
  const std::size_t C = running_mean.numel();
  if (x.dim() < 2 || x.shape()[1] != C)
    throw ShapeError(who + ": expected an input of shape (N, " + std::to_string(C) + ", ...), got " + x.shape().str());
  // Per-channel vectors broadcast along axis 1: shape (C, 1, ..., 1) with one 1 per axis after the channels.
  Shape cs{C};
  for (std::size_t a = 2; a < x.dim(); ++a) cs.push_back(1);
  TensorT<T> xhat;
  if (training) {
    const std::size_t n = x.numel() / C;
    if (n < 2)
      throw ValueError(who +
                       ": training mode needs more than one value per channel to estimate a variance, got input "
                       "of shape " +
                       x.shape().str());
    const TensorT<T> mu = channel_mean(x);
    const TensorT<T> d = x - mu;
    const TensorT<T> var = channel_mean(d * d);  // biased: what the batch is normalised with
    xhat = d / sqrt(var + static_cast<T>(eps));

    // Running estimates (not part of the graph). The variance is re-scaled to the unbiased n / (n - 1) form.
    NoGradGuard no_grad;
    const T m = static_cast<T>(momentum);
    const T unbias = static_cast<T>(double(n) / double(n - 1));
    T* rm = running_mean.mutable_data();
    T* rv = running_var.mutable_data();
    for (std::size_t c = 0; c < C; ++c) {
      rm[c] = (T(1) - m) * rm[c] + m * mu.data()[c];
      rv[c] = (T(1) - m) * rv[c] + m * var.data()[c] * unbias;
    }
  } else {
    // Fresh constants, so a later training step that updates the running statistics in place does not invalidate
    // a graph recorded in evaluation mode.
    TensorT<T> scale = TensorT<T>::empty(cs), shift = TensorT<T>::empty(cs);
    T* s = scale.mutable_data();
    T* b = shift.mutable_data();
    for (std::size_t c = 0; c < C; ++c) {
      s[c] = static_cast<T>(T(1) / std::sqrt(running_var.data()[c] + static_cast<T>(eps)));
      b[c] = -running_mean.data()[c] * s[c];
    }
    xhat = x * scale + shift;
  }
  if (!weight.defined()) return xhat;
  return cs.rank() == 1 ? xhat * weight + bias : xhat * reshape(weight, cs) + reshape(bias, cs);
}

template <class T>
BatchNormNd<T>::BatchNormNd(const char* who, std::size_t n, double eps, double momentum, bool affine,
                            std::size_t min_rank, std::size_t max_rank)
    : num_features(n), eps(eps), momentum(momentum), min_rank_(min_rank), max_rank_(max_rank) {
  if (n == 0) throw ValueError(std::string(who) + ": num_features must be positive");
  if (!(eps > 0)) throw ValueError(std::string(who) + ": eps must be positive, got " + std::to_string(eps));
  if (!(momentum >= 0 && momentum <= 1))
    throw ValueError(std::string(who) + ": momentum must be in [0, 1], got " + std::to_string(momentum));
  if (affine) {
    weight = this->register_parameter("weight", TensorT<T>::ones({n}));
    bias = this->register_parameter("bias", TensorT<T>::zeros({n}));
  }
  running_mean = this->register_buffer("running_mean", TensorT<T>::zeros({n}));
  running_var = this->register_buffer("running_var", TensorT<T>::ones({n}));
}

template <class T>
TensorT<T> BatchNormNd<T>::forward(const TensorT<T>& x) {
  if (x.dim() < min_rank_ || x.dim() > max_rank_ || x.shape()[1] != num_features) {
    const std::string c = std::to_string(num_features);
    const std::string want = max_rank_ == 4   ? "(N, " + c + ", H, W)"
                             : min_rank_ == 2 ? "(N, " + c + ") or (N, " + c + ", L)"
                                              : "(N, " + c + ", ...)";
    throw ShapeError(this->describe() + ": expected an input of shape " + want + ", got " + x.shape().str());
  }
  return batch_norm(x, running_mean, running_var, weight, bias, this->is_training(), momentum, eps, this->describe());
}

template <class T>
std::string BatchNormNd<T>::extra_repr() const {
  std::ostringstream os;
  os << num_features << ", eps=" << eps << ", momentum=" << momentum
     << ", affine=" << (weight.defined() ? "true" : "false");
  return os.str();
}

template class BatchNormNd<float>;
template class BatchNormNd<double>;
template TensorT<float> batch_norm<float>(const TensorT<float>&, TensorT<float>&, TensorT<float>&,
                                          const TensorT<float>&, const TensorT<float>&, bool, double, double,
                                          const std::string&);
template TensorT<double> batch_norm<double>(const TensorT<double>&, TensorT<double>&, TensorT<double>&,
                                            const TensorT<double>&, const TensorT<double>&, bool, double, double,
                                            const std::string&);

}  // namespace ad::nn

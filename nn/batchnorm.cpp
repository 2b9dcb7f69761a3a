#include "nn/batchnorm.h"

#include <cmath>
#include <sstream>

#include "autodiff/tape.h"

namespace ad::nn {

template <class T>
BatchNorm1d<T>::BatchNorm1d(std::size_t n, double eps, double momentum, bool affine)
    : num_features(n), eps(eps), momentum(momentum) {
  if (n == 0) throw ValueError("BatchNorm1d: num_features must be positive");
  if (!(eps > 0)) throw ValueError("BatchNorm1d: eps must be positive, got " + std::to_string(eps));
  if (!(momentum >= 0 && momentum <= 1))
    throw ValueError("BatchNorm1d: momentum must be in [0, 1], got " + std::to_string(momentum));
  if (affine) {
    weight = this->register_parameter("weight", TensorT<T>::ones({n}));
    bias = this->register_parameter("bias", TensorT<T>::zeros({n}));
  }
  running_mean = this->register_buffer("running_mean", TensorT<T>::zeros({n}));
  running_var = this->register_buffer("running_var", TensorT<T>::ones({n}));
}

template <class T>
TensorT<T> BatchNorm1d<T>::forward(const TensorT<T>& x) {
  if (x.dim() != 2 || x.shape()[1] != num_features)
    throw ShapeError(this->describe() + ": expected an input of shape (batch, " + std::to_string(num_features) +
                     "), got " + x.shape().str());
  const std::size_t n = x.shape()[0];
  TensorT<T> xhat;
  if (this->is_training()) {
    if (n < 2)
      throw ValueError(this->describe() +
                       ": training mode needs more than one row per batch to estimate a "
                       "variance, got input of shape " +
                       x.shape().str());
    const TensorT<T> mu = mean(x, 0, /*keepdims=*/true);  // (1, C)
    const TensorT<T> d = x - mu;
    const TensorT<T> var = mean(d * d, 0, /*keepdims=*/true);  // biased: what the batch is normalised with
    xhat = d / sqrt(var + static_cast<T>(eps));

    // Running estimates (not part of the graph). The variance is re-scaled to the unbiased n / (n - 1) form.
    NoGradGuard no_grad;
    const T m = static_cast<T>(momentum);
    const T unbias = static_cast<T>(double(n) / double(n - 1));
    T* rm = running_mean.mutable_data();
    T* rv = running_var.mutable_data();
    for (std::size_t c = 0; c < num_features; ++c) {
      rm[c] = (T(1) - m) * rm[c] + m * mu.data()[c];
      rv[c] = (T(1) - m) * rv[c] + m * var.data()[c] * unbias;
    }
  } else {
    // Fresh constants, so a later training step that updates the running statistics in place does not invalidate
    // a graph recorded in evaluation mode.
    TensorT<T> scale = TensorT<T>::empty({num_features}), shift = TensorT<T>::empty({num_features});
    T* s = scale.mutable_data();
    T* b = shift.mutable_data();
    for (std::size_t c = 0; c < num_features; ++c) {
      s[c] = static_cast<T>(T(1) / std::sqrt(running_var.data()[c] + static_cast<T>(eps)));
      b[c] = -running_mean.data()[c] * s[c];
    }
    xhat = x * scale + shift;
  }
  return weight.defined() ? xhat * weight + bias : xhat;
}

template <class T>
std::string BatchNorm1d<T>::extra_repr() const {
  std::ostringstream os;
  os << num_features << ", eps=" << eps << ", momentum=" << momentum
     << ", affine=" << (weight.defined() ? "true" : "false");
  return os.str();
}

template class BatchNorm1d<float>;
template class BatchNorm1d<double>;

}  // namespace ad::nn

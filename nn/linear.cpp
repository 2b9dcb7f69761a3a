#include "nn/linear.h"

#include <cmath>

#include "nn/init.h"

namespace ad::nn {

template <class T>
Linear<T>::Linear(std::size_t in, std::size_t out, bool with_bias) : in_features(in), out_features(out) {
  if (in == 0 || out == 0)
    throw ValueError("Linear: in_features and out_features must be positive, got " + std::to_string(in) + " and " +
                     std::to_string(out));
  weight = this->register_parameter("weight", TensorT<T>::empty({in, out}));
  if (with_bias) bias = this->register_parameter("bias", TensorT<T>::empty({out}));
  reset_parameters();
}

template <class T>
void Linear<T>::reset_parameters() {
  const double bound = 1.0 / std::sqrt(double(in_features));
  init::uniform_(weight, -bound, bound);
  if (bias.defined()) init::uniform_(bias, -bound, bound);
}

template <class T>
TensorT<T> Linear<T>::forward(const TensorT<T>& x) {
  if (x.dim() == 0 || x.shape()[x.dim() - 1] != in_features)
    throw ShapeError(this->describe() + ": input of shape " + x.shape().str() + " does not end in " +
                     std::to_string(in_features) + " features (weight shape " + weight.shape().str() + ")");
  return linear(x, weight, bias);  // fused x W + b: one GEMM with the bias pre-filled
}

template <class T>
std::string Linear<T>::extra_repr() const {
  return "in_features=" + std::to_string(in_features) + ", out_features=" + std::to_string(out_features) +
         ", bias=" + (bias.defined() ? "true" : "false");
}

template class Linear<float>;
template class Linear<double>;

}  // namespace ad::nn

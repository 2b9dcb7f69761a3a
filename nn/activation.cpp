#include "nn/activation.h"

#include <sstream>

namespace ad::nn {
namespace {
std::string num(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}
}  // namespace

template <class T>
TensorT<T> Sigmoid<T>::forward(const TensorT<T>& x) {
  return sigmoid(x);
}
template <class T>
TensorT<T> Tanh<T>::forward(const TensorT<T>& x) {
  return tanh(x);
}
template <class T>
TensorT<T> ReLU<T>::forward(const TensorT<T>& x) {
  return relu(x);
}
template <class T>
TensorT<T> SiLU<T>::forward(const TensorT<T>& x) {
  return silu(x);
}
template <class T>
GELU<T>::GELU(std::string approximate) : approximate(std::move(approximate)) {
  if (this->approximate != "none" && this->approximate != "tanh")
    throw ValueError("GELU: approximate must be \"none\" or \"tanh\", got \"" + this->approximate + "\"");
}
template <class T>
TensorT<T> GELU<T>::forward(const TensorT<T>& x) {
  return gelu(x, approximate);
}
template <class T>
TensorT<T> Identity<T>::forward(const TensorT<T>& x) {
  return x;
}
template <class T>
TensorT<T> Heaviside<T>::forward(const TensorT<T>& x) {
  return heaviside(x);
}

template <class T>
TensorT<T> LeakyReLU<T>::forward(const TensorT<T>& x) {
  return leaky_relu(x, static_cast<T>(negative_slope));
}
template <class T>
std::string LeakyReLU<T>::extra_repr() const {
  return "negative_slope=" + num(negative_slope);
}

template <class T>
TensorT<T> ELU<T>::forward(const TensorT<T>& x) {
  return elu(x, static_cast<T>(alpha));
}
template <class T>
std::string ELU<T>::extra_repr() const {
  return "alpha=" + num(alpha);
}

template <class T>
TensorT<T> Softplus<T>::forward(const TensorT<T>& x) {
  return softplus(x, static_cast<T>(beta), static_cast<T>(threshold));
}
template <class T>
std::string Softplus<T>::extra_repr() const {
  return "beta=" + num(beta) + ", threshold=" + num(threshold);
}

template <class T>
TensorT<T> Softmax<T>::forward(const TensorT<T>& x) {
  return softmax(x, axis);
}
template <class T>
TensorT<T> LogSoftmax<T>::forward(const TensorT<T>& x) {
  return log_softmax(x, axis);
}

#define AD_NN_INSTANTIATE(T)   \
  template class Sigmoid<T>;   \
  template class Tanh<T>;      \
  template class ReLU<T>;      \
  template class Identity<T>;  \
  template class Heaviside<T>; \
  template class SiLU<T>;      \
  template class GELU<T>;      \
  template class LeakyReLU<T>; \
  template class ELU<T>;       \
  template class Softplus<T>;  \
  template class Softmax<T>;   \
  template class LogSoftmax<T>;
AD_NN_INSTANTIATE(float)
AD_NN_INSTANTIATE(double)
#undef AD_NN_INSTANTIATE

}  // namespace ad::nn

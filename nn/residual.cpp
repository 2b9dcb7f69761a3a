#include "nn/residual.h"

#include <cmath>
#include <sstream>

#include "nn/activation.h"
#include "nn/init.h"

namespace ad::nn {

template <class T>
Residual<T>::Residual(std::size_t n, double h, std::shared_ptr<Module<T>> act) : features(n), h(h) {
  if (n == 0) throw ValueError("Residual: features must be positive");
  weight = this->register_parameter("weight", TensorT<T>::empty({n, n}));
  bias = this->register_parameter("bias", TensorT<T>::empty({n}));
  activation = this->register_module("act", act ? std::move(act) : std::make_shared<Tanh<T>>());
  reset_parameters();
}

template <class T>
void Residual<T>::reset_parameters() {
  const double bound = 1.0 / std::sqrt(double(features));
  init::uniform_(weight, -bound, bound);
  init::uniform_(bias, -bound, bound);
}

template <class T>
TensorT<T> Residual<T>::forward(const TensorT<T>& x) {
  if (x.dim() == 0 || x.shape()[x.dim() - 1] != features)
    throw ShapeError(this->describe() + ": input of shape " + x.shape().str() + " does not end in " +
                     std::to_string(features) + " features");
  return x + (*activation)(matmul(x, weight) + bias) * static_cast<T>(h);
}

template <class T>
std::string Residual<T>::extra_repr() const {
  std::ostringstream os;
  os << "features=" << features << ", h=" << h;
  return os.str();
}

template class Residual<float>;
template class Residual<double>;

}  // namespace ad::nn

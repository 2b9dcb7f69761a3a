// Residual: the ResNet-style layer of the course notebook,
//
//   y = x + h * act(x W + b),   W (features, features), b (features),
//
// the forward-Euler step of the ODE dy/dt = act(y W + b) with step length h. The skip connection gives every layer
// an identity path, so gradients reach early layers undiminished however deep the stack; a small h keeps each layer
// close to the identity. The input and output have the same width. act defaults to tanh (a Tanh module); any
// parameter-free module (ReLU, Identity, ...) can be passed instead. W and b start like Linear's,
// U(-1/sqrt(features), 1/sqrt(features)).
#pragma once
#include <cstddef>
#include <memory>
#include <string>

#include "nn/module.h"

namespace ad::nn {

template <class T = float>
class Residual : public Module<T> {
 public:
  explicit Residual(std::size_t features, double h = 1.0, std::shared_ptr<Module<T>> activation = nullptr);

  TensorT<T> forward(const TensorT<T>& x) override;
  std::string name() const override { return "Residual"; }
  std::string extra_repr() const override;
  void reset_parameters();

  std::size_t features;
  double h;
  TensorT<T> weight;                      // (features, features)
  TensorT<T> bias;                        // (features)
  std::shared_ptr<Module<T>> activation;  // registered as the submodule "act"
};

// nn::Residual(4, 0.1, std::make_shared<nn::ReLU<double>>()) is a Residual<double>.
template <class A>
Residual(std::size_t, double, std::shared_ptr<A>) -> Residual<typename A::value_type>;

extern template class Residual<float>;
extern template class Residual<double>;

}  // namespace ad::nn

// Activation layers: modules wrapping the elementwise (and softmax) functions of the core, so they can be stacked in
// a Sequential. The function forms are the core's own: ad::sigmoid, ad::tanh, ad::relu, ad::leaky_relu, ad::elu,
// ad::softplus, ad::softmax, ad::log_softmax, ad::heaviside. None has parameters.
//
//   Sigmoid     s(x) = 1 / (1 + e^-x)                          s' = s (1 - s)
//   Tanh        tanh(x)                                         tanh' = 1 - tanh^2
//   ReLU        max(x, 0)                                       1 for x > 0, else 0
//   LeakyReLU   x for x > 0, slope * x otherwise                1 or slope
//   ELU         x for x > 0, alpha (e^x - 1) otherwise          1 or alpha e^x
//   Softplus    log(1 + e^(beta x)) / beta (x above threshold)  sigmoid(beta x)
//   Softmax     e^x_i / sum_j e^x_j along an axis (default: the last, one distribution per row)
//   LogSoftmax  x_i - log sum_j e^x_j (stable; pair it with nll_loss, or use cross_entropy on the logits)
//   SiLU        x sigmoid(x) (swish)                            s (1 + x (1 - s)), s = sigmoid(x)
//   GELU        x Phi(x), Phi the standard normal CDF;          Phi(x) + x phi(x)
//               GELU("tanh") uses 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), as PyTorch's approximate="tanh"
//   Identity    x (stands for "no activation", e.g. in a Residual block)
//   Heaviside   1 for x > 0, else 0: the perceptron's step. Forward-only: its derivative is 0 wherever it exists, so
//               no gradient flows through it (train perceptrons with the perceptron rule, not backward()).
#pragma once
#include <string>

#include "nn/module.h"

namespace ad::nn {

#define AD_NN_ACTIVATION(NAME)                          \
  template <class T = float>                            \
  class NAME : public Module<T> {                       \
   public:                                              \
    TensorT<T> forward(const TensorT<T>& x) override;   \
    std::string name() const override { return #NAME; } \
  };
AD_NN_ACTIVATION(Sigmoid)
AD_NN_ACTIVATION(Tanh)
AD_NN_ACTIVATION(ReLU)
AD_NN_ACTIVATION(SiLU)
AD_NN_ACTIVATION(Identity)
AD_NN_ACTIVATION(Heaviside)
#undef AD_NN_ACTIVATION

template <class T = float>
class LeakyReLU : public Module<T> {
 public:
  explicit LeakyReLU(double negative_slope = 0.01) : negative_slope(negative_slope) {}
  TensorT<T> forward(const TensorT<T>& x) override;
  std::string name() const override { return "LeakyReLU"; }
  std::string extra_repr() const override;
  double negative_slope;
};

template <class T = float>
class GELU : public Module<T> {
 public:
  // approximate: "none" (the exact form, PyTorch's default) or "tanh"; ValueError otherwise.
  explicit GELU(std::string approximate = "none");
  TensorT<T> forward(const TensorT<T>& x) override;
  std::string name() const override { return "GELU"; }
  std::string extra_repr() const override { return "approximate='" + approximate + "'"; }
  std::string approximate;
};

template <class T = float>
class ELU : public Module<T> {
 public:
  explicit ELU(double alpha = 1.0) : alpha(alpha) {}
  TensorT<T> forward(const TensorT<T>& x) override;
  std::string name() const override { return "ELU"; }
  std::string extra_repr() const override;
  double alpha;
};

template <class T = float>
class Softplus : public Module<T> {
 public:
  // beta must be positive (ValueError at forward otherwise).
  explicit Softplus(double beta = 1.0, double threshold = 20.0) : beta(beta), threshold(threshold) {}
  TensorT<T> forward(const TensorT<T>& x) override;
  std::string name() const override { return "Softplus"; }
  std::string extra_repr() const override;
  double beta, threshold;
};

template <class T = float>
class Softmax : public Module<T> {
 public:
  explicit Softmax(int axis = -1) : axis(axis) {}
  TensorT<T> forward(const TensorT<T>& x) override;
  std::string name() const override { return "Softmax"; }
  std::string extra_repr() const override { return "axis=" + std::to_string(axis); }
  int axis;
};

template <class T = float>
class LogSoftmax : public Module<T> {
 public:
  explicit LogSoftmax(int axis = -1) : axis(axis) {}
  TensorT<T> forward(const TensorT<T>& x) override;
  std::string name() const override { return "LogSoftmax"; }
  std::string extra_repr() const override { return "axis=" + std::to_string(axis); }
  int axis;
};

#define AD_NN_EXTERN(T)               \
  extern template class Sigmoid<T>;   \
  extern template class Tanh<T>;      \
  extern template class ReLU<T>;      \
  extern template class Identity<T>;  \
  extern template class Heaviside<T>; \
  extern template class SiLU<T>;      \
  extern template class GELU<T>;      \
  extern template class LeakyReLU<T>; \
  extern template class ELU<T>;       \
  extern template class Softplus<T>;  \
  extern template class Softmax<T>;   \
  extern template class LogSoftmax<T>;
AD_NN_EXTERN(float)
AD_NN_EXTERN(double)
#undef AD_NN_EXTERN

}  // namespace ad::nn

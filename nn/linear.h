// Linear (alias Dense): the affine layer y = x W + b.
//
// Row-vector convention (as in the course material): an input row x of in_features values maps to a row of
// out_features values, and a batch is a matrix with one example per row, so X (batch, in) -> X W + b (batch, out)
// with W of shape (in, out) and b of shape (out) broadcast over the rows. A 1-D input (in) gives a 1-D output (out),
// a 3-D input (groups, batch, in) gives (groups, batch, out).
//
// Default initialisation (reset_parameters) is PyTorch's: W and b ~ U(-1/sqrt(in), 1/sqrt(in)). For W this is
// Kaiming-uniform with a = sqrt(5) (Var = 1 / (3 in)); it keeps pre-activations O(1) for any width. For tanh or
// sigmoid networks, init::xavier_uniform_(layer.weight) is the classical alternative; for deep ReLU networks,
// init::kaiming_normal_(layer.weight).
#pragma once
#include <cstddef>
#include <string>

#include "nn/module.h"

namespace ad::nn {

template <class T = float>
class Linear : public Module<T> {
 public:
  Linear(std::size_t in_features, std::size_t out_features, bool bias = true);

  TensorT<T> forward(const TensorT<T>& x) override;
  std::string name() const override { return "Linear"; }
  std::string extra_repr() const override;
  // Redraws W and b from the default distribution (using ad::generator()).
  void reset_parameters();

  std::size_t in_features, out_features;
  TensorT<T> weight;  // (in_features, out_features)
  TensorT<T> bias;    // (out_features); undefined when constructed with bias = false
};

// Dense is Linear under the name used by Keras and much of the course material.
template <class T = float>
class Dense : public Linear<T> {
 public:
  Dense(std::size_t in_features, std::size_t out_features, bool bias = true)
      : Linear<T>(in_features, out_features, bias) {}
  std::string name() const override { return "Dense"; }
};

extern template class Linear<float>;
extern template class Linear<double>;

}  // namespace ad::nn

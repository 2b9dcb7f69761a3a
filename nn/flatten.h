// Flatten and Unflatten.
//
// Flatten: merges axes start_dim..end_dim into one (negative axes count from the end), as torch.nn.Flatten; the
// defaults keep the batch axis, so (N, C, H, W) becomes (N, C H W) for a Linear layer after convolutions.
#pragma once
#include <string>
#include <vector>

#include "nn/module.h"

namespace ad::nn {

template <class T = float>
class Flatten : public Module<T> {
 public:
  explicit Flatten(int start_dim = 1, int end_dim = -1) : start_dim(start_dim), end_dim(end_dim) {}
  TensorT<T> forward(const TensorT<T>& x) override { return flatten(x, start_dim, end_dim); }
  std::string name() const override { return "Flatten"; }
  std::string extra_repr() const override {
    return "start_dim=" + std::to_string(start_dim) + ", end_dim=" + std::to_string(end_dim);
  }
  int start_dim, end_dim;
};

// Unflatten: splits axis `dim` into `sizes` (their product must be its size), as torch.nn.Unflatten; e.g.
// Unflatten(1, {1, 28, 28}) turns rows of 784 pixels (N, 784) into images (N, 1, 28, 28).
template <class T = float>
class Unflatten : public Module<T> {
 public:
  Unflatten(int dim, std::vector<std::size_t> sizes) : dim(dim), sizes(std::move(sizes)) {}
  TensorT<T> forward(const TensorT<T>& x) override {
    const std::size_t r = x.dim();
    const long long d = dim < 0 ? dim + static_cast<long long>(r) : dim;
    std::size_t prod = 1;
    for (std::size_t s : sizes) prod *= s;
    if (d < 0 || d >= static_cast<long long>(r) || x.shape()[static_cast<std::size_t>(d)] != prod)
      throw ShapeError(this->describe() + ": cannot split axis " + std::to_string(dim) + " of the input of shape " +
                       x.shape().str() + " into sizes whose product is " + std::to_string(prod));
    Shape s;
    for (std::size_t a = 0; a < r; ++a)
      if (a == static_cast<std::size_t>(d))
        for (std::size_t v : sizes) s.push_back(v);
      else
        s.push_back(x.shape()[a]);
    return reshape(x, s);
  }
  std::string name() const override { return "Unflatten"; }
  std::string extra_repr() const override {
    std::string s = "dim=" + std::to_string(dim) + ", unflattened_size=(";
    for (std::size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
    return s + ")";
  }
  int dim;
  std::vector<std::size_t> sizes;
};

}  // namespace ad::nn

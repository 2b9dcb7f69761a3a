// Dropout (Srivastava et al. 2014), inverted form: in training mode each element is zeroed with probability p and
// the kept ones are scaled by 1 / (1 - p), so E[y] = x and the layer is the identity in evaluation mode (no
// rescaling needed at test time). The mask is drawn from ad::generator() (seed with ad::manual_seed) and enters the
// graph as a constant: dy/dx = mask / (1 - p).
#pragma once
#include <string>

#include "nn/module.h"

namespace ad::nn {

// Functional form: y = x * mask / (1 - p) when training, x otherwise. ValueError unless 0 <= p < 1.
template <class T>
TensorT<T> dropout(const TensorT<T>& x, double p, bool training = true);

template <class T = float>
class Dropout : public Module<T> {
 public:
  // ValueError unless 0 <= p < 1 (p = 1 would drop everything and divide by zero).
  explicit Dropout(double p = 0.5);
  TensorT<T> forward(const TensorT<T>& x) override;
  std::string name() const override { return "Dropout"; }
  std::string extra_repr() const override;
  double p;
};

// Dropout2d (Tompson et al. 2015): zeroes whole channels, each with probability p, and scales the kept ones by
// 1 / (1 - p): neighbouring pixels of a feature map are strongly correlated, so dropping single pixels regularises
// little. Input (N, C, H, W), one draw per (n, c); or unbatched (C, H, W), one draw per channel.
template <class T>
TensorT<T> dropout2d(const TensorT<T>& x, double p, bool training = true);

template <class T = float>
class Dropout2d : public Module<T> {
 public:
  // ValueError unless 0 <= p < 1.
  explicit Dropout2d(double p = 0.5);
  TensorT<T> forward(const TensorT<T>& x) override;
  std::string name() const override { return "Dropout2d"; }
  std::string extra_repr() const override;
  double p;
};

extern template class Dropout<float>;
extern template class Dropout<double>;
extern template class Dropout2d<float>;
extern template class Dropout2d<double>;

}  // namespace ad::nn

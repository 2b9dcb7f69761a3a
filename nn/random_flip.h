// RandomHorizontalFlip: data augmentation as a layer (Keras's RandomFlip("horizontal"), torchvision's
// RandomHorizontalFlip(p)): in training mode each image of the batch is mirrored left-right with probability p
// (draws from ad::generator()); in evaluation mode it is the identity. Input (N, C, H, W), or (N, ..., W) in general:
// the last axis is reversed for the chosen rows of axis 0. Put it first in a model (after an Unflatten), so that
// evaluation sees the images as they are.
#pragma once
#include <string>

#include "nn/module.h"

namespace ad::nn {

template <class T = float>
class RandomHorizontalFlip : public Module<T> {
 public:
  // ValueError unless 0 <= p <= 1.
  explicit RandomHorizontalFlip(double p = 0.5);
  TensorT<T> forward(const TensorT<T>& x) override;
  std::string name() const override { return "RandomHorizontalFlip"; }
  std::string extra_repr() const override;
  double p;
};

extern template class RandomHorizontalFlip<float>;
extern template class RandomHorizontalFlip<double>;

}  // namespace ad::nn

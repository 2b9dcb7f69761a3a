#include "nn/sequential.h"

namespace ad::nn {

template <class T>
Sequential<T>& Sequential<T>::append(std::shared_ptr<Module<T>> layer) {
  this->register_module(std::to_string(layers_.size()), layer);
  layers_.push_back(std::move(layer));
  return *this;
}

template <class T>
TensorT<T> Sequential<T>::forward(const TensorT<T>& x) {
  TensorT<T> y = x;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    try {
      y = (*layers_[i])(y);  // through operator(): the layer's forward hooks run
    } catch (const ShapeError& e) {
      // A layer only knows its own shapes; say where in the chain the mismatch is (e.g. two Linear widths that
      // do not line up), keeping the layer's message with both shapes.
      throw ShapeError("Sequential: layer " + std::to_string(i) + " of " + std::to_string(layers_.size()) + ": " +
                       e.what());
    }
  }
  return y;
}

template <class T>
const std::shared_ptr<Module<T>>& Sequential<T>::operator[](std::size_t i) const {
  if (i >= layers_.size())
    throw IndexError("Sequential: layer index " + std::to_string(i) + " is out of range for " +
                     std::to_string(layers_.size()) + " layers");
  return layers_[i];
}

template class Sequential<float>;
template class Sequential<double>;

}  // namespace ad::nn

// Lambda: a module made from any function of a tensor, so that a step with no module of its own (a reshape, a
// custom activation, a scaling) can sit in a Sequential, as Keras's Lambda layer.
//
//   auto model = nn::Sequential(nn::Linear(4, 8), nn::Lambda<>([](const Tensor& x) { return x * sigmoid(x); }),
//                               nn::Linear(8, 1));
//
// It has no parameters: tensors the function captures are not trained, saved or moved by the module.
#pragma once
#include <functional>
#include <string>
#include <utility>

#include "autodiff/error.h"
#include "nn/module.h"

namespace ad::nn {

template <class T = float>
class Lambda : public Module<T> {
 public:
  using Fn = std::function<TensorT<T>(const TensorT<T>&)>;
  // `label` is what printing the module shows: Lambda(swish).
  explicit Lambda(Fn fn, std::string label = "") : fn_(std::move(fn)), label_(std::move(label)) {
    if (!fn_) throw ValueError("Lambda: the function is empty");
  }
  TensorT<T> forward(const TensorT<T>& x) override { return fn_(x); }
  std::string name() const override { return "Lambda"; }
  std::string extra_repr() const override { return label_; }

 private:
  Fn fn_;
  std::string label_;
};

}  // namespace ad::nn

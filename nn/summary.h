// summary(model, input_shape): the table Keras's model.summary() and torchinfo print. One row per submodule, in
// registration order and indented by depth: its dotted name and type, the shape of its output for an input of
// `input_shape` (batch dimension included, as torchinfo's input_size), and its parameter count (its own for a leaf,
// its whole subtree's for a container). Then the totals: trainable parameters (requires_grad), non-trainable ones
// (frozen), buffers (saved in checkpoints, not trained: BatchNorm's running statistics) and the parameters' size.
//
//   std::cout << nn::summary(model, Shape{32, 64});
//
// The output shapes come from one forward pass of zeros, in evaluation mode and without recording (the mode is
// restored afterwards), through forward hooks; a submodule that forward() does not call shows "--", one it calls
// twice the shape of its last call. A model that
// rejects the input shape throws the model's own ShapeError.
#pragma once
#include <string>

#include "autodiff/shape.h"
#include "nn/module.h"

namespace ad::nn {

template <class T>
std::string summary(Module<T>& model, const Shape& input_shape);

extern template std::string summary(Module<float>&, const Shape&);
extern template std::string summary(Module<double>&, const Shape&);

}  // namespace ad::nn

// Named tensors: (name, tensor) pairs in a stable order. Module parameters, optimizer state and checkpoint
// contents are all exchanged in this form (like a PyTorch state_dict).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "autodiff/tensor.h"

namespace ad {

template <class T>
using NamedTensors = std::vector<std::pair<std::string, TensorT<T>>>;

}  // namespace ad

#include "data/one_hot.h"

#include <string>

#include "autodiff/error.h"

namespace ad::data {

Tensor one_hot(const std::vector<std::size_t>& labels, std::size_t num_classes) {
  if (num_classes == 0) throw ValueError("one_hot: num_classes must be > 0");
  Tensor out = Tensor::zeros({labels.size(), num_classes});
  float* z = out.mutable_data();
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] >= num_classes)
      throw IndexError("one_hot: label " + std::to_string(labels[i]) + " at position " + std::to_string(i) +
                       " is out of range for " + std::to_string(num_classes) + " classes");
    z[i * num_classes + labels[i]] = 1.0f;
  }
  return out;
}

Tensor binary_targets(const std::vector<std::size_t>& labels) {
  Tensor out = Tensor::empty({labels.size(), 1});
  float* z = out.mutable_data();
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] > 1)
      throw ValueError("binary_targets: label " + std::to_string(labels[i]) + " at position " + std::to_string(i) +
                       " is not 0 or 1");
    z[i] = static_cast<float>(labels[i]);
  }
  return out;
}

}  // namespace ad::data

// Pooling layers over NCHW images (or unbatched CHW), with PyTorch's names, arguments and defaults; they hold no
// parameters. stride 0 means the kernel size (PyTorch's stride=None). The ops are in autodiff/conv.h.
//   MaxPool2d(kernel_size, stride = kernel_size, padding = 0, dilation = 1, ceil_mode = false)
//   AvgPool2d(kernel_size, stride = kernel_size, padding = 0, ceil_mode = false, count_include_pad = true,
//             divisor_override = none)
//   AdaptiveAvgPool2d(output_size): any input size to output_size (1 = global average pooling).
#pragma once
#include <string>

#include "autodiff/conv.h"
#include "nn/module.h"

namespace ad::nn {

template <class T = float>
class MaxPool2d : public Module<T> {
 public:
  explicit MaxPool2d(Size2 kernel_size, Size2 stride = 0, Size2 padding = 0, Size2 dilation = 1,
                     bool ceil_mode = false);
  TensorT<T> forward(const TensorT<T>& x) override;
  std::string name() const override { return "MaxPool2d"; }
  std::string extra_repr() const override;
  Size2 kernel_size, stride, padding, dilation;
  bool ceil_mode;
};

template <class T = float>
class AvgPool2d : public Module<T> {
 public:
  explicit AvgPool2d(Size2 kernel_size, Size2 stride = 0, Size2 padding = 0, bool ceil_mode = false,
                     bool count_include_pad = true, long long divisor_override = 0);
  TensorT<T> forward(const TensorT<T>& x) override;
  std::string name() const override { return "AvgPool2d"; }
  std::string extra_repr() const override;
  Size2 kernel_size, stride, padding;
  bool ceil_mode, count_include_pad;
  long long divisor_override;
};

template <class T = float>
class AdaptiveAvgPool2d : public Module<T> {
 public:
  explicit AdaptiveAvgPool2d(Size2 output_size);
  TensorT<T> forward(const TensorT<T>& x) override;
  std::string name() const override { return "AdaptiveAvgPool2d"; }
  std::string extra_repr() const override;
  Size2 output_size;
};

extern template class MaxPool2d<float>;
extern template class MaxPool2d<double>;
extern template class AvgPool2d<float>;
extern template class AvgPool2d<double>;
extern template class AdaptiveAvgPool2d<float>;
extern template class AdaptiveAvgPool2d<double>;

}  // namespace ad::nn

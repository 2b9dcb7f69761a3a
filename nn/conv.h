// Conv2d: a 2-D convolution layer over NCHW images, with PyTorch's arguments, defaults, parameter names and
// layouts: weight (out_channels, in_channels / groups, kh, kw), bias (out_channels). A checkpoint stores them under
// "weight" and "bias" in that layout, so they load into torch.nn.Conv2d (or NumPy) unchanged.
//
// Default initialisation (reset_parameters) is PyTorch's: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
// fan_in = in_channels / groups * kh * kw (Kaiming-uniform with a = sqrt(5)). Note that nn::init's fan helpers
// assume this library's Linear layout (in, out, ...); for a conv weight, fan_in is the product of axes 1, 2, 3.
//
// padding: sizes, or "valid" / "same"; padding_mode "zeros" (default), "reflect", "replicate" or "circular" pads the
// input with ad::pad first, as PyTorch does.
#pragma once
#include <cstddef>
#include <string>

#include "autodiff/conv.h"
#include "nn/module.h"

namespace ad::nn {

template <class T = float>
class Conv2d : public Module<T> {
 public:
  Conv2d(std::size_t in_channels, std::size_t out_channels, Size2 kernel_size, Size2 stride = 1,
         ConvPadding padding = 0, Size2 dilation = 1, std::size_t groups = 1, bool bias = true,
         const std::string& padding_mode = "zeros");

  TensorT<T> forward(const TensorT<T>& x) override;
  std::string name() const override { return "Conv2d"; }
  std::string extra_repr() const override;
  // Redraws weight and bias from the default distribution (using ad::generator()).
  void reset_parameters();

  std::size_t in_channels, out_channels, groups;
  Size2 kernel_size, stride, dilation;
  ConvPadding padding;
  std::string padding_mode;
  TensorT<T> weight;  // (out_channels, in_channels / groups, kh, kw)
  TensorT<T> bias;    // (out_channels); undefined when constructed with bias = false
};

extern template class Conv2d<float>;
extern template class Conv2d<double>;

}  // namespace ad::nn

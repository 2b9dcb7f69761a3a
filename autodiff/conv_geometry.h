// The geometry of a 2-D convolution or pooling window over NCHW images, and its validation: the one place that
// turns PyTorch-style arguments into sizes and names the problem (op, shapes, parameter) when they do not fit.
#pragma once
#include <cstddef>
#include <string>

#include "autodiff/conv.h"
#include "autodiff/shape.h"

namespace ad::detail {

struct ConvGeom {
  std::size_t N, C, H, W;  // input (a 3-D input is N = 1)
  std::size_t O;           // output channels (pooling: C)
  std::size_t KH, KW, SH, SW, PH, PW, DH, DW;
  std::size_t G;       // groups (pooling: 1)
  std::size_t OH, OW;  // output size
  bool pointwise() const { return KH == 1 && KW == 1 && SH == 1 && SW == 1 && PH == 0 && PW == 0; }
  Shape x_shape() const { return {N, C, H, W}; }
  Shape w_shape() const { return {O, C / G, KH, KW}; }
  Shape y_shape() const { return {N, O, OH, OW}; }
};

// conv2d: x (N, C, H, W) or (C, H, W); weight (O, C / groups, kh, kw); bias (O) when has_bias.
ConvGeom conv_geometry(const char* op, const Shape& x, const Shape& weight, bool has_bias, const Shape& bias,
                       Size2 stride, Size2 padding, Size2 dilation, long long groups);

// Pooling windows: stride 0 means the kernel size; padding at most half the kernel (as PyTorch); ceil_mode rounds
// the output size up, dropping a last window that would start in the right/bottom padding.
ConvGeom pool_geometry(const char* op, const Shape& x, Size2 kernel, Size2 stride, Size2 padding, Size2 dilation,
                       bool ceil_mode);

}  // namespace ad::detail

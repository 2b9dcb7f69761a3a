// Ops of convolutional networks on NCHW images, with the names, arguments, defaults and semantics of PyTorch's
// torch.nn.functional: conv2d, max_pool2d, avg_pool2d, adaptive_avg_pool2d and pad. Each takes a 4-D batch
// (N, C, H, W) or, as PyTorch, a 3-D unbatched image (C, H, W), and is differentiable to any order (gradcheck and
// gradgradcheck over random geometries in tests/test_conv.cpp).
//
//   conv2d:     y[n, o, i, j] = b[o] + sum_{c in group(o), p, q} w[o, c, p, q] x[n, c, i s_h - pad_h + p d_h,
//                                                                                 j s_w - pad_w + q d_w]
//               (zero outside the image), output size H_out = floor((H + 2 pad_h - d_h (k_h - 1) - 1) / s_h) + 1.
//   max_pool2d: the maximum over each window (padding counts as -inf); the gradient goes to the window's first
//               maximal element in row-major order, and a NaN in a window is its maximum, as in PyTorch.
//   avg_pool2d: the window's sum divided by the window size (count_include_pad, PyTorch's default) or by the number
//               of elements inside the image, or by divisor_override.
//   adaptive_avg_pool2d: output cell (i, j) averages rows [floor(i H / oh), ceil((i + 1) H / oh)) and the
//               corresponding columns, so any input size maps to the requested output size.
//   pad:        PyTorch's F.pad: (left, right, top, bottom, ...) pairs from the last axis backwards; modes
//               "constant" (value; negative amounts crop), "reflect", "replicate", "circular".
//
// Bad geometry (wrong rank, channel counts that do not match the weight or the groups, a kernel larger than the
// padded input, zero stride or dilation, negative padding) throws ShapeError or ValueError naming the op, the
// shapes and the parameter. The implementation (im2col + GEMM, see ops_conv.cpp) and its measurements are
// described in docs/design.md, "Convolutions".
#pragma once
#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

#include "autodiff/tensor.h"

namespace ad {

// A size along (height, width); one number means the same along both (PyTorch's int-or-tuple arguments). Signed,
// so that a negative argument is reported by the op rather than wrapped around.
struct Size2 {
  long long h, w;
  template <class I, std::enable_if_t<std::is_integral_v<I>, int> = 0>
  Size2(I v) : h(static_cast<long long>(v)), w(static_cast<long long>(v)) {}  // NOLINT: conv2d(x, w, b, 2)
  Size2(long long h_, long long w_) : h(h_), w(w_) {}
};

// conv2d's padding: sizes, or "valid" (none) or "same" (output size = input size; stride 1 only; an odd total goes
// to the bottom/right, as PyTorch).
struct ConvPadding : Size2 {
  using Size2::Size2;
  ConvPadding(Size2 s) : Size2(s) {}                        // NOLINT
  ConvPadding(const char* m) : Size2(0), mode(m) {}         // NOLINT
  ConvPadding(const std::string& m) : Size2(0), mode(m) {}  // NOLINT
  std::string mode;                                         // empty for explicit sizes
};

// bias may be an undefined tensor (no bias). weight: (out_channels, in_channels / groups, kh, kw); bias: (out).
template <class T>
TensorT<T> conv2d(const TensorT<T>& x, const TensorT<T>& weight, const TensorT<T>& bias = {}, Size2 stride = 1,
                  ConvPadding padding = 0, Size2 dilation = 1, long long groups = 1);

// stride defaults to the kernel size (pass 0 for that, as PyTorch's stride=None); padding at most half the kernel.
template <class T>
TensorT<T> max_pool2d(const TensorT<T>& x, Size2 kernel_size, Size2 stride = 0, Size2 padding = 0, Size2 dilation = 1,
                      bool ceil_mode = false);
// divisor_override 0: none.
template <class T>
TensorT<T> avg_pool2d(const TensorT<T>& x, Size2 kernel_size, Size2 stride = 0, Size2 padding = 0,
                      bool ceil_mode = false, bool count_include_pad = true, long long divisor_override = 0);
template <class T>
TensorT<T> adaptive_avg_pool2d(const TensorT<T>& x, Size2 output_size);

template <class T>
TensorT<T> pad(const TensorT<T>& x, const std::vector<long long>& pads, const std::string& mode = "constant",
               double value = 0);

}  // namespace ad

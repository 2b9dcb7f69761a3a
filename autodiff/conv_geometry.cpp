#include "autodiff/conv_geometry.h"

#include "autodiff/error.h"

namespace ad::detail {
namespace {

std::string pair_str(Size2 s) { return "(" + std::to_string(s.h) + ", " + std::to_string(s.w) + ")"; }

void check_image(const char* op, const Shape& x) {
  if (x.rank() != 3 && x.rank() != 4)
    throw ShapeError(std::string(op) + ": expected a 4-D input (N, C, H, W) or a 3-D one (C, H, W), got shape " +
                     x.str() + " (rank " + std::to_string(x.rank()) + ")");
}

void check_at_least(const char* op, const char* what, Size2 s, long long least) {
  if (s.h < least || s.w < least)
    throw ValueError(std::string(op) + ": " + what + " must be at least " + std::to_string(least) + ", got " +
                     pair_str(s));
}

// floor((n + 2 p - d (k - 1) - 1) / s) + 1, or the ceiling variant; the caller has checked that the window fits.
std::size_t out_size(long long n, long long k, long long s, long long p, long long d, bool ceil_mode) {
  const long long span = n + 2 * p - d * (k - 1) - 1;
  long long o = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
  if (ceil_mode && (o - 1) * s >= n + p) --o;  // the last window must start inside the image or the left padding
  return static_cast<std::size_t>(o);
}

// Fills the spatial part of g; ShapeError when the (dilated) kernel is larger than the padded input.
void window(const char* op, const Shape& x, Size2 kernel, Size2 stride, Size2 padding, Size2 dilation, bool ceil_mode,
            ConvGeom& g) {
  check_at_least(op, "stride", stride, 1);
  check_at_least(op, "dilation", dilation, 1);
  check_at_least(op, "padding", padding, 0);
  const long long H = static_cast<long long>(g.H), W = static_cast<long long>(g.W);
  const long long eh = dilation.h * (kernel.h - 1) + 1, ew = dilation.w * (kernel.w - 1) + 1;
  if (eh > H + 2 * padding.h || ew > W + 2 * padding.w)
    throw ShapeError(std::string(op) + ": kernel size " + pair_str(kernel) +
                     (dilation.h > 1 || dilation.w > 1 ? " with dilation " + pair_str(dilation) : std::string()) +
                     " is larger than the padded input: input shape " + x.str() + ", padding " + pair_str(padding) +
                     " gives " + std::to_string(H + 2 * padding.h) + " x " + std::to_string(W + 2 * padding.w));
  g.KH = static_cast<std::size_t>(kernel.h), g.KW = static_cast<std::size_t>(kernel.w);
  g.SH = static_cast<std::size_t>(stride.h), g.SW = static_cast<std::size_t>(stride.w);
  g.PH = static_cast<std::size_t>(padding.h), g.PW = static_cast<std::size_t>(padding.w);
  g.DH = static_cast<std::size_t>(dilation.h), g.DW = static_cast<std::size_t>(dilation.w);
  g.OH = out_size(H, kernel.h, stride.h, padding.h, dilation.h, ceil_mode);
  g.OW = out_size(W, kernel.w, stride.w, padding.w, dilation.w, ceil_mode);
}

void set_image(const Shape& x, ConvGeom& g) {
  const bool b = x.rank() == 4;
  g.N = b ? x[0] : 1;
  g.C = x[b ? 1 : 0], g.H = x[b ? 2 : 1], g.W = x[b ? 3 : 2];
}

}  // namespace

ConvGeom conv_geometry(const char* op, const Shape& x, const Shape& w, bool has_bias, const Shape& b, Size2 stride,
                       Size2 padding, Size2 dilation, long long groups) {
  check_image(op, x);
  if (w.rank() != 4)
    throw ShapeError(std::string(op) + ": expected a 4-D weight (out_channels, in_channels / groups, kh, kw), got " +
                     w.str());
  if (groups < 1) throw ValueError(std::string(op) + ": groups must be at least 1, got " + std::to_string(groups));
  ConvGeom g{};
  set_image(x, g);
  const std::size_t G = static_cast<std::size_t>(groups);
  g.G = G, g.O = w[0];
  if (g.O % G != 0)
    throw ShapeError(std::string(op) + ": weight of shape " + w.str() + " has " + std::to_string(g.O) +
                     " output channels, not divisible by groups=" + std::to_string(groups));
  if (g.C != w[1] * G)
    throw ShapeError(std::string(op) + ": input of shape " + x.str() + " has " + std::to_string(g.C) +
                     " channels, but weight of shape " + w.str() + " expects " + std::to_string(w[1]) +
                     " x groups=" + std::to_string(groups) + " = " + std::to_string(w[1] * G));
  if (has_bias && (b.rank() != 1 || b[0] != g.O))
    throw ShapeError(std::string(op) + ": bias of shape " + b.str() + " does not match weight of shape " + w.str() +
                     " (expected (" + std::to_string(g.O) + "))");
  if (w[2] == 0 || w[3] == 0)
    throw ShapeError(std::string(op) + ": weight of shape " + w.str() + " has an empty kernel");
  window(op, x, Size2(static_cast<long long>(w[2]), static_cast<long long>(w[3])), stride, padding, dilation, false, g);
  return g;
}

ConvGeom pool_geometry(const char* op, const Shape& x, Size2 kernel, Size2 stride, Size2 padding, Size2 dilation,
                       bool ceil_mode) {
  check_image(op, x);
  check_at_least(op, "kernel_size", kernel, 1);
  if (stride.h == 0 && stride.w == 0) stride = kernel;  // PyTorch's stride=None
  if (padding.h * 2 > kernel.h || padding.w * 2 > kernel.w)
    throw ValueError(std::string(op) + ": padding " + pair_str(padding) + " must be at most half the kernel size " +
                     pair_str(kernel));
  ConvGeom g{};
  set_image(x, g);
  g.O = g.C, g.G = 1;
  window(op, x, kernel, stride, padding, dilation, ceil_mode, g);
  return g;
}

}  // namespace ad::detail

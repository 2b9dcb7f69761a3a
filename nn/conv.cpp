#include "nn/conv.h"

#include <cmath>

#include "nn/init.h"

namespace ad::nn {
namespace {
std::string pair_str(Size2 s) {
  return s.h == s.w ? std::to_string(s.h) : "(" + std::to_string(s.h) + ", " + std::to_string(s.w) + ")";
}
}  // namespace

template <class T>
Conv2d<T>::Conv2d(std::size_t in, std::size_t out, Size2 k, Size2 s, ConvPadding p, Size2 d, std::size_t g,
                  bool with_bias, const std::string& mode)
    : in_channels(in),
      out_channels(out),
      groups(g),
      kernel_size(k),
      stride(s),
      dilation(d),
      padding(p),
      padding_mode(mode) {
  if (in == 0 || out == 0)
    throw ValueError("Conv2d: in_channels and out_channels must be positive, got " + std::to_string(in) + " and " +
                     std::to_string(out));
  if (g == 0 || in % g != 0 || out % g != 0)
    throw ValueError("Conv2d: groups=" + std::to_string(g) + " must divide in_channels=" + std::to_string(in) +
                     " and out_channels=" + std::to_string(out));
  if (k.h < 1 || k.w < 1) throw ValueError("Conv2d: kernel_size must be at least 1, got " + pair_str(k));
  if (mode != "zeros" && mode != "reflect" && mode != "replicate" && mode != "circular")
    throw ValueError("Conv2d: padding_mode must be \"zeros\", \"reflect\", \"replicate\" or \"circular\", got \"" +
                     mode + "\"");
  if (!p.mode.empty() && p.mode != "same" && p.mode != "valid")
    throw ValueError("Conv2d: padding must be \"valid\", \"same\" or sizes, got \"" + p.mode + "\"");
  if (p.mode == "same" && (s.h != 1 || s.w != 1))
    throw ValueError("Conv2d: padding=\"same\" needs stride 1, got stride " + pair_str(s));
  const auto kh = static_cast<std::size_t>(k.h), kw = static_cast<std::size_t>(k.w);
  weight = this->register_parameter("weight", TensorT<T>::empty({out, in / g, kh, kw}));
  if (with_bias) bias = this->register_parameter("bias", TensorT<T>::empty({out}));
  reset_parameters();
}

template <class T>
void Conv2d<T>::reset_parameters() {
  const double fan_in = double(in_channels / groups) * double(kernel_size.h) * double(kernel_size.w);
  const double bound = 1.0 / std::sqrt(fan_in);
  init::uniform_(weight, -bound, bound);
  if (bias.defined()) init::uniform_(bias, -bound, bound);
}

template <class T>
TensorT<T> Conv2d<T>::forward(const TensorT<T>& x) {
  const auto g = static_cast<long long>(groups);
  if (padding_mode == "zeros") return conv2d(x, weight, bias, stride, padding, dilation, g);
  // Other modes: pad the input (before, after) per axis, then convolve without padding.
  long long t = 0, l = 0, b = 0, r = 0;
  if (padding.mode == "same") {
    const long long th = dilation.h * (kernel_size.h - 1), tw = dilation.w * (kernel_size.w - 1);
    t = th / 2, b = th - th / 2, l = tw / 2, r = tw - tw / 2;
  } else if (padding.mode.empty()) {
    t = b = padding.h, l = r = padding.w;
  }
  return conv2d(pad(x, {l, r, t, b}, padding_mode), weight, bias, stride, 0, dilation, g);
}

template <class T>
std::string Conv2d<T>::extra_repr() const {
  std::string s = std::to_string(in_channels) + ", " + std::to_string(out_channels) +
                  ", kernel_size=" + pair_str(kernel_size) + ", stride=" + pair_str(stride);
  if (!padding.mode.empty())
    s += ", padding=" + padding.mode;
  else if (padding.h || padding.w)
    s += ", padding=" + pair_str(padding);
  if (dilation.h != 1 || dilation.w != 1) s += ", dilation=" + pair_str(dilation);
  if (groups != 1) s += ", groups=" + std::to_string(groups);
  if (!bias.defined()) s += ", bias=false";
  if (padding_mode != "zeros") s += ", padding_mode=" + padding_mode;
  return s;
}

template class Conv2d<float>;
template class Conv2d<double>;

}  // namespace ad::nn

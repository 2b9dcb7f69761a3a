#include "nn/pooling.h"

namespace ad::nn {
namespace {
std::string pair_str(Size2 s) {
  return s.h == s.w ? std::to_string(s.h) : "(" + std::to_string(s.h) + ", " + std::to_string(s.w) + ")";
}
Size2 or_kernel(Size2 stride, Size2 kernel) { return stride.h == 0 && stride.w == 0 ? kernel : stride; }
}  // namespace

template <class T>
MaxPool2d<T>::MaxPool2d(Size2 k, Size2 s, Size2 p, Size2 d, bool c)
    : kernel_size(k), stride(or_kernel(s, k)), padding(p), dilation(d), ceil_mode(c) {}

template <class T>
TensorT<T> MaxPool2d<T>::forward(const TensorT<T>& x) {
  return max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode);
}

template <class T>
std::string MaxPool2d<T>::extra_repr() const {
  return "kernel_size=" + pair_str(kernel_size) + ", stride=" + pair_str(stride) + ", padding=" + pair_str(padding) +
         ", dilation=" + pair_str(dilation) + ", ceil_mode=" + (ceil_mode ? "true" : "false");
}

template <class T>
AvgPool2d<T>::AvgPool2d(Size2 k, Size2 s, Size2 p, bool c, bool include, long long divisor)
    : kernel_size(k),
      stride(or_kernel(s, k)),
      padding(p),
      ceil_mode(c),
      count_include_pad(include),
      divisor_override(divisor) {}

template <class T>
TensorT<T> AvgPool2d<T>::forward(const TensorT<T>& x) {
  return avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override);
}

template <class T>
std::string AvgPool2d<T>::extra_repr() const {
  std::string s =
      "kernel_size=" + pair_str(kernel_size) + ", stride=" + pair_str(stride) + ", padding=" + pair_str(padding);
  if (ceil_mode) s += ", ceil_mode=true";
  if (!count_include_pad) s += ", count_include_pad=false";
  if (divisor_override) s += ", divisor_override=" + std::to_string(divisor_override);
  return s;
}

template <class T>
AdaptiveAvgPool2d<T>::AdaptiveAvgPool2d(Size2 o) : output_size(o) {
  if (o.h < 1 || o.w < 1) throw ValueError("AdaptiveAvgPool2d: output_size must be at least 1, got " + pair_str(o));
}

template <class T>
TensorT<T> AdaptiveAvgPool2d<T>::forward(const TensorT<T>& x) {
  return adaptive_avg_pool2d(x, output_size);
}

template <class T>
std::string AdaptiveAvgPool2d<T>::extra_repr() const {
  return "output_size=" + pair_str(output_size);
}

template class MaxPool2d<float>;
template class MaxPool2d<double>;
template class AvgPool2d<float>;
template class AvgPool2d<double>;
template class AdaptiveAvgPool2d<float>;
template class AdaptiveAvgPool2d<double>;

}  // namespace ad::nn

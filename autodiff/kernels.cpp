#include "autodiff/kernels.h"

namespace ad::kernels {
namespace {

// Visits every multi-index of `shape` in row-major order, in runs along the last axis: fn(linear index of the
// run start, offset of the run start in the strided tensor, run length, stride along the last axis).
template <class Fn>
void for_each_run(const Shape& shape, const Strides& strides, Fn fn) {
  const std::size_t r = shape.rank();
  const std::size_t n = shape.numel();
  if (n == 0) return;
  if (r == 0) {
    fn(std::size_t(0), std::size_t(0), std::size_t(1), std::size_t(0));
    return;
  }
  const std::size_t run = shape[r - 1], step = strides[r - 1];
  std::array<std::size_t, Shape::kMaxRank> idx{};
  std::size_t off = 0;
  for (std::size_t i = 0; i < n; i += run) {
    fn(i, off, run, step);
    for (std::size_t d = r - 1; d-- > 0;) {
      off += strides[d];
      if (++idx[d] < shape[d]) break;
      off -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
}

}  // namespace

Strides contiguous_strides(const Shape& s) {
  Strides st{};
  std::size_t stride = 1;
  for (std::size_t i = s.rank(); i-- > 0;) {
    st[i] = stride;
    stride *= s[i];
  }
  return st;
}

template <class T>
void gather(const T* src, const Strides& src_strides, const Shape& shape, T* dst) {
  for_each_run(shape, src_strides, [&](std::size_t i, std::size_t off, std::size_t run, std::size_t step) {
    const T* s = src + off;
    T* d = dst + i;
    if (step == 1)
      for (std::size_t k = 0; k < run; ++k) d[k] = s[k];
    else
      for (std::size_t k = 0; k < run; ++k) d[k] = s[k * step];
  });
}

template <class T>
void scatter_add(const T* src, const Shape& shape, T* dst, const Strides& dst_strides) {
  for_each_run(shape, dst_strides, [&](std::size_t i, std::size_t off, std::size_t run, std::size_t step) {
    const T* s = src + i;
    T* d = dst + off;
    if (step == 1) {
      for (std::size_t k = 0; k < run; ++k) d[k] += s[k];
    } else if (step == 0) {
      T acc = 0;
      for (std::size_t k = 0; k < run; ++k) acc += s[k];
      d[0] += acc;
    } else {
      for (std::size_t k = 0; k < run; ++k) d[k * step] += s[k];
    }
  });
}

template <class T>
void sum_to(const T* src, const Shape& big, T* dst, const Shape& small) {
  scatter_add(src, big, dst, broadcast_strides(small, big));
}

#define AD_INSTANTIATE(T)                                                   \
  template void gather<T>(const T*, const Strides&, const Shape&, T*);      \
  template void scatter_add<T>(const T*, const Shape&, T*, const Strides&); \
  template void sum_to<T>(const T*, const Shape&, T*, const Shape&);
AD_INSTANTIATE(float)
AD_INSTANTIATE(double)

}  // namespace ad::kernels

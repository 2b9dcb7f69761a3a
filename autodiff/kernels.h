// Layout kernels shared by the ops (plain loops, no xtensor): gathering with strides (broadcast_to, permute) and
// summing a gradient over broadcast axes (the backward of every broadcasting op).
#pragma once
#include <array>
#include <cstddef>

#include "autodiff/shape.h"

namespace ad::kernels {

using Strides = std::array<std::size_t, Shape::kMaxRank>;

// dst[i] = src[offset(i)] for every multi-index i of `shape`, with offset = sum_d i_d * src_strides[d].
template <class T>
void gather(const T* src, const Strides& src_strides, const Shape& shape, T* dst);
// dst[offset(i)] += src[i]: the adjoint of gather (sums where strides are 0, i.e. over broadcast axes).
template <class T>
void scatter_add(const T* src, const Shape& shape, T* dst, const Strides& dst_strides);
// dst (shape `small`) += src (shape `big`) summed over the axes along which `small` was broadcast to `big`.
template <class T>
void sum_to(const T* src, const Shape& big, T* dst, const Shape& small);
// Row-major strides of a contiguous tensor of shape s.
Strides contiguous_strides(const Shape& s);

}  // namespace ad::kernels

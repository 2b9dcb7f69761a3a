// The adjoints of the gathering ops, as recorded ops of their own: backward_graph of broadcast_to / permute (a
// strided gather) is a strided scatter-add, and that of narrow / index_select / max along an axis (an indexed
// gather) an indexed add; each op's backward_graph is the other, so gradients through them are differentiable to
// any order. Internal: users have sum_to (ad::sum_to), which is the scatter-add with broadcast strides.
#pragma once
#include <vector>

#include "autodiff/kernels.h"
#include "autodiff/tensor.h"

namespace ad::detail {

// y of shape `shape`, zero but y[offset(i)] += g[i] for every multi-index i of g, offset(i) = sum_d i_d strides[d].
template <class T>
TensorT<T> scatter_add(const TensorT<T>& g, const kernels::Strides& strides, const Shape& shape, const char* name);

// y of shape (s.outer, s.n, s.inner), zero but y[o, idx[k], i] += g[o, k, i]; g holds s.outer * idx.size() *
// s.inner values (any shape).
template <class T>
TensorT<T> index_add(const TensorT<T>& g, const AxisSplit& s, const std::vector<std::size_t>& idx);

// reshape(t, shape), or t itself when it has that shape already: a reshape node costs a pass over the gradient in
// every later backward, which backward_graph spares where the shapes agree (the common case).
template <class T>
TensorT<T> reshaped(const TensorT<T>& t, const Shape& shape) {
  return t.shape() == shape ? t : reshape(t, shape);
}

}  // namespace ad::detail

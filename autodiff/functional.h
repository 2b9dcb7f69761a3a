// Derivatives of functions of one tensor, as torch.autograd.functional (PyTorch 1.13) computes them with the
// backward pass:
//   jacobian(f, x)   J, of shape f(x).shape + x.shape: one ad::grad per output element (a one-hot grad_outputs).
//   hessian(f, x)    the Jacobian of the gradient, of shape x.shape + x.shape; f(x) must have one element.
//   vjp(f, x, v)     (f(x), v^T J): one backward pass.
//   hvp(f, x, v)     (f(x), H v): the gradient of <grad f(x), v>, a backward pass through a backward pass.
//   jvp(f, x, v)     (f(x), J v) by the double-backward trick: g(u) = J^T u is linear in u, and the gradient of
//                    <g(u), v> with respect to u is J v (any u; u = 0).
// The function is evaluated at a copy of x cut from its graph (x.detach(), requiring grad), so results are
// constants, unless create_graph: then x keeps its graph and the results are recorded, differentiable again
// (create_graph needs the graph to run through x when x requires grad). ValueError for a v of the wrong shape,
// hessian/hvp of a function whose value is not one element; GraphError if f(x) does not depend on x.
#pragma once
#include <functional>
#include <utility>

#include "autodiff/tensor.h"

namespace ad {

template <class T>
using TensorFn = std::function<TensorT<T>(const TensorT<T>&)>;

template <class T>
TensorT<T> jacobian(const TensorFn<T>& f, const TensorT<T>& x, bool create_graph = false);
template <class T>
TensorT<T> hessian(const TensorFn<T>& f, const TensorT<T>& x, bool create_graph = false);
template <class T>
std::pair<TensorT<T>, TensorT<T>> vjp(const TensorFn<T>& f, const TensorT<T>& x, const TensorT<T>& v,
                                      bool create_graph = false);
template <class T>
std::pair<TensorT<T>, TensorT<T>> hvp(const TensorFn<T>& f, const TensorT<T>& x, const TensorT<T>& v,
                                      bool create_graph = false);
template <class T>
std::pair<TensorT<T>, TensorT<T>> jvp(const TensorFn<T>& f, const TensorT<T>& x, const TensorT<T>& v,
                                      bool create_graph = false);

}  // namespace ad

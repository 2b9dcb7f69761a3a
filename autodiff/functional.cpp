#include "autodiff/functional.h"

#include <string>
#include <vector>

#include "autodiff/grad.h"

namespace ad {
namespace {

// The point of evaluation: x itself (keeping its graph) under create_graph when it requires grad, else a leaf
// copy of it that requires grad (PyTorch's _grad_preprocess).
template <class T>
TensorT<T> prepare(const TensorT<T>& x, bool create_graph) {
  if (create_graph && x.requires_grad()) return x.reshape(x.shape());  // a view that stays in the graph
  TensorT<T> leaf = x.detach();
  leaf.requires_grad_(true);
  return leaf;
}

template <class T>
TensorT<T> evaluate(const TensorFn<T>& f, const TensorT<T>& x, const char* who) {
  GradModeGuard grad_on(true);
  TensorT<T> y = f(x);
  if (!y.defined()) throw ValueError(std::string(who) + ": the function returned an undefined tensor");
  return y;
}

template <class T>
void check_same_shape(const TensorT<T>& v, const Shape& s, const char* who, const char* what) {
  if (v.shape() != s)
    throw ShapeError(std::string(who) + ": v has shape " + v.shape().str() + ", but " + what + " has shape " + s.str());
}

template <class T>
void check_scalar(const TensorT<T>& y, const char* who) {
  if (y.numel() != 1)
    throw ValueError(std::string(who) + ": the function must return a one-element tensor, got shape " +
                     y.shape().str());
}

// dy/dx with grad_outputs v; zeros where y does not depend on x (allow_unused, as torch's functional API).
template <class T>
TensorT<T> backprop(const TensorT<T>& y, const TensorT<T>& x, const TensorT<T>& v, bool create_graph, const char* who) {
  if (!y.requires_grad())
    throw GraphError(std::string(who) + ": the function's output (shape " + y.shape().str() +
                     ") does not depend on its input");
  TensorT<T> g = grad<T>({y}, {x}, {v}, GradOptions{true, create_graph, true})[0];
  return g.defined() ? g : TensorT<T>::zeros(x.shape());
}

template <class T>
TensorT<T> finish(const TensorT<T>& t, bool create_graph) {
  return create_graph ? t : t.detach();
}

Shape concat_shapes(const Shape& a, const Shape& b) {
  Shape r = a;
  for (std::size_t d = 0; d < b.rank(); ++d) r.push_back(b[d]);
  return r;
}

}  // namespace

template <class T>
TensorT<T> jacobian(const TensorFn<T>& f, const TensorT<T>& x, bool create_graph) {
  const TensorT<T> xi = prepare(x, create_graph);
  const TensorT<T> y = evaluate(f, xi, "jacobian");
  const Shape out_shape = concat_shapes(y.shape(), x.shape());
  if (!y.requires_grad()) return TensorT<T>::zeros(out_shape);  // f does not depend on x (PyTorch: zeros)
  GradModeGuard mode(create_graph);
  std::vector<TensorT<T>> rows;
  for (std::size_t i = 0; i < y.numel(); ++i) {
    TensorT<T> e = TensorT<T>::zeros(y.shape());
    e.mutable_data()[i] = T(1);
    rows.push_back(reshape(backprop(y, xi, e, create_graph, "jacobian"), Shape{1, x.numel()}));
  }
  if (rows.empty()) return TensorT<T>::zeros(out_shape);
  return finish(reshape(concat(rows, 0), out_shape), create_graph);
}

template <class T>
TensorT<T> hessian(const TensorFn<T>& f, const TensorT<T>& x, bool create_graph) {
  // The Jacobian of x -> grad f(x), whose own graph the outer Jacobian differentiates.
  const TensorFn<T> gradient = [&](const TensorT<T>& z) {
    const TensorT<T> y = evaluate(f, z, "hessian");
    check_scalar(y, "hessian");
    return backprop(y, z, TensorT<T>::ones(y.shape()), /*create_graph=*/true, "hessian");
  };
  return jacobian(gradient, x, create_graph);
}

template <class T>
std::pair<TensorT<T>, TensorT<T>> vjp(const TensorFn<T>& f, const TensorT<T>& x, const TensorT<T>& v,
                                      bool create_graph) {
  const TensorT<T> xi = prepare(x, create_graph);
  const TensorT<T> y = evaluate(f, xi, "vjp");
  check_same_shape(v, y.shape(), "vjp", "the function's output");
  GradModeGuard mode(create_graph);
  const TensorT<T> g = backprop(y, xi, v, create_graph, "vjp");
  return {finish(y, create_graph), finish(g, create_graph)};
}

template <class T>
std::pair<TensorT<T>, TensorT<T>> hvp(const TensorFn<T>& f, const TensorT<T>& x, const TensorT<T>& v,
                                      bool create_graph) {
  check_same_shape(v, x.shape(), "hvp", "x");
  const TensorT<T> xi = prepare(x, create_graph);
  const TensorT<T> y = evaluate(f, xi, "hvp");
  check_scalar(y, "hvp");
  GradModeGuard grad_on(true);
  const TensorT<T> g = backprop(y, xi, TensorT<T>::ones(y.shape()), /*create_graph=*/true, "hvp");
  TensorT<T> hv = g.requires_grad() ? backprop(g, xi, v, create_graph, "hvp") : TensorT<T>::zeros(x.shape());
  return {finish(y, create_graph), finish(hv, create_graph)};
}

template <class T>
std::pair<TensorT<T>, TensorT<T>> jvp(const TensorFn<T>& f, const TensorT<T>& x, const TensorT<T>& v,
                                      bool create_graph) {
  check_same_shape(v, x.shape(), "jvp", "x");
  const TensorT<T> xi = prepare(x, create_graph);
  const TensorT<T> y = evaluate(f, xi, "jvp");
  if (!y.requires_grad()) return {finish(y, create_graph), TensorT<T>::zeros(y.shape())};
  GradModeGuard grad_on(true);
  const TensorT<T> u = TensorT<T>::zeros(y.shape(), /*requires_grad=*/true);
  const TensorT<T> g = backprop(y, xi, u, /*create_graph=*/true, "jvp");  // J^T u
  TensorT<T> jv = g.requires_grad() ? backprop(g, u, v, create_graph, "jvp") : TensorT<T>::zeros(y.shape());
  return {finish(y, create_graph), finish(jv, create_graph)};
}

#define AD_INSTANTIATE(T)                                                                                            \
  template TensorT<T> jacobian<T>(const TensorFn<T>&, const TensorT<T>&, bool);                                      \
  template TensorT<T> hessian<T>(const TensorFn<T>&, const TensorT<T>&, bool);                                       \
  template std::pair<TensorT<T>, TensorT<T>> vjp<T>(const TensorFn<T>&, const TensorT<T>&, const TensorT<T>&, bool); \
  template std::pair<TensorT<T>, TensorT<T>> hvp<T>(const TensorFn<T>&, const TensorT<T>&, const TensorT<T>&, bool); \
  template std::pair<TensorT<T>, TensorT<T>> jvp<T>(const TensorFn<T>&, const TensorT<T>&, const TensorT<T>&, bool);
AD_INSTANTIATE(float)
AD_INSTANTIATE(double)

}  // namespace ad

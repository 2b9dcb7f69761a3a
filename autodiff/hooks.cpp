#include "autodiff/hooks.h"

#include <cstring>

#include "autodiff/tensor.h"

namespace ad {

template <class T>
TensorHooks<T>::~TensorHooks() {
  if (counted_leaf) detail::add_hooked_leaves(-1);
}

namespace detail {
namespace {

// Calls t's gradient hooks in order on a copy of the n values at `grad` (a hook may keep the tensor it is given),
// each on the previous one's result; returns the final gradient, or an undefined tensor if no hook replaced it.
template <class T>
TensorT<T> call_grad_hooks(TensorImpl<T>* t, const T* grad) {
  TensorT<T> g = TensorT<T>::empty(t->shape);
  std::memcpy(g.impl().data, grad, t->numel * sizeof(T));
  bool replaced = false;
  for (auto& [id, hook] : t->hooks->grad.snapshot()) {
    TensorT<T> r;
    {
      NoGradGuard no_grad;  // a hook's own arithmetic is not part of the graph being differentiated
      r = hook(g);
    }
    if (!r.defined()) continue;
    if (r.shape() != t->shape)
      throw ShapeError("hook: a gradient hook of a tensor of shape " + t->shape.str() +
                       " returned a gradient of shape " + r.shape().str());
    g = r;
    replaced = true;
  }
  return replaced ? g : TensorT<T>();
}

}  // namespace

template <class T>
void run_grad_hooks(TensorImpl<T>* t, T* grad) {
  TensorT<T> g = call_grad_hooks(t, grad);
  if (g.defined()) std::memcpy(grad, g.data(), t->numel * sizeof(T));
}

template <class T>
void finish_leaf_grad(TensorImpl<T>* leaf) {
  T* pass = leaf->scratch_grad;
  if (!pass) return;
  TensorT<T> replaced = leaf->hooks->grad.empty() ? TensorT<T>() : call_grad_hooks(leaf, pass);
  const T* g = replaced.defined() ? replaced.data() : pass;
  const std::size_t n = leaf->numel;
  if (!leaf->grad) {
    leaf->grad = TensorImpl<T>::create_like(*leaf);
    std::memcpy(leaf->grad->data, g, n * sizeof(T));
  } else {
    T* acc = leaf->grad->data;
    for (std::size_t i = 0; i < n; ++i) acc[i] += g[i];
  }
  leaf->free_scratch_grad();
  const TensorT<T> self{ImplRef<T>(leaf)};
  for (auto& [id, hook] : leaf->hooks->post_accumulate.snapshot()) hook(self);
}

template void run_grad_hooks<float>(TensorImpl<float>*, float*);
template void run_grad_hooks<double>(TensorImpl<double>*, double*);
template void finish_leaf_grad<float>(TensorImpl<float>*);
template void finish_leaf_grad<double>(TensorImpl<double>*);

}  // namespace detail

template struct TensorHooks<float>;
template struct TensorHooks<double>;

}  // namespace ad

#include "autodiff/tensor_impl.h"

#include <cmath>
#include <cstring>

namespace ad {

template <class T>
Ref<TensorImpl<T>> TensorImpl<T>::create(const Shape& shape) {
  Ref<TensorImpl> t = Ref<TensorImpl>::adopt_new(new TensorImpl);
  t->shape = shape;
  t->numel = shape.numel();
  const std::size_t bytes = t->numel * sizeof(T);
  t->data = bytes <= kInlineBytes ? reinterpret_cast<T*>(t->inline_) : static_cast<T*>(pool_alloc(bytes));
  return t;
}

template <class T>
Ref<TensorImpl<T>> TensorImpl<T>::view_of(TensorImpl* base, const Shape& shape) {
  Ref<TensorImpl> t = Ref<TensorImpl>::adopt_new(new TensorImpl);
  t->shape = shape;
  t->numel = shape.numel();
  t->data = base->data;
  t->base = base->base ? base->base : Ref<TensorImpl>(base);
  return t;
}

template <class T>
void TensorImpl<T>::free_scratch_grad() noexcept {
  if (scratch_grad && numel * sizeof(T) > kInlineBytes) pool_free(scratch_grad, numel * sizeof(T));
  scratch_grad = nullptr;
}

template <class T>
TensorImpl<T>::~TensorImpl() {
  free_scratch_grad();
  delete grad_fn;
  if (!base && numel * sizeof(T) > kInlineBytes) pool_free(data, numel * sizeof(T));
}

template <class T>
T* grad_buffer(TensorImpl<T>* t) {
  const std::uint64_t epoch = detail::current_epoch();
  if (t->grad_fn && !t->retains_grad) {  // an intermediate nobody will read: scratch buffer
    if (!t->scratch_grad || t->grad_epoch != epoch) {
      const std::size_t bytes = t->numel * sizeof(T);
      if (!t->scratch_grad)
        t->scratch_grad = bytes <= TensorImpl<T>::kInlineBytes ? reinterpret_cast<T*>(t->inline_grad_)
                                                               : static_cast<T*>(pool_alloc(bytes));
      std::memset(t->scratch_grad, 0, bytes);
    }
    t->grad_epoch = epoch;
    t->grad_fn->reach_epoch = epoch;
    return t->scratch_grad;
  }
  if (!t->grad) {
    t->grad = TensorImpl<T>::create(t->shape);
    std::memset(t->grad->data, 0, t->numel * sizeof(T));
  } else if (t->grad_fn && t->grad_epoch != epoch) {
    // A non-leaf gradient kept from an earlier pass (retain_grad): each pass starts it from zero.
    std::memset(t->grad->data, 0, t->numel * sizeof(T));
  }
  t->grad_epoch = epoch;
  if (t->grad_fn) t->grad_fn->reach_epoch = epoch;
  return t->grad->data;
}

template <class T>
static bool all_finite(const T* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(p[i])) return false;
  return true;
}

template <class T>
void check_finite(const T* p, std::size_t n, const char* what, const char* op) {
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(p[i]))
      throw AnomalyError(std::string("anomaly: '") + op + "' produced " + (std::isnan(p[i]) ? "NaN" : "Inf") + " in " +
                         what + " (element " + std::to_string(i) + ")");
}

template <class T>
void Node<T>::apply() {
  for (std::size_t i = 0; i < n_in; ++i)
    if (in[i]->version() != in_version[i])
      throw GraphError(std::string("backward of '") + name() + "': input " + std::to_string(i) + " of shape " +
                       in[i]->shape.str() + " was modified in place after it was used (version " +
                       std::to_string(in[i]->version()) + ", expected " + std::to_string(in_version[i]) +
                       "); its gradient would be wrong");
  backward();
}

template <class T>
void Node<T>::release_saved(std::vector<RefCounted*>& bin) {
  for (std::size_t i = 0; i < n_in; ++i) bin.push_back(in[i].leak());
}

template <class T>
void Node<T>::free_output_grad() {
  out->free_scratch_grad();
  if (!out->retains_grad) out->grad.reset();
}

template <class T>
void Node<T>::check_input_grads() const {
  for (std::size_t i = 0; i < n_in; ++i) {
    const TensorImpl<T>* x = in[i].get();
    if (x && x->requires_grad && x->grad_data()) {
      const std::string what = "the gradient of input " + std::to_string(i) + " (shape " + x->shape.str() + ")";
      check_finite(x->grad_data(), x->numel, what.c_str(), (std::string("backward of ") + name()).c_str());
    }
  }
}

template <class T>
T* Node<T>::gin(std::size_t i) const {
  TensorImpl<T>* x = in[i].get();
  if (!x->requires_grad) return nullptr;
  return grad_buffer(x);
}

template <class T>
void attach_node(TensorImpl<T>* out, Node<T>* node, std::initializer_list<TensorImpl<T>*> inputs) {
  // Ownership first, so that the node is freed with `out` if anything below throws.
  out->grad_fn = node;
  node->out = out;
  out->requires_grad = true;
  std::size_t i = 0;
  for (TensorImpl<T>* x : inputs) {
    node->in[i] = ImplRef<T>(x);
    node->in_version[i] = x->version();
    ++i;
  }
  node->n_in = i;
  detail::tape_record(node);
}

template <class T>
void check_anomaly(const TensorImpl<T>* out, const char* op, std::initializer_list<const TensorImpl<T>*> inputs) {
  if (all_finite(out->data, out->numel)) return;
  std::size_t i = 0;
  for (const TensorImpl<T>* x : inputs) {
    if (!all_finite(x->data, x->numel))
      throw AnomalyError(std::string("anomaly: input ") + std::to_string(i) + " of '" + op + "' (shape " +
                         x->shape.str() +
                         ") contains NaN or Inf; no recorded op produced it, so it comes from the data or "
                         "from values written in place");
    ++i;
  }
  check_finite(out->data, out->numel, ("its output (shape " + out->shape.str() + ") from finite inputs").c_str(), op);
}

#define AD_INSTANTIATE(T)                                                                        \
  template class TensorImpl<T>;                                                                  \
  template class Node<T>;                                                                        \
  template T* grad_buffer<T>(TensorImpl<T>*);                                                    \
  template void check_finite<T>(const T*, std::size_t, const char*, const char*);                \
  template void attach_node<T>(TensorImpl<T>*, Node<T>*, std::initializer_list<TensorImpl<T>*>); \
  template void check_anomaly<T>(const TensorImpl<T>*, const char*, std::initializer_list<const TensorImpl<T>*>);
AD_INSTANTIATE(float)
AD_INSTANTIATE(double)

}  // namespace ad

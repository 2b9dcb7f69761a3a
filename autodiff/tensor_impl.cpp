#include "autodiff/tensor_impl.h"

#include <cmath>
#include <cstring>

#include "autodiff/hooks.h"
#include "autodiff/node.h"

namespace ad {

// ---- TensorImpl -----------------------------------------------------------------------------------------------------

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
Ref<TensorImpl<T>> TensorImpl<T>::create_like(const TensorImpl& x) {
  Ref<TensorImpl> t = Ref<TensorImpl>::adopt_new(new TensorImpl);
  t->shape = x.shape;
  t->numel = x.numel;
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
T* grad_buffer_slow(TensorImpl<T>* t) {
  const std::uint64_t epoch = detail::current_epoch();
  // A scratch buffer for the pass: an intermediate nobody will read, or a leaf whose hooks must see the gradient
  // of the pass before it joins .grad.
  const bool scratch = t->grad_fn ? !t->retains_grad : (t->hooks && t->hooks->counted_leaf);
  if (scratch) {
    if (!t->scratch_grad || t->grad_epoch != epoch) {
      const std::size_t bytes = t->numel * sizeof(T);
      if (!t->scratch_grad)
        t->scratch_grad = bytes <= TensorImpl<T>::kInlineBytes ? reinterpret_cast<T*>(t->inline_grad_)
                                                               : static_cast<T*>(pool_alloc(bytes));
      std::memset(t->scratch_grad, 0, bytes);
    }
    t->grad_epoch = epoch;
    if (t->grad_fn) t->grad_fn->reach_epoch = epoch;
    return t->scratch_grad;
  }
  if (!t->grad) {
    t->grad = TensorImpl<T>::create_like(*t);
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

// ---- Node -------------------------------------------------------------------------------------------------------

template <class T>
Node<T>::~Node() {
  if (in_ != inline_) {
    for (std::uint32_t i = 0; i < n_in_; ++i) in_[i].~Input();
    pool_free(in_, n_in_ * sizeof(Input));
  }
}

template <class T>
void Node<T>::attach(TensorImpl<T>* output, Inputs<T> inputs) {
  out = output;
  output->requires_grad = true;
  if (inputs.size() > kInlineInputs) {
    in_ = static_cast<Input*>(pool_alloc(inputs.size() * sizeof(Input)));
    for (std::size_t i = 0; i < inputs.size(); ++i) new (&in_[i]) Input();
  }
  n_in_ = static_cast<std::uint32_t>(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    in_[i].t = ImplRef<T>(inputs[i]);
    in_[i].version = inputs[i]->version();
  }
  detail::tape_record(this);
}

template <class T>
void Node<T>::run() {
  if (__builtin_expect(out->hooks != nullptr, 0) && !out->hooks->grad.empty())
    detail::run_grad_hooks(out, out->grad_data());
  // Every input that needs a gradient gets its buffer (zero-filled when new in this pass) before backward() runs,
  // whether or not the op writes to it: reaching a tensor's node depends on that alone, so the pre-pass that counts
  // leaf contributions (mark_inputs) and this loop agree by construction.
  T* local[kInlineInputs];
  T** g = n_in_ <= kInlineInputs ? local : static_cast<T**>(pool_alloc(n_in_ * sizeof(T*)));
  struct Free {  // the list of a many-input op (concat), however backward() ends
    T** g;
    std::size_t n;
    ~Free() {
      if (n > kInlineInputs) pool_free(g, n * sizeof(T*));
    }
  } free_list{g, n_in_};
  for (std::uint32_t i = 0; i < n_in_; ++i) {
    TensorImpl<T>* x = in_[i].t.get();
    if (__builtin_expect(x->version() != in_[i].version, 0))
      throw GraphError(std::string("backward of '") + name() + "': input " + std::to_string(i) + " of shape " +
                       x->shape.str() + " was modified in place after it was used (version " +
                       std::to_string(x->version()) + ", expected " + std::to_string(in_[i].version) +
                       "); its gradient would be wrong");
    g[i] = x->requires_grad ? grad_buffer(x) : nullptr;
  }
  gin_ = g;
  backward();
  gin_ = nullptr;
  if (__builtin_expect(detail::thread_flags.anomaly, 0)) check_input_grads();
  out->free_scratch_grad();
  if (!out->retains_grad) out->grad.reset();
  if (__builtin_expect(detail::thread_flags.leaf_hooks_in_pass, 0)) notify_hooked_leaves();
}

template <class T>
void Node<T>::mark_inputs(std::uint64_t epoch) {
  for (std::uint32_t i = 0; i < n_in_; ++i) {
    TensorImpl<T>* x = in_[i].t.get();
    if (!x->requires_grad) continue;
    if (x->grad_fn) {
      x->grad_fn->reach_epoch = epoch;
    } else if (x->hooks && x->hooks->counted_leaf) {
      TensorHooks<T>& h = *x->hooks;
      if (h.pending_epoch != epoch) {
        h.pending_epoch = epoch;
        h.pending = 0;
      }
      ++h.pending;
    }
  }
}

template <class T>
void Node<T>::notify_hooked_leaves() {
  const std::uint64_t epoch = detail::current_epoch();
  for (std::uint32_t i = 0; i < n_in_; ++i) {
    TensorImpl<T>* x = in_[i].t.get();
    if (x->grad_fn || !x->requires_grad || !x->hooks || !x->hooks->counted_leaf) continue;
    TensorHooks<T>& h = *x->hooks;
    if (h.pending_epoch == epoch && h.pending > 0 && --h.pending == 0) detail::finish_leaf_grad(x);
  }
}

template <class T>
void Node<T>::release_inputs() {
  for (std::uint32_t i = 0; i < n_in_; ++i) in_[i].t.reset();
}

template <class T>
void Node<T>::check_input_grads() const {
  for (std::uint32_t i = 0; i < n_in_; ++i) {
    const TensorImpl<T>* x = in_[i].t.get();
    if (x && x->requires_grad && x->grad_data()) {
      const std::string what = "the gradient of input " + std::to_string(i) + " (shape " + x->shape.str() + ")";
      check_finite(x->grad_data(), x->numel, what.c_str(), (std::string("backward of ") + name()).c_str());
    }
  }
}

template <class T>
void check_anomaly(const TensorImpl<T>* out, const char* op, Inputs<T> inputs) {
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

#define AD_INSTANTIATE(T)                                                         \
  template class TensorImpl<T>;                                                   \
  template class Node<T>;                                                         \
  template T* grad_buffer_slow<T>(TensorImpl<T>*);                                \
  template void check_finite<T>(const T*, std::size_t, const char*, const char*); \
  template void check_anomaly<T>(const TensorImpl<T>*, const char*, Inputs<T>);
AD_INSTANTIATE(float)
AD_INSTANTIATE(double)

}  // namespace ad

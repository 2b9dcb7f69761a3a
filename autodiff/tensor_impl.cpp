#include "autodiff/tensor_impl.h"

#include <cmath>
#include <cstring>

#include "autodiff/hooks.h"
#include "autodiff/node.h"

namespace ad {

// ---- TensorImpl -----------------------------------------------------------------------------------------------------

template <class T>
Ref<TensorImpl<T>> TensorImpl<T>::create(const Shape& shape) {
  Ref<TensorImpl> t = Ref<TensorImpl>::adopt_new(new TensorImpl(shape, shape.numel()));
  const std::size_t bytes = t->numel * sizeof(T);
  t->data = bytes <= kInlineBytes ? reinterpret_cast<T*>(t->inline_) : static_cast<T*>(pool_alloc(bytes));
  return t;
}

template <class T>
Ref<TensorImpl<T>> TensorImpl<T>::create_like(const TensorImpl& x) {
  Ref<TensorImpl> t = Ref<TensorImpl>::adopt_new(new TensorImpl(x.shape, x.numel));
  const std::size_t bytes = t->numel * sizeof(T);
  t->data = bytes <= kInlineBytes ? reinterpret_cast<T*>(t->inline_) : static_cast<T*>(pool_alloc(bytes));
  return t;
}

template <class T>
Ref<TensorImpl<T>> TensorImpl<T>::view_of(TensorImpl* base, const Shape& shape) {
  Ref<TensorImpl> t = Ref<TensorImpl>::adopt_new(new TensorImpl(shape, shape.numel()));
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
  if (grad_fn) {
    if (grad_fn->embedded)
      grad_fn->~Node();  // virtual: the op's own node type; its storage is this tensor's
    else
      delete grad_fn;
  }
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
      if (bytes <= TensorImpl<T>::kInlineBytes)  // tiny: a loop the compiler unrolls beats a call to memset
        for (std::size_t i = 0; i < t->numel; ++i) t->scratch_grad[i] = T(0);
      else
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
void Node<T>::attach(TensorImpl<T>* output, const Inputs<T>& inputs) {
  out = output;
  output->requires_grad = true;
  if (inputs.size() > kInlineInputs) {  // one pool block: the references, then the versions
    void* block = pool_alloc(inputs.size() * (sizeof(ImplRef<T>) + sizeof(std::uint32_t)));
    in_ = static_cast<ImplRef<T>*>(block);
    versions_ = reinterpret_cast<std::uint32_t*>(in_ + inputs.size());
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    new (&in_[i]) ImplRef<T>(inputs[i]);
    versions_[i] = inputs[i]->version();
  }
  n_in_ = static_cast<std::uint32_t>(inputs.size());
  detail::tape_record(this);
}

template <class T>
void Node<T>::run() {
  if (__builtin_expect(out->hooks != nullptr, 0) && !out->hooks->grad.empty())
    detail::run_grad_hooks(out, out->grad_data());
  if (__builtin_expect(n_in_ > kInlineInputs, 0)) return run_many();
  // Every input that needs a gradient gets its buffer (zero-filled when new in this pass) before backward() runs,
  // whether or not the op writes to it: reaching a tensor's node depends on that alone, so the pre-pass that counts
  // leaf contributions (mark_inputs) and this loop agree by construction.
  T* g[kInlineInputs];
  for (std::uint32_t i = 0; i < n_in_; ++i) {
    TensorImpl<T>* x = in_[i].get();
    if (__builtin_expect(x->version() != versions_[i], 0)) throw_modified(i);
    g[i] = x->requires_grad ? grad_buffer(x) : nullptr;
  }
  finish_run(g);
}

// The op's backward with the input gradient buffers g, then what follows it in every node.
template <class T>
void Node<T>::finish_run(T* const* g) {
  gin_ = g;
  backward();
  gin_ = nullptr;
  if (__builtin_expect(detail::thread_flags.anomaly, 0)) check_input_grads();
  out->free_scratch_grad();
  if (!out->retains_grad) out->grad.reset();
  if (__builtin_expect(detail::thread_flags.leaf_hooks_in_pass, 0)) notify_hooked_leaves();
}

template <class T>
void Node<T>::check_versions() const {
  for (std::uint32_t i = 0; i < n_in_; ++i)
    if (in_[i] && in_[i]->version() != versions_[i]) throw_modified(i);
}

template <class T>
void Node<T>::throw_modified(std::size_t i) const {
  TensorImpl<T>* x = in_[i].get();
  throw GraphError(std::string("backward of '") + name() + "': input " + std::to_string(i) + " of shape " +
                   x->shape.str() + " was modified in place after it was used (version " +
                   std::to_string(x->version()) + ", expected " + std::to_string(versions_[i]) +
                   "); its gradient would be wrong");
}

// run() for an op of more than kInlineInputs inputs (concat): the list of gradient buffers comes from the pool.
template <class T>
void Node<T>::run_many() {
  T** g = static_cast<T**>(pool_alloc(n_in_ * sizeof(T*)));
  struct Free {  // however backward() ends
    T** g;
    std::size_t n;
    ~Free() { pool_free(g, n * sizeof(T*)); }
  } free_list{g, n_in_};
  for (std::uint32_t i = 0; i < n_in_; ++i) {
    TensorImpl<T>* x = in_[i].get();
    if (x->version() != versions_[i]) throw_modified(i);
    g[i] = x->requires_grad ? grad_buffer(x) : nullptr;
  }
  finish_run(g);
}

template <class T>
void Node<T>::mark_inputs(std::uint64_t epoch) {
  for (std::uint32_t i = 0; i < n_in_; ++i) {
    TensorImpl<T>* x = in_[i].get();
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
    TensorImpl<T>* x = in_[i].get();
    if (x->grad_fn || !x->requires_grad || !x->hooks || !x->hooks->counted_leaf) continue;
    TensorHooks<T>& h = *x->hooks;
    if (h.pending_epoch == epoch && h.pending > 0 && --h.pending == 0) detail::finish_leaf_grad(x);
  }
}

template <class T>
void Node<T>::release_inputs() {
  for (std::uint32_t i = 0; i < n_in_; ++i) in_[i].reset();
}

template <class T>
void Node<T>::check_input_grads() const {
  for (std::uint32_t i = 0; i < n_in_; ++i) {
    const TensorImpl<T>* x = in_[i].get();
    if (x && x->requires_grad && x->grad_data()) {
      const std::string what = "the gradient of input " + std::to_string(i) + " (shape " + x->shape.str() + ")";
      check_finite(x->grad_data(), x->numel, what.c_str(), (std::string("backward of ") + name()).c_str());
    }
  }
}

template <class T>
void check_anomaly(const TensorImpl<T>* out, const char* op, const Inputs<T>& inputs) {
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
  template void check_anomaly<T>(const TensorImpl<T>*, const char*, const Inputs<T>&);
AD_INSTANTIATE(float)
AD_INSTANTIATE(double)

}  // namespace ad

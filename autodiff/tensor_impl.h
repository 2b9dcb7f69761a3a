// TensorImpl: the storage, shape and autograd state behind a Tensor handle.
// Internal header: users work with TensorT (tensor.h); op implementations use this type and Node (node.h).
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "autodiff/error.h"
#include "autodiff/pool.h"
#include "autodiff/ref.h"
#include "autodiff/shape.h"
#include "autodiff/tape.h"

namespace ad {

template <class T>
class Node;
template <class T>
struct TensorHooks;  // hooks.h: the gradient hooks registered on one tensor

template <class T>
class TensorImpl final : public RefCounted {
 public:
  // A tensor with uninitialised storage taken from the pool.
  static Ref<TensorImpl> create(const Shape& shape);
  // A tensor of x's shape (no numel() recomputation: the cost of a tiny elementwise op is in such details).
  static Ref<TensorImpl> create_like(const TensorImpl& x);
  // A tensor of shape `shape` sharing the storage of `base` (same number of elements): reshape, flatten.
  static Ref<TensorImpl> view_of(TensorImpl* base, const Shape& shape);
  ~TensorImpl() override;

  static void* operator new(std::size_t bytes) { return pool_alloc(bytes); }
  static void operator delete(void* p, std::size_t bytes) noexcept { pool_free(p, bytes); }

  // Version counter of the storage, bumped by in-place writes; a node checks that the tensors it saved were not
  // modified between forward and backward (their gradient would silently be wrong otherwise).
  std::uint32_t& version() { return base ? base->version_ : version_; }
  bool is_leaf() const { return grad_fn == nullptr; }
  // The gradient buffer of the current pass, wherever it lives (see scratch_grad), or nullptr.
  T* grad_data() const { return scratch_grad ? scratch_grad : (grad ? grad->data : nullptr); }
  // Frees scratch_grad (after this tensor's node has run).
  void free_scratch_grad() noexcept;

  Shape shape;
  std::size_t numel = 0;
  T* data = nullptr;
  Ref<TensorImpl> base;  // storage owner when this is a view
  Ref<TensorImpl> grad;  // d(output)/d(this), same shape; created by backward (leaves, retain_grad())
  // The gradient of a non-leaf that nobody can see (no retain_grad()) is a raw buffer, inline for tiny tensors,
  // alive only while backward needs it: no tensor object is created and destroyed per op and pass. A leaf with
  // gradient hooks also collects the gradient of a pass here, before its hooks see it and it joins `grad`.
  T* scratch_grad = nullptr;
  Node<T>* grad_fn = nullptr;             // the op that produced this tensor (owned); null for leaves and constants
  std::shared_ptr<TensorHooks<T>> hooks;  // register_hook / register_post_accumulate_grad_hook; usually null
  std::uint64_t grad_epoch = 0;
  bool requires_grad = false;
  bool retains_grad = false;  // keep the gradient of a non-leaf after backward (retain_grad())

  // Tensors of at most kInlineBytes keep their values here instead of in a pool block: one allocation less per
  // tiny tensor (scalars, losses, small-vector chains), which is most of the per-op cost at that size.
  static constexpr std::size_t kInlineBytes = 32;
  // The node of the op that produced this tensor is built here when it fits (record(), node.h): the tensor and its
  // node are then one pool block of 384 bytes, next to each other in memory, instead of two.
  static constexpr std::size_t kNodeSlotBytes = 128;
  void* node_slot() { return node_slot_; }

 private:
  TensorImpl() = default;
  TensorImpl(const Shape& s, std::size_t n) : shape(s), numel(n) {}
  std::uint32_t version_ = 0;
  alignas(32) unsigned char inline_[kInlineBytes];
  alignas(32) unsigned char inline_grad_[kInlineBytes];
  alignas(16) unsigned char node_slot_[kNodeSlotBytes];

  template <class U>
  friend U* grad_buffer_slow(TensorImpl<U>* t);
};

template <class T>
using ImplRef = Ref<TensorImpl<T>>;

// Gradient buffer of `t` for the current backward pass, created zero-filled on first use in the pass
// (leaves keep accumulating across passes, as in PyTorch, until zero_grad()).
template <class T>
T* grad_buffer_slow(TensorImpl<T>* t);
template <class T>
inline T* grad_buffer(TensorImpl<T>* t) {
  if (t->grad_epoch == detail::thread_flags.epoch) {  // already given out in this pass: no checks to repeat
    if (T* p = t->scratch_grad) return p;
    if (t->grad) return t->grad->data;
  }
  return grad_buffer_slow(t);
}

// Throws AnomalyError naming `op` if any of the n values is NaN or Inf.
template <class T>
void check_finite(const T* p, std::size_t n, const char* what, const char* op);

}  // namespace ad

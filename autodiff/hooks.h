// Gradient hooks, as in PyTorch (Tensor.register_hook, Tensor.register_post_accumulate_grad_hook), and the handle
// that removes a hook again (torch.utils.hooks.RemovableHandle; nn::Module's forward hooks use it too).
//
//   auto h = y.register_hook([](const Tensor& g) { return g * 0.5f; });  // y's gradient is halved downstream
//   h.remove();
//
// A hook registered with register_hook(fn) is called with the gradient of its tensor each time backward computes
// one: for a non-leaf when that gradient is complete, just before it flows on to the tensor's inputs; for a leaf
// with the gradient of the pass, before it is added to .grad. fn may return a tensor of the same shape, which
// replaces the gradient (and what a retained .grad holds), or an undefined tensor to leave it as it is. Hooks run
// in registration order, each seeing the previous one's result.
//
// register_post_accumulate_grad_hook(fn) (leaves only) calls fn(tensor) once the leaf's gradient for the pass is
// final and added to .grad: when every node of the pass that uses the leaf has run, not at the end of the pass.
// Data-parallel training starts communicating a parameter's gradient from there, overlapping the rest of backward.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace ad {

template <class T>
class TensorT;
template <class T>
class TensorImpl;

// Removes the hook it was returned for. remove() is idempotent, and harmless once the tensor or module is gone.
class RemovableHandle {
 public:
  RemovableHandle() = default;
  explicit RemovableHandle(std::function<void()> remove) : remove_(std::move(remove)) {}
  void remove() {
    if (remove_) std::exchange(remove_, nullptr)();
  }

 private:
  std::function<void()> remove_;
};

// A list of hooks with ids, so that handles can remove them; shared with the handles through a weak_ptr.
template <class Fn>
class HookList {
 public:
  std::uint64_t add(Fn fn) {
    hooks_.emplace_back(++last_id_, std::move(fn));
    return last_id_;
  }
  void remove(std::uint64_t id) {
    for (auto it = hooks_.begin(); it != hooks_.end(); ++it)
      if (it->first == id) {
        hooks_.erase(it);
        return;
      }
  }
  bool empty() const { return hooks_.empty(); }
  // A copy, so that a hook may remove itself (or others) while the list runs.
  std::vector<std::pair<std::uint64_t, Fn>> snapshot() const { return hooks_; }

 private:
  std::vector<std::pair<std::uint64_t, Fn>> hooks_;
  std::uint64_t last_id_ = 0;
};

// The hooks registered on one tensor (TensorImpl::hooks).
template <class T>
struct TensorHooks {
  using GradHook = std::function<TensorT<T>(const TensorT<T>&)>;
  using PostAccumulateHook = std::function<void(const TensorT<T>&)>;
  HookList<GradHook> grad;
  HookList<PostAccumulateHook> post_accumulate;
  bool counted_leaf = false;  // counted in detail::add_hooked_leaves (a leaf with at least one hook)
  std::size_t pending = 0;    // contributions still to come in pass `pending_epoch` (leaves)
  std::uint64_t pending_epoch = 0;
  ~TensorHooks();
};

namespace detail {
// Runs the gradient hooks of t on its gradient buffer `grad` (for a non-leaf, before its node runs).
template <class T>
void run_grad_hooks(TensorImpl<T>* t, T* grad);
// A hooked leaf's gradient for the pass is complete: its gradient hooks, then += into .grad, then its post-accumulate
// hooks.
template <class T>
void finish_leaf_grad(TensorImpl<T>* leaf);
}  // namespace detail

}  // namespace ad

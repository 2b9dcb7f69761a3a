// Node<T>: one recorded op on tensors of scalar type T, and record(), the one way every op records itself.
//
// An op computes its output, then calls
//
//   record<UnaryNode<T, Exp>>(out, "exp", {&x}, p);
//
// which runs the anomaly check on the output (anomaly mode), and, when grad mode is on and an input requires
// grad, constructs the node from the remaining arguments (only then: they are passed on by reference), gives it its
// inputs and appends it to the tape. A node of up to TensorImpl::kNodeSlotBytes is built inside its output's own
// allocation; a larger one comes from the pool. Built-in
// ops and user-defined ones (function.h) all go through it, so every op gets the same anomaly coverage and the
// same bookkeeping. docs/design.md ("Adding an op") lists the steps and every op's file and rule.
//
// A node's backward() is the op's chain rule: it reads the gradient of the output, gout(), and accumulates
// (+=) d(loss)/d(input i) into gin(i), which is null when input i needs no gradient. run() wraps it with what
// every node shares: gradient hooks, the in-place-modification check, the anomaly check of the gradients written,
// freeing the output's gradient, and telling leaves with hooks that a contribution has arrived.
//
// backward_graph() is the same chain rule written with tensor ops (autodiff/grad.h: backward(create_graph) and
// ad::grad). Run with grad mode on, its ops record themselves, so the gradients it returns are differentiable again,
// to any order. Elementwise ops evaluate their one derivative rule on tensors there (ops_unary.cpp, ops_binary.cpp);
// ops whose fast path is a BLAS call or a fused kernel compose their backward_graph from existing ops, and the tests
// pin the two paths to each other (tests/test_higher_order.cpp).
#pragma once
#include <cstdint>
#include <initializer_list>
#include <new>
#include <stdexcept>
#include <utility>
#include <vector>

#include "autodiff/tensor_impl.h"

namespace ad {

template <class T>
class TensorT;

// The inputs of an op: up to three pointers copied from a braced list (no reliance on the list's lifetime), or a
// view of a vector. Passed by reference and not copyable: it lives as a temporary at the op's call of record().
template <class T>
class Inputs {
 public:
  Inputs(std::initializer_list<TensorImpl<T>*> l) : p_(local_), n_(l.size()) {
    if (l.size() > 3) throw std::logic_error("Inputs: a braced list holds at most 3 inputs; pass a vector");
    std::size_t i = 0;
    for (TensorImpl<T>* x : l) local_[i++] = x;
  }
  Inputs(const std::vector<TensorImpl<T>*>& v) : p_(v.data()), n_(v.size()) {}
  Inputs(const Inputs&) = delete;
  Inputs& operator=(const Inputs&) = delete;
  TensorImpl<T>* const* begin() const { return p_; }
  TensorImpl<T>* const* end() const { return p_ + n_; }
  std::size_t size() const { return n_; }
  TensorImpl<T>* operator[](std::size_t i) const { return p_[i]; }

 private:
  TensorImpl<T>* local_[3] = {};
  TensorImpl<T>* const* p_;
  std::size_t n_;
};

template <class T>
class Node : public NodeBase {
 public:
  Node() = default;
  ~Node() override {
    for (std::uint32_t i = 0; i < n_in_; ++i) in_[i].~ImplRef<T>();
    if (n_in_ > kInlineInputs) pool_free(in_, n_in_ * (sizeof(ImplRef<T>) + sizeof(std::uint32_t)));
  }

  // The op's chain rule (see above).
  virtual void backward() = 0;
  // The chain rule as tensor ops: given g = dL/d(output), sets gin[i] = dL/d(input i) (of input i's shape) for
  // every input with need[i], and leaves the others undefined.
  virtual void backward_graph(const TensorT<T>& g, const bool* need, TensorT<T>* gin) = 0;
  // GraphError if an input was modified in place since the op ran (its gradient would be wrong).
  void check_versions() const;

  void run() final;
  void mark_inputs(std::uint64_t epoch) final;
  void release_inputs() final;

  TensorImpl<T>* out = nullptr;  // the tensor this node produced (which owns the node)
  std::size_t num_inputs() const { return n_in_; }
  TensorImpl<T>* input(std::size_t i) const { return in_[i].get(); }

 protected:
  // Gradient of the output (valid during backward()).
  const T* gout() const { return out->grad_data(); }
  // Gradient buffer of input i for this pass, or nullptr when that input does not need a gradient.
  T* gin(std::size_t i) const { return gin_[i]; }

 private:
  template <class N, class U, class... Args>
  friend void record(TensorImpl<U>*, const char*, const Inputs<U>&, Args&&...);
  void attach(TensorImpl<T>* output, const Inputs<T>& inputs);
  void check_input_grads() const;
  void notify_hooked_leaves();

  void run_many();  // run() for ops of more than kInlineInputs inputs
  void finish_run(T* const* g);
  [[noreturn]] void throw_modified(std::size_t i) const;

  static constexpr std::size_t kInlineInputs = 3;  // every built-in op but concat: no allocation for the list
  // The inputs, and their versions when the op ran (the in-place modification check). Room for three inline,
  // constructed only as many as the op has (attach) and destroyed likewise (~Node); more come from the pool.
  alignas(ImplRef<T>) unsigned char inline_refs_[kInlineInputs * sizeof(ImplRef<T>)];
  std::uint32_t inline_versions_[kInlineInputs];
  std::uint32_t n_in_ = 0;
  ImplRef<T>* in_ = reinterpret_cast<ImplRef<T>*>(inline_refs_);
  std::uint32_t* versions_ = inline_versions_;
  T* const* gin_ = nullptr;  // the input gradient buffers, set by run() around backward()
};

// Anomaly mode: throws AnomalyError if a freshly computed forward output holds NaN/Inf (naming `op`, or the input
// the NaN came from).
template <class T>
void check_anomaly(const TensorImpl<T>* out, const char* op, const Inputs<T>& inputs);

// Whether an op with these inputs is recorded: grad mode is on and some input requires grad.
template <class T>
bool will_record(const Inputs<T>& inputs) {
  if (!detail::thread_flags.grad_enabled) return false;
  for (const TensorImpl<T>* x : inputs)
    if (x->requires_grad) return true;
  return false;
}

// The one call that records an op (see the top of this file): NodeT(args...) is constructed only when the op is
// recorded, so ops pay for their node's saved state only then.
template <class NodeT, class T, class... Args>
void record(TensorImpl<T>* out, const char* op, const Inputs<T>& inputs, Args&&... args) {
  if (__builtin_expect(detail::thread_flags.anomaly, 0)) check_anomaly(out, op, inputs);
  if (!will_record(inputs)) return;
  Node<T>* node;
  if constexpr (sizeof(NodeT) <= TensorImpl<T>::kNodeSlotBytes && alignof(NodeT) <= 16) {
    node = ::new (out->node_slot()) NodeT(std::forward<Args>(args)...);
    node->embedded = true;
  } else {
    node = new NodeT(std::forward<Args>(args)...);
  }
  // Ownership first, so that the node is destroyed with `out` if anything below throws.
  out->grad_fn = node;
  node->attach(out, inputs);
}

// For ops without a gradient (comparisons, heaviside): only the anomaly check.
template <class T>
void record_no_grad(TensorImpl<T>* out, const char* op, const Inputs<T>& inputs) {
  if (__builtin_expect(detail::thread_flags.anomaly, 0)) check_anomaly(out, op, inputs);
}

}  // namespace ad

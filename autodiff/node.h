// Node<T>: one recorded op on tensors of scalar type T, and record(), the one way every op records itself.
//
// An op computes its output, then calls
//
//   record<T>(out, "exp", {&x}, [&] { return new UnaryNode<T, Exp>(p); });
//
// which runs the anomaly check on the output (anomaly mode), and, when grad mode is on and an input requires
// grad, creates the node (the factory runs only then), gives it its inputs and appends it to the tape. Built-in
// ops and user-defined ones (function.h) all go through it, so every op gets the same anomaly coverage and the
// same bookkeeping. docs/design.md ("Adding an op") lists the steps and every op's file and rule.
//
// A node's backward() is the op's chain rule: it reads the gradient of the output, gout(), and accumulates
// (+=) d(loss)/d(input i) into gin(i), which is null when input i needs no gradient. run() wraps it with what
// every node shares: gradient hooks, the in-place-modification check, the anomaly check of the gradients written,
// freeing the output's gradient, and telling leaves with hooks that a contribution has arrived.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "autodiff/tensor_impl.h"

namespace ad {

// The inputs of an op: a view of an initializer list or a vector of tensor pointers.
template <class T>
class Inputs {
 public:
  Inputs(std::initializer_list<TensorImpl<T>*> l) : p_(l.begin()), n_(l.size()) {}
  Inputs(const std::vector<TensorImpl<T>*>& v) : p_(v.data()), n_(v.size()) {}
  TensorImpl<T>* const* begin() const { return p_; }
  TensorImpl<T>* const* end() const { return p_ + n_; }
  std::size_t size() const { return n_; }
  TensorImpl<T>* operator[](std::size_t i) const { return p_[i]; }

 private:
  TensorImpl<T>* const* p_;
  std::size_t n_;
};

template <class T>
class Node : public NodeBase {
 public:
  Node() = default;
  ~Node() override;

  // The op's chain rule (see above).
  virtual void backward() = 0;

  void run() final;
  void mark_inputs(std::uint64_t epoch) final;
  void release_inputs() final;

  TensorImpl<T>* out = nullptr;  // the tensor this node produced (which owns the node)
  std::size_t num_inputs() const { return n_in_; }
  TensorImpl<T>* input(std::size_t i) const { return in_[i].t.get(); }

 protected:
  // Gradient of the output (valid during backward()).
  const T* gout() const { return out->grad_data(); }
  // Gradient buffer of input i for this pass, or nullptr when that input does not need a gradient.
  T* gin(std::size_t i) const { return gin_[i]; }

 private:
  template <class U, class F>
  friend void record(TensorImpl<U>*, const char*, Inputs<U>, F&&);
  void attach(TensorImpl<T>* output, Inputs<T> inputs);
  void check_input_grads() const;
  void notify_hooked_leaves();

  struct Input {
    ImplRef<T> t;
    std::uint32_t version = 0;  // t's version when the op ran (in-place modification check)
  };
  static constexpr std::size_t kInlineInputs = 3;  // every built-in op but concat: no allocation for the list
  Input inline_[kInlineInputs];
  Input* in_ = inline_;  // inline_, or a pool array for more inputs
  std::uint32_t n_in_ = 0;
  T* const* gin_ = nullptr;  // the input gradient buffers, set by run() around backward()
};

// Anomaly mode: throws AnomalyError if a freshly computed forward output holds NaN/Inf (naming `op`, or the input
// the NaN came from).
template <class T>
void check_anomaly(const TensorImpl<T>* out, const char* op, Inputs<T> inputs);

// Whether an op with these inputs is recorded: grad mode is on and some input requires grad.
template <class T>
bool will_record(Inputs<T> inputs) {
  if (!detail::thread_flags.grad_enabled) return false;
  for (const TensorImpl<T>* x : inputs)
    if (x->requires_grad) return true;
  return false;
}

// The one call that records an op (see the top of this file). make_node() returns a new node; it is called only
// when the op is recorded, so ops pay for their node's saved state only then.
template <class T, class MakeNode>
void record(TensorImpl<T>* out, const char* op, Inputs<T> inputs, MakeNode&& make_node) {
  if (__builtin_expect(detail::thread_flags.anomaly, 0)) check_anomaly(out, op, inputs);
  if (!will_record(inputs)) return;
  Node<T>* node = make_node();
  // Ownership first, so that the node is freed with `out` if anything below throws.
  out->grad_fn = node;
  node->attach(out, inputs);
}

// For ops without a gradient (comparisons, heaviside): only the anomaly check.
template <class T>
void record(TensorImpl<T>* out, const char* op, Inputs<T> inputs) {
  if (__builtin_expect(detail::thread_flags.anomaly, 0)) check_anomaly(out, op, inputs);
}

}  // namespace ad

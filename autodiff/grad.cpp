// The graph pass: gradients as tensors, computed by each node's backward_graph (node.h).
//
// 1. Collect the nodes the outputs depend on, by a depth-first walk over the inputs' nodes; its post-order lists
//    every node after the nodes of its inputs, so the reverse of that list is an order for the chain rule (the
//    tape's creation order would do too, but it also holds every unrelated graph alive on the thread).
// 2. With explicit inputs (ad::grad), keep only the nodes on a path to one of them: a node is needed when one of
//    its inputs is a wanted tensor or the output of a needed node (one forward sweep over the list).
// 3. Seed the outputs' gradients, run backward_graph of each needed node that received a gradient, from the
//    outputs back, and add what it returns to its inputs' gradients (with add(): recorded under create_graph).
// 4. Hand out the gradients (ad::grad) or add them to the leaves' .grad (backward(create_graph)); release the
//    graph unless retained.
// Ops run with grad mode on under create_graph (their nodes join the tape after the graph being differentiated, and
// are not part of this pass), off otherwise.
#include "autodiff/grad.h"

#include <string>
#include <unordered_map>

#include "autodiff/hooks.h"
#include "autodiff/node.h"

namespace ad {
namespace {

template <class T>
void add_into(TensorT<T>& acc, const TensorT<T>& g) {
  acc = acc.defined() ? acc + g : g;
}

// The gradient hooks of t on g (graph form: a hook's ops are recorded under create_graph, as PyTorch's are).
template <class T>
TensorT<T> apply_hooks(TensorImpl<T>* t, TensorT<T> g) {
  if (!t->hooks || t->hooks->grad.empty()) return g;
  for (auto& [id, hook] : t->hooks->grad.snapshot()) {
    TensorT<T> r = hook(g);
    if (!r.defined()) continue;
    if (r.shape() != t->shape)
      throw ShapeError("hook: a gradient hook of a tensor of shape " + t->shape.str() +
                       " returned a gradient of shape " + r.shape().str());
    g = r;
  }
  return g;
}

template <class T>
class GraphPass {
 public:
  // `wanted` null: every leaf that requires grad receives its gradient in .grad (backward); else the gradients of
  // these tensors are returned (grad).
  GraphPass(const std::vector<TensorT<T>>* wanted, bool create_graph, const char* who)
      : wanted_(wanted), create_graph_(create_graph), who_(who) {}

  std::vector<TensorT<T>> run(const std::vector<TensorT<T>>& outputs, const std::vector<TensorT<T>>& seeds,
                              bool retain_graph, bool allow_unused) {
    epoch_ = detail::begin_backward();
    collect(outputs);
    mark_needed();
    GradModeGuard mode(create_graph_);
    for (std::size_t j = 0; j < outputs.size(); ++j) add_grad(&outputs[j].impl(), seeds[j]);
    for (std::size_t k = order_.size(); k-- > 0;) run_node(k);
    std::vector<TensorT<T>> result;
    if (wanted_)
      result = hand_out(allow_unused);
    else
      accumulate_leaves();
    if (!retain_graph) release();
    return result;
  }

 private:
  bool visited(const TensorImpl<T>* x) const { return x->grad_fn && x->grad_fn->reach_epoch == epoch_; }

  // Step 1: post-order depth-first walk from the outputs' nodes (iterative: graphs can be deep).
  void collect(const std::vector<TensorT<T>>& outputs) {
    std::vector<std::pair<Node<T>*, std::uint32_t>> stack;
    auto visit = [&](Node<T>* n) {
      if (n->released)
        throw GraphError(std::string(who_) +
                         ": trying to backpropagate through the graph a second time: the saved "
                         "tensors of '" +
                         n->name() +
                         "' were released by an earlier backward; pass retain_graph (or create_graph, which "
                         "retains it) to the first one if you need to backpropagate twice");
      if (n->owner != detail::t_tape)
        throw GraphError(std::string(who_) + ": the graph was recorded on another thread; graphs are per thread");
      n->reach_epoch = epoch_;
      stack.emplace_back(n, 0);
    };
    for (const TensorT<T>& o : outputs)
      if (Node<T>* n = o.impl().grad_fn; n && n->reach_epoch != epoch_) visit(n);
    while (!stack.empty()) {
      Node<T>* n = stack.back().first;
      const std::uint32_t i = stack.back().second;
      if (i < n->num_inputs()) {
        ++stack.back().second;
        TensorImpl<T>* x = n->input(i);
        if (x->requires_grad && x->grad_fn && x->grad_fn->reach_epoch != epoch_) visit(x->grad_fn);
        continue;
      }
      n->pass_index = static_cast<std::uint32_t>(order_.size());
      order_.push_back(n);
      stack.pop_back();
    }
  }

  bool is_wanted(const TensorImpl<T>* x) const {
    if (!wanted_) return false;
    for (const TensorT<T>& w : *wanted_)
      if (w.impl_ptr() == x) return true;
    return false;
  }

  // Step 2.
  void mark_needed() {
    needed_.assign(order_.size(), !wanted_);
    grads_.assign(order_.size(), TensorT<T>());
    if (!wanted_) return;
    for (std::size_t k = 0; k < order_.size(); ++k) {
      Node<T>* n = order_[k];
      for (std::size_t i = 0; i < n->num_inputs() && !needed_[k]; ++i) needed_[k] = input_needed(n->input(i));
    }
  }
  bool input_needed(const TensorImpl<T>* x) const {
    if (!x->requires_grad) return false;
    if (!wanted_) return true;
    return is_wanted(x) || (visited(x) && needed_[x->grad_fn->pass_index]);
  }

  // Adds g to the gradient of x: its node's slot, or its leaf slot.
  void add_grad(TensorImpl<T>* x, const TensorT<T>& g) {
    if (x->grad_fn) {
      if (visited(x)) add_into(grads_[x->grad_fn->pass_index], g);
      return;
    }
    if (!x->requires_grad) return;
    if (wanted_ && !is_wanted(x)) return;
    auto [it, fresh] = leaf_index_.try_emplace(x, leaves_.size());
    if (fresh) leaves_.emplace_back(x, TensorT<T>());
    add_into(leaves_[it->second].second, g);
  }

  // Step 3, for node k.
  void run_node(std::size_t k) {
    if (!needed_[k] || !grads_[k].defined()) return;
    Node<T>* n = order_[k];
    TensorImpl<T>* out = n->out;
    TensorT<T> g = apply_hooks(out, grads_[k]);
    grads_[k] = g;
    if (!wanted_ && out->retains_grad) out->grad = (create_graph_ ? g : g.detach()).impl_ref();
    n->check_versions();
    const std::size_t m = n->num_inputs();
    std::vector<TensorT<T>> gin(m);
    std::unique_ptr<bool[]> need(new bool[m]);
    bool any = false;
    for (std::size_t i = 0; i < m; ++i) any |= need[i] = input_needed(n->input(i));
    if (!any) return;
    n->backward_graph(g, need.get(), gin.data());
    for (std::size_t i = 0; i < m; ++i) {
      if (!need[i]) continue;
      TensorImpl<T>* x = n->input(i);
      if (!gin[i].defined())
        throw GraphError(std::string("backward of '") + n->name() + "': no gradient computed for input " +
                         std::to_string(i));
      if (gin[i].shape() != x->shape)
        throw ShapeError(std::string("backward of '") + n->name() + "': gradient of shape " + gin[i].shape().str() +
                         " for input " + std::to_string(i) + " of shape " + x->shape.str());
      if (__builtin_expect(detail::thread_flags.anomaly, 0)) {
        const std::string what = "the gradient of input " + std::to_string(i) + " (shape " + x->shape.str() + ")";
        check_finite(gin[i].data(), x->numel, what.c_str(), (std::string("backward of ") + n->name()).c_str());
      }
      add_grad(x, gin[i]);
    }
    // A node's own gradient is no longer needed, unless it is one the caller asked for.
    if (!is_wanted(out)) grads_[k] = TensorT<T>();
  }

  // Step 4 (grad): the gradient of each wanted tensor.
  std::vector<TensorT<T>> hand_out(bool allow_unused) {
    std::vector<TensorT<T>> result;
    for (std::size_t i = 0; i < wanted_->size(); ++i) {
      TensorImpl<T>* x = (*wanted_)[i].impl_ptr();
      TensorT<T> g;
      if (x->grad_fn) {
        if (visited(x)) g = grads_[x->grad_fn->pass_index];
      } else if (auto it = leaf_index_.find(x); it != leaf_index_.end()) {
        g = apply_hooks(x, leaves_[it->second].second);
      }
      if (!g.defined() && !allow_unused)
        throw GraphError(std::string(who_) + ": input " + std::to_string(i) + " (shape " + x->shape.str() +
                         ") is not used by the outputs' graph; pass allow_unused to get an undefined gradient for it");
      if (g.defined() && !create_graph_) g = g.detach();
      result.push_back(g);
    }
    return result;
  }

  // Step 4 (backward): .grad = .grad + g, recorded; then the post-accumulate hooks.
  void accumulate_leaves() {
    for (auto& [x, g0] : leaves_) {
      const TensorT<T> g = apply_hooks(x, g0);
      // A tensor of its own (clone: recorded), never one shared with another leaf or with the caller's seed.
      x->grad = (x->grad ? TensorT<T>(x->grad) + g : g.clone()).impl_ref();
      if (x->hooks) {
        const TensorT<T> self{ImplRef<T>(x)};
        for (auto& [id, hook] : x->hooks->post_accumulate.snapshot()) hook(self);
      }
    }
  }

  // The saved inputs of every node of the pass, in post-order: dropping a node's inputs can only destroy nodes
  // listed before it, which are done.
  void release() {
    for (Node<T>* n : order_) {
      n->released = true;
      n->release_inputs();
    }
  }

  const std::vector<TensorT<T>>* wanted_;
  bool create_graph_;
  const char* who_;
  std::uint64_t epoch_ = 0;
  std::vector<Node<T>*> order_;
  std::vector<char> needed_;
  std::vector<TensorT<T>> grads_;  // per node of order_: the gradient of its output so far
  std::vector<std::pair<TensorImpl<T>*, TensorT<T>>> leaves_;
  std::unordered_map<TensorImpl<T>*, std::size_t> leaf_index_;
};

}  // namespace

template <class T>
std::vector<TensorT<T>> grad(const std::vector<TensorT<T>>& outputs, const std::vector<TensorT<T>>& inputs,
                             const std::vector<TensorT<T>>& grad_outputs, const GradOptions& options) {
  if (outputs.empty()) throw ValueError("grad: no outputs given");
  if (inputs.empty()) throw ValueError("grad: no inputs given");
  if (!grad_outputs.empty() && grad_outputs.size() != outputs.size())
    throw ValueError("grad: " + std::to_string(grad_outputs.size()) + " grad_outputs for " +
                     std::to_string(outputs.size()) + " outputs");
  std::vector<TensorT<T>> seeds;
  for (std::size_t j = 0; j < outputs.size(); ++j) {
    const TensorImpl<T>& y = outputs[j].impl();
    if (!y.requires_grad)
      throw GraphError("grad: output " + std::to_string(j) + " (shape " + y.shape.str() +
                       ") does not require grad and has no grad_fn");
    const TensorT<T> s = grad_outputs.empty() ? TensorT<T>() : grad_outputs[j];
    if (!s.defined()) {
      if (y.numel != 1)
        throw GraphError("grad: grad can be implicitly created only for one-element outputs; output " +
                         std::to_string(j) + " has shape " + y.shape.str() + ", pass grad_outputs of that shape");
      seeds.push_back(TensorT<T>::ones(y.shape));
    } else {
      if (s.shape() != y.shape)
        throw ShapeError("grad: grad_outputs[" + std::to_string(j) + "] has shape " + s.shape().str() + ", output " +
                         std::to_string(j) + " has shape " + y.shape.str());
      seeds.push_back(s);
    }
  }
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (!inputs[i].impl().requires_grad)
      throw GraphError("grad: input " + std::to_string(i) + " (shape " + inputs[i].shape().str() +
                       ") does not require grad");
  GraphPass<T> pass(&inputs, options.create_graph, "grad");
  return pass.run(outputs, seeds, options.retain_graph.value_or(options.create_graph), options.allow_unused);
}

namespace detail {
template <class T>
void backward_create_graph(const TensorT<T>& output, const TensorT<T>& seed, bool retain_graph) {
  GraphPass<T> pass(nullptr, true, "backward");
  pass.run({output}, {seed}, retain_graph, true);
}
}  // namespace detail

#define AD_INSTANTIATE(T)                                                                                  \
  template std::vector<TensorT<T>> grad<T>(const std::vector<TensorT<T>>&, const std::vector<TensorT<T>>&, \
                                           const std::vector<TensorT<T>>&, const GradOptions&);            \
  template void detail::backward_create_graph<T>(const TensorT<T>&, const TensorT<T>&, bool);
AD_INSTANTIATE(float)
AD_INSTANTIATE(double)

}  // namespace ad

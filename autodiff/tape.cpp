#include "autodiff/tape.h"

#include <atomic>
#include <string>

#include "autodiff/error.h"
#include "autodiff/pool.h"
#include "autodiff/ref.h"

namespace ad {

namespace {

// Deletes the thread's tape at thread exit if no node is left on it; else the nodes, still alive in some tensors
// another thread holds, keep pointing to it, and the last of them to be destroyed deletes it (Tape::orphaned).
struct TapeGuard {
  ~TapeGuard() {
    if (!detail::t_tape) return;
    if (detail::t_tape->live == 0)
      delete detail::t_tape;
    else
      detail::t_tape->orphaned = true;
    detail::t_tape = nullptr;
  }
};
thread_local TapeGuard t_guard;
std::atomic<int> g_hooked_leaves{0};

Tape& local_tape() { return detail::t_tape ? *detail::t_tape : *detail::new_tape(); }

}  // namespace

using detail::thread_flags;

bool grad_enabled() noexcept { return thread_flags.grad_enabled; }
NoGradGuard::NoGradGuard() : prev_(thread_flags.grad_enabled) { thread_flags.grad_enabled = false; }
NoGradGuard::~NoGradGuard() { thread_flags.grad_enabled = prev_; }
GradModeGuard::GradModeGuard(bool enabled) : prev_(thread_flags.grad_enabled) { thread_flags.grad_enabled = enabled; }
GradModeGuard::~GradModeGuard() { thread_flags.grad_enabled = prev_; }

bool anomaly_enabled() noexcept { return thread_flags.anomaly; }
void set_anomaly_enabled(bool on) noexcept { thread_flags.anomaly = on; }
AnomalyGuard::AnomalyGuard(bool on) : prev_(thread_flags.anomaly) { thread_flags.anomaly = on; }
AnomalyGuard::~AnomalyGuard() { thread_flags.anomaly = prev_; }

std::size_t live_nodes() noexcept { return detail::t_tape ? detail::t_tape->live : 0; }

namespace detail {

Tape* new_tape() {
  (void)&t_guard;  // make sure the guard is constructed on this thread
  t_tape = new Tape;
  return t_tape;
}

std::uint64_t begin_backward() { return ++thread_flags.epoch; }
void add_hooked_leaves(int delta) noexcept { g_hooked_leaves.fetch_add(delta, std::memory_order_relaxed); }

namespace {
// Clears the pass flag however the pass ends.
struct LeafHookPass {
  explicit LeafHookPass(bool on) { thread_flags.leaf_hooks_in_pass = on; }
  ~LeafHookPass() { thread_flags.leaf_hooks_in_pass = false; }
};
}  // namespace

void run_backward(NodeBase* root, bool retain_graph) {
  Tape& tp = local_tape();
  if (root->owner != &tp) throw GraphError("backward: the graph was recorded on another thread; graphs are per thread");
  const std::uint64_t epoch = thread_flags.epoch;
  // Leaves with gradient hooks need to know when their gradient for this pass is final: a pre-pass over the nodes
  // the main loop will run counts the contributions each leaf will receive (only when such leaves exist).
  const bool count_leaves = g_hooked_leaves.load(std::memory_order_relaxed) > 0;
  if (count_leaves)
    for (NodeBase* n = root; n; n = n->prev)
      if (n->reach_epoch == epoch) n->mark_inputs(epoch);
  LeafHookPass pass(count_leaves);
  // Reverse creation order is a valid order for the chain rule: every consumer of a tensor was created after it.
  NodeBase* oldest = root;  // the oldest node this pass ran
  for (NodeBase* n = root; n; n = n->prev) {
    if (n->reach_epoch != epoch) continue;  // not an ancestor of root
    if (n->released)
      throw GraphError(std::string("backward: trying to backpropagate through the graph a second time: the saved "
                                   "tensors of '") +
                       n->name() +
                       "' were released by the first backward; call backward(/*retain_graph=*/true) (or "
                       "backward(seed, true)) the first time if you need to backpropagate twice");
    n->run();
    oldest = n;
  }
  if (retain_graph) return;
  // Release the saved inputs, earliest node first, walking forward from the oldest node the pass ran to root.
  // Dropping a node's inputs can destroy only tensors created before it, and with them only earlier nodes, which
  // this walk has passed: the node it stands on and every later one stay.
  for (NodeBase* n = oldest;; n = n->next) {
    if (n->reach_epoch == epoch) {
      n->released = true;
      n->release_inputs();
    }
    if (n == root) break;
  }
}

}  // namespace detail
}  // namespace ad

#include "autodiff/tape.h"

#include <atomic>
#include <string>

#include "autodiff/error.h"
#include "autodiff/pool.h"
#include "autodiff/ref.h"

namespace ad {

struct Tape {
  std::vector<NodeBase*> nodes;  // creation order; nullptr where a node has been destroyed
  std::size_t live = 0;

  void compact() {
    std::size_t j = 0;
    for (NodeBase* n : nodes)
      if (n) {
        n->tape_index = j;
        nodes[j++] = n;
      }
    nodes.resize(j);
  }
};

namespace {

// The tape pointer is trivially destructible so that nodes destroyed during static destruction (a global tensor)
// can still check it; the owning guard deletes the tape at thread exit only if no node is left on it.
thread_local Tape* t_tape = nullptr;
struct TapeGuard {
  ~TapeGuard() {
    if (t_tape && t_tape->live == 0) {
      delete t_tape;
      t_tape = nullptr;
    }
  }
};
thread_local TapeGuard t_guard;
std::atomic<int> g_hooked_leaves{0};

Tape& local_tape() {
  if (!t_tape) {
    (void)&t_guard;  // make sure the guard is constructed on this thread
    t_tape = new Tape;
  }
  return *t_tape;
}

}  // namespace

NodeBase::NodeBase() = default;

NodeBase::~NodeBase() {
  if (!owner) return;
  Tape& tp = *owner;
  tp.nodes[tape_index] = nullptr;
  --tp.live;
  while (!tp.nodes.empty() && tp.nodes.back() == nullptr) tp.nodes.pop_back();
}

void* NodeBase::operator new(std::size_t bytes) { return pool_alloc(bytes); }
void NodeBase::operator delete(void* p, std::size_t bytes) noexcept { pool_free(p, bytes); }

using detail::thread_flags;

bool grad_enabled() noexcept { return thread_flags.grad_enabled; }
NoGradGuard::NoGradGuard() : prev_(thread_flags.grad_enabled) { thread_flags.grad_enabled = false; }
NoGradGuard::~NoGradGuard() { thread_flags.grad_enabled = prev_; }

bool anomaly_enabled() noexcept { return thread_flags.anomaly; }
void set_anomaly_enabled(bool on) noexcept { thread_flags.anomaly = on; }
AnomalyGuard::AnomalyGuard(bool on) : prev_(thread_flags.anomaly) { thread_flags.anomaly = on; }
AnomalyGuard::~AnomalyGuard() { thread_flags.anomaly = prev_; }

std::size_t live_nodes() noexcept { return t_tape ? t_tape->live : 0; }

namespace detail {

void tape_record(NodeBase* n) {
  Tape& tp = local_tape();
  // Long-lived nodes early on the tape leave holes behind them; compact when holes dominate.
  if (tp.nodes.size() >= 1024 && tp.nodes.size() >= 2 * tp.live) tp.compact();
  n->tape_index = static_cast<std::uint32_t>(tp.nodes.size());
  tp.nodes.push_back(n);
  n->owner = &tp;
  ++tp.live;
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
  thread_local std::vector<NodeBase*> reached;
  reached.clear();
  // Leaves with gradient hooks need to know when their gradient for this pass is final: a pre-pass over the nodes
  // the main loop will run counts the contributions each leaf will receive (only when such leaves exist).
  const bool count_leaves = g_hooked_leaves.load(std::memory_order_relaxed) > 0;
  if (count_leaves)
    for (std::size_t i = root->tape_index + 1; i-- > 0;) {
      NodeBase* n = tp.nodes[i];
      if (n && n->reach_epoch == epoch) n->mark_inputs(epoch);
    }
  LeafHookPass pass(count_leaves);
  // Reverse creation order is a valid order for the chain rule: every consumer of a tensor was created after it.
  for (std::size_t i = root->tape_index + 1; i-- > 0;) {
    NodeBase* n = tp.nodes[i];
    if (!n || n->reach_epoch != epoch) continue;  // not an ancestor of root
    if (n->released)
      throw GraphError(std::string("backward: trying to backpropagate through the graph a second time: the saved "
                                   "tensors of '") +
                       n->name() +
                       "' were released by the first backward; call backward(retain_graph=true) "
                       "the first time if you need to backpropagate twice");
    n->run();
    reached.push_back(n);
  }
  if (retain_graph) return;
  // Release the saved inputs, earliest node first. Dropping a node's inputs can destroy only tensors created before
  // it, and with them only earlier nodes, which this loop has already passed: no node still to visit is destroyed.
  for (std::size_t i = reached.size(); i-- > 0;) {
    reached[i]->released = true;
    reached[i]->release_inputs();
  }
  reached.clear();
}

}  // namespace detail
}  // namespace ad

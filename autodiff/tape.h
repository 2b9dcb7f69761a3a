// The tape: every operation on tensors that require gradients appends a node, in creation order.
//
// Creation order is a topological order of the graph (a node's inputs exist before it), so backward() is a plain
// reverse loop over the tape from the output's node down to the first node: no recursion, no sort. Nodes whose
// output received no gradient in the current backward pass are skipped (they are not ancestors of the output).
// The tape is per thread: each thread records and differentiates its own graphs. It is an intrusive doubly linked
// list: appending a node and unlinking a destroyed one are a few pointer writes, and nothing needs compacting.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "autodiff/pool.h"

namespace ad {

class RefCounted;

// One recorded operation. Owned by the tensor it produced; registered on its thread's tape while alive.
// Node<T> (node.h) is the typed implementation; the tape sees only this interface.
class NodeBase {
 public:
  NodeBase() = default;
  NodeBase(const NodeBase&) = delete;
  NodeBase& operator=(const NodeBase&) = delete;
  virtual ~NodeBase();  // unlinks the node from its tape (inline, below)

  // One step of the reverse pass: the output's gradient hooks, the check that saved inputs were not modified in
  // place, the op's chain rule (accumulating into its inputs' gradients), the anomaly check of what it wrote.
  virtual void run() = 0;
  // Before a pass that has leaves with gradient hooks: marks the nodes of the inputs that need a gradient as
  // reached, and counts, for each such leaf, how many contributions it will receive (when the count reaches zero
  // its gradient for the pass is final and its hooks run).
  virtual void mark_inputs(std::uint64_t epoch) = 0;
  // The op's name as users know it ("mul", "matmul", ...), used in error messages.
  virtual const char* name() const = 0;
  // Drops the references this node holds to its inputs (after a backward without retain_graph).
  virtual void release_inputs() = 0;

  static void* operator new(std::size_t bytes) { return pool_alloc(bytes); }
  static void operator delete(void* p, std::size_t bytes) noexcept { pool_free(p, bytes); }

  std::uint64_t reach_epoch = 0;  // == current backward epoch when the output received a gradient
  struct Tape* owner = nullptr;   // the tape (thread) this node is recorded on
  NodeBase* prev = nullptr;       // the node recorded before it on the tape (older), or null
  NodeBase* next = nullptr;       // the node recorded after it (newer), or null
  std::uint32_t pass_index = 0;   // position in the node list of a graph pass (autodiff/grad.cpp)
  bool released = false;          // saved tensors dropped after a backward without retain_graph
  bool embedded = false;          // constructed in its output's node slot (TensorImpl::node_slot), not allocated
};

// Whether operations are recorded now on this thread (false inside a NoGradGuard).
bool grad_enabled() noexcept;

// Scope guard: nothing is recorded while it lives (like torch.no_grad()). Nests.
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

// Scope guard setting grad mode on or off (torch.set_grad_enabled, LibTorch's AutoGradMode): GradModeGuard(true)
// records again inside a NoGradGuard, as torch.enable_grad(). Nests.
class GradModeGuard {
 public:
  explicit GradModeGuard(bool enabled);
  ~GradModeGuard();
  GradModeGuard(const GradModeGuard&) = delete;
  GradModeGuard& operator=(const GradModeGuard&) = delete;

 private:
  bool prev_;
};

// Anomaly detection (like torch.autograd.detect_anomaly): every forward output and every gradient written in
// backward is checked for NaN/Inf, and the first op that produced one is named in an AnomalyError.
bool anomaly_enabled() noexcept;
void set_anomaly_enabled(bool on) noexcept;
class AnomalyGuard {
 public:
  explicit AnomalyGuard(bool on = true);
  ~AnomalyGuard();
  AnomalyGuard(const AnomalyGuard&) = delete;
  AnomalyGuard& operator=(const AnomalyGuard&) = delete;

 private:
  bool prev_;
};

// Number of nodes alive on this thread's tape (0 once every graph has been released or dropped).
std::size_t live_nodes() noexcept;

// A thread's tape: its nodes form a list from `last` back through NodeBase::prev.
struct Tape {
  NodeBase* last = nullptr;  // the newest node
  std::size_t live = 0;      // nodes on it
  bool orphaned = false;     // its thread has exited while nodes were left: the last node's destruction deletes it
};
// Limitation: a node unlinks itself from its tape without a lock, so a tensor that carries a graph and is dropped on
// another thread must not be dropped while its creating thread records ops or exits (join or synchronise with it
// first), or be detach()ed before it is handed over, as tensors that cross threads usually are.

inline NodeBase::~NodeBase() {
  if (!owner) return;
  if (prev) prev->next = next;
  if (next)
    next->prev = prev;
  else
    owner->last = prev;
  if (--owner->live == 0 && owner->orphaned) delete owner;
}

namespace detail {
// This thread's tape, created with its first node. Trivially destructible, so that nodes destroyed during static
// destruction (a global tensor) can still check it; a guard deletes it at thread exit if no node is left on it.
inline thread_local Tape* t_tape = nullptr;

// Per-thread switches, read on every op (inline, no function call). Use NoGradGuard / AnomalyGuard to change them.
struct ThreadFlags {
  bool grad_enabled = true;
  bool anomaly = false;
  bool leaf_hooks_in_pass = false;  // a backward pass in which leaves with gradient hooks await contributions
  std::uint64_t epoch = 0;          // the current backward pass number; a gradient stamped otherwise is stale
};
// Defined here (inline), not only declared: with the constant initialiser in sight the compiler reads it directly,
// where an extern thread_local costs a call to its TLS init wrapper on every access.
inline thread_local ThreadFlags thread_flags;

Tape* new_tape();  // this thread's tape, on its first node
// Appends n to this thread's tape (inline: every recorded op does it).
inline void tape_record(NodeBase* n) {
  Tape* tp = t_tape ? t_tape : new_tape();
  n->owner = tp;
  n->prev = tp->last;
  if (tp->last) tp->last->next = n;
  tp->last = n;
  ++tp->live;
}
// Number of leaves with gradient hooks alive in the process (a pass counts contributions only when there are any).
void add_hooked_leaves(int delta) noexcept;
// The current backward pass number on this thread; a gradient stamped with another number is stale.
inline std::uint64_t current_epoch() noexcept { return thread_flags.epoch; }
// Runs the reverse loop from `root` (whose output gradient is already seeded); releases the graph unless
// retain_graph. Starts a new epoch: call begin_backward() first and seed with its result.
std::uint64_t begin_backward();
void run_backward(NodeBase* root, bool retain_graph);
}  // namespace detail

}  // namespace ad

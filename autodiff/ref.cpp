#include "autodiff/ref.h"

#include <vector>

namespace ad {

namespace {
// Objects whose last reference was dropped while another deletion is running on this thread.
// Trivially destructible thread-locals: no init-guard call on this hot path.
thread_local bool t_draining = false;
thread_local std::vector<RefCounted*>* t_pending = nullptr;
struct PendingGuard {
  ~PendingGuard() {
    delete t_pending;
    t_pending = nullptr;
  }
};
thread_local PendingGuard t_pending_guard;
}  // namespace

void RefCounted::release() noexcept {
  // A count of 1 means the caller holds the only reference, so no other thread can change it: skip the
  // (much slower) atomic read-modify-write in that common case of a temporary dying.
  if (refs_.load(std::memory_order_acquire) != 1 && refs_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  // Last reference. Deleting may drop the last references of other objects (a node's inputs): those are
  // queued, not deleted recursively, and this outermost call deletes them in a loop, so the stack depth stays
  // constant whatever the depth of the graph.
  if (t_draining) {
    if (!t_pending) {
      (void)&t_pending_guard;
      t_pending = new std::vector<RefCounted*>;
    }
    t_pending->push_back(this);
    return;
  }
  t_draining = true;
  delete this;
  while (t_pending && !t_pending->empty()) {
    RefCounted* p = t_pending->back();
    t_pending->pop_back();
    delete p;
  }
  t_draining = false;
}

}  // namespace ad

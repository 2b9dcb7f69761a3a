#include "autodiff/ref.h"

#include <vector>

namespace ad {

void RefCounted::release() noexcept {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  // Last reference: queue, and let the outermost release on this thread delete queued objects in a loop.
  // Deleting an object may release others (a node's inputs); those are queued, not deleted recursively.
  thread_local std::vector<RefCounted*> pending;
  thread_local bool draining = false;
  pending.push_back(this);
  if (draining) return;
  draining = true;
  while (!pending.empty()) {
    RefCounted* p = pending.back();
    pending.pop_back();
    delete p;
  }
  draining = false;
}

}  // namespace ad

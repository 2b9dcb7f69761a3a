#include "autodiff/ref.h"

#include <mutex>
#include <vector>

namespace ad {

namespace detail {

// A thread's record: the objects other threads found with a negative count (references the owner counted but another
// thread dropped), for the owner to merge. Records are never freed: objects point to their owner's record after the
// owner has exited (a few dozen bytes per thread the program ever ran). They stay reachable from a global list, so that
// leak checkers see them as live rather than leaked.
struct ThreadRecord : ThreadRecordHead {  // has_work: the queue is non-empty (polled by the owner without the lock)
  std::mutex mutex;
  std::vector<RefCounted*> queue;  // guarded by mutex
  bool exited = false;             // guarded by mutex
  ThreadRecord* next = nullptr;    // the global list of records, newest first

  // Owner only: merges the queued objects (their biased counts are the owner's to read).
  void drain() noexcept {
    std::vector<RefCounted*> work;
    {
      std::lock_guard<std::mutex> lock(mutex);
      work.swap(queue);
      has_work.store(false, std::memory_order_relaxed);
    }
    for (RefCounted* p : work) p->merge();
  }

  // Owner only, at its exit: no more queueing to it; what is queued is merged now.
  void close() noexcept {
    std::vector<RefCounted*> work;
    {
      std::lock_guard<std::mutex> lock(mutex);
      exited = true;
      work.swap(queue);
    }
    for (RefCounted* p : work) p->merge();
  }
};

namespace {

std::atomic<ThreadRecord*> g_records{nullptr};

ThreadRecord* new_record() {
  auto* r = new ThreadRecord;
  r->next = g_records.load(std::memory_order_relaxed);
  while (!g_records.compare_exchange_weak(r->next, r, std::memory_order_release, std::memory_order_relaxed)) {
  }
  return r;
}

// Closes the thread's record at thread exit: after it, the thread is no longer the owner of anything (its fast paths
// compare against a null record), and objects queued to it are merged by the thread that queues them.
struct RecordGuard {
  ~RecordGuard() {
    auto* r = static_cast<ThreadRecord*>(t_record);
    if (!r) return;
    t_record = nullptr;
    r->close();
  }
};
thread_local RecordGuard t_record_guard;

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
}  // namespace detail

void RefCounted::adopt_slow() noexcept {
  auto* r = static_cast<detail::ThreadRecord*>(detail::t_record);
  if (r == nullptr) {
    (void)&detail::t_record_guard;  // constructed before any object of this thread: destroyed after all of them
    r = detail::new_record();
    detail::t_record = r;
  } else {
    r->drain();  // a safe point of the owner: merge what other threads queued
  }
  owner_ = r;
  biased_ = 1;
}

// The owner dropped its last reference. Otherwise merge: if no other thread holds one (and the object awaits no merge in the
// owner's queue), the object is dead.
void RefCounted::release_biased_last() noexcept {
  // No count and no flag in shared_: no other thread holds a reference or can take one (it would need one to copy),
  // and the object is in no queue. The common case: an object that never left its thread dies without an atomic.
  if (shared_.load(std::memory_order_acquire) == 0) {
    destroy();
    return;
  }
  merged_ = true;
  const std::int64_t old = shared_.fetch_add(kMerged, std::memory_order_acq_rel);
  if ((old >> 2) == 0 && !(old & kQueued)) destroy();
}

void RefCounted::release_shared() noexcept {
  const std::int64_t old = shared_.fetch_sub(kOne, std::memory_order_acq_rel);
  const std::int64_t count = (old >> 2) - 1;
  if (old & kMerged) {
    if (count == 0 && !(old & kQueued)) destroy();
    return;
  }
  if (count >= 0 || (old & kQueued)) return;
  // A reference the owner counted was dropped here. Queue the object to the owner, once, for merging.
  const std::int64_t prev = shared_.fetch_or(kQueued, std::memory_order_acq_rel);
  if (prev & kQueued) return;
  auto* r = static_cast<detail::ThreadRecord*>(owner_);
  {
    std::lock_guard<std::mutex> lock(r->mutex);
    if (!r->exited) {
      r->queue.push_back(this);
      r->has_work.store(true, std::memory_order_relaxed);
      return;
    }
  }
  merge();  // the owner has exited (the lock ordered its last writes of biased_ before this read)
}

// Adds the biased count into the shared one and marks the object merged and no longer queued; frees it if that
// leaves no reference. Runs on the owner (draining its queue), or, once the owner has exited, on the thread that
// queued the object.
void RefCounted::merge() noexcept {
  if (merged_) {  // the owner's count reached 0 after the object was queued: only the queued flag remains to clear
    const std::int64_t old = shared_.fetch_sub(kQueued, std::memory_order_acq_rel);
    if ((old >> 2) == 0) destroy();
    return;
  }
  const std::int64_t biased = biased_;
  biased_ = 0;
  merged_ = true;
  const std::int64_t old = shared_.fetch_add((biased << 2) + kMerged - kQueued, std::memory_order_acq_rel);
  if ((old >> 2) + biased == 0) destroy();
}

void RefCounted::destroy() noexcept {
  // Deleting may drop the last references of other objects (a node's inputs): those are queued, not deleted
  // recursively, and this outermost call deletes them in a loop, so the stack depth stays constant whatever the
  // depth of the graph.
  using detail::t_draining;
  using detail::t_pending;
  if (t_draining) {
    if (!t_pending) {
      (void)&detail::t_pending_guard;
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

// Intrusive reference counting: biased (cheap on the creating thread) and with iterative release.
//
// Every recorded op takes references to its inputs and drops them after backward, and every reassigned handle drops
// one: about four count changes per op. As atomic read-modify-writes they were a third of the per-op cost (a locked
// instruction is a full barrier). Biased reference counting (Choi, Shull and Torrellas, PACT 2018) makes them plain
// increments in the common case: an object's creating thread, its owner, counts its references in `biased_`,
// without atomics; other threads count theirs in the atomic `shared_`. The object lives while biased + shared > 0:
//  - when the owner's count reaches 0 the object is merged: from then on every thread uses `shared_`, and whoever
//    brings it to 0 frees the object;
//  - a reference taken on the owner but dropped on another thread (a handle moved across threads) makes `shared_`
//    negative: the object is queued to its owner, which merges it (adds its biased count to `shared_`) the next time
//    it creates an object, or when it exits; once the owner has exited, the dropping thread merges it itself.
// `shared_` holds (count << 2) | kMerged | kQueued, so a count and its flags change in one atomic step.
//
// A recorded graph is a chain of tensors, each owning the node that created it, each node holding references to
// its inputs. Dropping the last handle of a 1,000,000-op chain with ordinary recursive destructors would overflow
// the stack. Here the last release does not delete at once: the object is queued and a loop on the outermost
// release deletes queued objects one at a time, so destruction depth is constant whatever the graph depth.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace ad {

namespace detail {
// The part of a thread's record that the inline paths read; the rest (its queue of objects to merge) is the
// ThreadRecord of ref.cpp, derived from it.
struct ThreadRecordHead {
  std::atomic<bool> has_work{false};  // other threads queued objects for the owner to merge
};
struct ThreadRecord;
// This thread's record, or null before its first object and after its exit. Inline with a constant initialiser, so
// that reading it costs no TLS init wrapper call (see tape.h's thread_flags).
inline thread_local ThreadRecordHead* t_record = nullptr;
}  // namespace detail

class RefCounted {
 public:
  RefCounted() = default;
  RefCounted(const RefCounted&) = delete;
  RefCounted& operator=(const RefCounted&) = delete;
  virtual ~RefCounted() = default;

  void retain() noexcept {
    if (owner_ == detail::t_record && !merged_) {
      ++biased_;
      return;
    }
    shared_.fetch_add(kOne, std::memory_order_relaxed);
  }
  // Drops one reference; on the last one the object is destroyed (iteratively, see above).
  void release() noexcept {
    if (owner_ == detail::t_record && !merged_) {
      if (--biased_ == 0) release_biased_last();
      return;
    }
    release_shared();
  }
  // For Ref::adopt_new: the creating thread takes the first reference and becomes the owner.
  void adopt_first_reference() noexcept {
    detail::ThreadRecordHead* r = detail::t_record;
    if (__builtin_expect(r == nullptr || r->has_work.load(std::memory_order_relaxed), 0)) {
      adopt_slow();
      return;
    }
    owner_ = r;
    biased_ = 1;
  }
  // The number of references (exact when no other thread is changing it).
  long use_count() const noexcept {
    return static_cast<long>(biased_) + static_cast<long>(shared_.load(std::memory_order_relaxed) >> 2);
  }

 private:
  friend struct detail::ThreadRecord;
  static constexpr std::int64_t kQueued = 1, kMerged = 2, kOne = 4;
  void adopt_slow() noexcept;  // the thread's first object, or merging queued objects first
  void release_biased_last() noexcept;
  void release_shared() noexcept;
  void merge() noexcept;  // on the owner, or on any thread once the owner has exited
  void destroy() noexcept;

  detail::ThreadRecordHead* owner_ = nullptr;  // the creating thread's record (a detail::ThreadRecord)
  std::uint32_t biased_ = 0;  // the owner's references (owner only, or the merging thread after the owner's exit)
  bool merged_ = false;       // owner's copy of kMerged: its fast paths read no atomic
  std::atomic<std::int64_t> shared_{0};
};

// Owning smart pointer for RefCounted objects.
template <class X>
class Ref {
 public:
  Ref() = default;
  explicit Ref(X* p) : p_(p) {
    if (p_) p_->retain();
  }
  // Takes a freshly created object as its first owner.
  static Ref adopt_new(X* p) {
    Ref r;
    r.p_ = p;
    p->adopt_first_reference();
    return r;
  }
  Ref(const Ref& o) : p_(o.p_) {
    if (p_) p_->retain();
  }
  Ref(Ref&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  Ref& operator=(Ref o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  ~Ref() {
    if (p_) p_->release();
  }
  X* get() const { return p_; }
  X* operator->() const { return p_; }
  X& operator*() const { return *p_; }
  explicit operator bool() const { return p_ != nullptr; }
  void reset() { Ref().swap(*this); }
  void swap(Ref& o) noexcept { std::swap(p_, o.p_); }
  // Gives up ownership without releasing (the caller takes over the reference).
  X* leak() { return std::exchange(p_, nullptr); }

 private:
  X* p_ = nullptr;
};

}  // namespace ad

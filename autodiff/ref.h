// Intrusive reference counting with iterative release.
//
// A recorded graph is a chain of tensors, each owning the node that created it, each node holding references to
// its inputs. Dropping the last handle of a 1,000,000-op chain with ordinary recursive destructors would overflow
// the stack. Here the last release does not delete at once: the object is queued and a loop on the outermost
// release deletes queued objects one at a time, so destruction depth is constant whatever the graph depth.
#pragma once
#include <atomic>
#include <cstddef>
#include <utility>

namespace ad {

class RefCounted {
 public:
  RefCounted() = default;
  RefCounted(const RefCounted&) = delete;
  RefCounted& operator=(const RefCounted&) = delete;
  virtual ~RefCounted() = default;

  void retain() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  // For Ref::adopt_new: no other thread can see an object that is still being created.
  void adopt_first_reference() noexcept { refs_.store(1, std::memory_order_relaxed); }
  // Drops one reference; on the last one the object is destroyed (iteratively, see above).
  void release() noexcept;
  int use_count() const noexcept { return refs_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int> refs_{0};
};

// Owning smart pointer for RefCounted objects.
template <class X>
class Ref {
 public:
  Ref() = default;
  explicit Ref(X* p) : p_(p) {
    if (p_) p_->retain();
  }
  // Takes a freshly created object (count 0) as its first owner, with a plain store instead of an atomic increment.
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

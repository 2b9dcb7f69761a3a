// Shape: the dimensions of a tensor, stored inline (no heap allocation), at most kMaxRank dimensions.
// Tensors are always contiguous and row-major, so a shape fully describes the memory layout.
#pragma once
#include <array>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <vector>

namespace ad {

class Shape {
 public:
  static constexpr std::size_t kMaxRank = 8;
  // At most 2^48 elements (2 PiB of doubles, beyond any machine): numel() throws ShapeError when the product of
  // the non-zero dimensions exceeds it, so that no product of dimensions or byte count can wrap around and describe
  // a tensor larger than its storage, and no loop over the dimensions of an empty tensor runs for ages.
  static constexpr std::size_t kMaxNumel = std::size_t(1) << 48;

  Shape() = default;
  Shape(std::initializer_list<std::size_t> dims);
  explicit Shape(const std::vector<std::size_t>& dims);
  template <class It>
  Shape(It first, It last) {
    for (; first != last; ++first) push_back(static_cast<std::size_t>(*first));
  }

  std::size_t rank() const { return rank_; }
  std::size_t operator[](std::size_t i) const { return dims_[i]; }
  std::size_t& operator[](std::size_t i) { return dims_[i]; }
  // Number of elements (1 for a rank-0 scalar, 0 if any dimension is 0). ShapeError above kMaxNumel (see there).
  std::size_t numel() const;
  void push_back(std::size_t d);
  const std::size_t* begin() const { return dims_.data(); }
  const std::size_t* end() const { return dims_.data() + rank_; }
  std::vector<std::size_t> vec() const { return {begin(), end()}; }
  std::string str() const;  // "[3, 4]"

  friend bool operator==(const Shape& a, const Shape& b) {
    if (a.rank_ != b.rank_) return false;
    for (std::size_t i = 0; i < a.rank_; ++i)
      if (a.dims_[i] != b.dims_[i]) return false;
    return true;
  }
  friend bool operator!=(const Shape& a, const Shape& b) { return !(a == b); }

 private:
  std::array<std::size_t, kMaxRank> dims_{};
  std::size_t rank_ = 0;
};

// NumPy broadcasting: align trailing dimensions; each pair must be equal or contain a 1.
// Throws ShapeError naming `op` and both shapes when they do not broadcast.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

// Resolve a possibly negative axis against `rank`; throws IndexError naming `op` when out of range.
std::size_t normalize_axis(int axis, std::size_t rank, const char* op);

// Row-major strides in elements of `s` for a view of rank `out_rank` (leading axes padded),
// with stride 0 along axes where `s` has size 1 and the target does not (broadcasting).
std::array<std::size_t, Shape::kMaxRank> broadcast_strides(const Shape& s, const Shape& target);

// Split a shape around `axis` into (outer, n, inner) so that element (o, k, i) is at (o * n + k) * inner + i.
struct AxisSplit {
  std::size_t outer, n, inner;
};
AxisSplit split_at(const Shape& s, std::size_t axis);

}  // namespace ad

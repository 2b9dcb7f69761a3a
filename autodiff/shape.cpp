#include "autodiff/shape.h"

#include "autodiff/error.h"

namespace ad {

Shape::Shape(std::initializer_list<std::size_t> dims) {
  for (std::size_t d : dims) push_back(d);
}

Shape::Shape(const std::vector<std::size_t>& dims) {
  for (std::size_t d : dims) push_back(d);
}

void Shape::push_back(std::size_t d) {
  if (rank_ == kMaxRank) throw ShapeError("shape has more than " + std::to_string(kMaxRank) + " dimensions");
  dims_[rank_++] = d;
}

std::size_t Shape::numel() const {
  // Checked: [2^32, 2^32] would wrap to 0 elements and [2^63 + 1, 2] to 2, giving tensors far larger than their
  // storage. Zero dimensions are left out of the check: [0, 2^62] has no elements, but a loop over its 2^62 rows
  // would never end, so it is refused like [1, 2^62].
  std::size_t n = 1;
  bool empty = false, too_large = false;
  for (std::size_t i = 0; i < rank_; ++i) {
    if (dims_[i] == 0)
      empty = true;
    else
      too_large = too_large || __builtin_mul_overflow(n, dims_[i], &n) || n > kMaxNumel;
  }
  if (too_large)
    throw ShapeError("shape " + str() +
                     " is too large: more than 2^48 elements (Shape::kMaxNumel), not counting "
                     "zero dimensions");
  return empty ? 0 : n;
}

std::string Shape::str() const {
  std::string s = "[";
  for (std::size_t i = 0; i < rank_; ++i) {
    if (i) s += ", ";
    s += std::to_string(dims_[i]);
  }
  return s + "]";
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const std::size_t r = a.rank() > b.rank() ? a.rank() : b.rank();
  Shape out;
  for (std::size_t i = 0; i < r; ++i) {
    // Dimension i of the result, counted from the left of the longer shape.
    const std::size_t ia = i + a.rank(), ib = i + b.rank();
    const std::size_t da = ia >= r ? a[ia - r] : 1, db = ib >= r ? b[ib - r] : 1;
    if (da != db && da != 1 && db != 1)
      throw ShapeError(std::string(op) + ": shapes " + a.str() + " and " + b.str() + " cannot be broadcast together");
    out.push_back(da == 1 ? db : da);
  }
  return out;
}

std::size_t normalize_axis(int axis, std::size_t rank, const char* op) {
  const long r = static_cast<long>(rank);
  const long a = axis < 0 ? axis + r : axis;
  if (a < 0 || a >= r)
    throw IndexError(std::string(op) + ": axis " + std::to_string(axis) + " is out of range for a tensor of rank " +
                     std::to_string(rank));
  return static_cast<std::size_t>(a);
}

std::array<std::size_t, Shape::kMaxRank> broadcast_strides(const Shape& s, const Shape& target) {
  std::array<std::size_t, Shape::kMaxRank> st{};
  std::size_t stride = 1;
  const std::size_t off = target.rank() - s.rank();
  for (std::size_t i = s.rank(); i-- > 0;) {
    st[i + off] = (s[i] == 1 && target[i + off] != 1) ? 0 : stride;
    stride *= s[i];
  }
  return st;
}

AxisSplit split_at(const Shape& s, std::size_t axis) {
  AxisSplit r{1, s[axis], 1};
  for (std::size_t i = 0; i < axis; ++i) r.outer *= s[i];
  for (std::size_t i = axis + 1; i < s.rank(); ++i) r.inner *= s[i];
  return r;
}

}  // namespace ad

// pad, as PyTorch's F.pad. pads = (before, after) pairs, the first pair for the last axis, the next for the one
// before it, and so on.
//   "constant":  y = x placed inside a tensor filled with `value` (PadNode). Its adjoint is the interior of the
//                gradient, narrow along each padded axis (narrow's own adjoint is index_add: every order works).
//                A negative amount crops (narrow first).
//   "reflect", "replicate", "circular": each output index along an axis reads one input index (mirrored without
//                repeating the edge, clamped, or wrapped), so the op is index_select along each padded axis.
#include <algorithm>

#include "autodiff/conv.h"
#include "autodiff/node.h"
#include "autodiff/ops_adjoint.h"

namespace ad {
namespace {

// Calls f(x_offset, y_offset) for the start of every row (last axis) of x, y = x shifted by `lo` along each axis
// inside a tensor of shape `ys`.
template <class F>
void for_each_row(const Shape& xs, const Shape& ys, const std::vector<std::size_t>& lo, F f) {
  const std::size_t r = xs.rank();
  if (r == 0) return f(std::size_t(0), std::size_t(0));
  std::vector<std::size_t> ystride(r, 1), i(r, 0);
  for (std::size_t d = r - 1; d > 0; --d) ystride[d - 1] = ystride[d] * ys[d];
  const std::size_t rows = xs.numel() / std::max<std::size_t>(1, xs[r - 1]);
  if (xs.numel() == 0) return;
  for (std::size_t row = 0; row < rows; ++row) {
    std::size_t yo = lo[r - 1];
    for (std::size_t d = 0; d + 1 < r; ++d) yo += (i[d] + lo[d]) * ystride[d];
    f(row * xs[r - 1], yo);
    for (std::size_t d = r - 1; d-- > 0;) {  // next row: odometer over the leading axes
      if (++i[d] < xs[d]) break;
      i[d] = 0;
    }
  }
}

template <class T>
class PadNode final : public Node<T> {
 public:
  explicit PadNode(std::vector<std::size_t> lo) : lo_(std::move(lo)) {}
  const char* name() const override { return "pad"; }
  void backward() override {
    T* gx = this->gin(0);
    if (!gx) return;
    const T* g = this->gout();
    const Shape& xs = this->input(0)->shape;
    const std::size_t n = xs.rank() ? xs[xs.rank() - 1] : 1;
    for_each_row(xs, this->out->shape, lo_, [&](std::size_t xo, std::size_t yo) {
      for (std::size_t j = 0; j < n; ++j) gx[xo + j] += g[yo + j];
    });
  }
  void backward_graph(const TensorT<T>& g, const bool* need, TensorT<T>* gin) override {
    if (!need[0]) return;
    const Shape& xs = this->input(0)->shape;
    TensorT<T> r = g;
    for (std::size_t d = 0; d < xs.rank(); ++d)
      if (r.shape()[d] != xs[d]) r = narrow(r, static_cast<int>(d), lo_[d], xs[d]);
    gin[0] = r;
  }

 private:
  std::vector<std::size_t> lo_;
};

std::string pads_str(const std::vector<long long>& pads) {
  std::string s = "(";
  for (std::size_t i = 0; i < pads.size(); ++i) s += (i ? ", " : "") + std::to_string(pads[i]);
  return s + ")";
}

}  // namespace

template <class T>
TensorT<T> pad(const TensorT<T>& x, const std::vector<long long>& pads, const std::string& mode, double value) {
  const Shape& xs = x.shape();
  const std::size_t r = xs.rank();
  if (pads.size() % 2 != 0 || pads.size() / 2 > r)
    throw ValueError("pad: expected (before, after) pairs for at most " + std::to_string(r) +
                     " axes of the input of shape " + xs.str() + ", got pads " + pads_str(pads));
  if (mode != "constant" && mode != "reflect" && mode != "replicate" && mode != "circular")
    throw ValueError("pad: mode must be \"constant\", \"reflect\", \"replicate\" or \"circular\", got \"" + mode +
                     "\"");
  const std::size_t k = pads.size() / 2;
  // Each padded size must be representable before anything is computed from it: amounts beyond the element limit
  // of a shape are refused here (their sums would overflow), the padded shape's total by Shape::numel below.
  const long long limit = static_cast<long long>(Shape::kMaxNumel);
  Shape padded = xs;
  for (std::size_t p = 0; p < k; ++p) {
    const std::size_t d = r - 1 - p;
    const long long before = pads[2 * p], after = pads[2 * p + 1];
    if (mode != "constant" && (before < 0 || after < 0))
      throw ValueError("pad: negative pads " + pads_str(pads) + " are only allowed in \"constant\" mode, not \"" +
                       mode + "\"");
    if (before > limit || after > limit || before < -limit || after < -limit)
      throw ShapeError("pad: pads " + pads_str(pads) +
                       " exceed the largest size of an axis (2^48) for the input of shape " + xs.str());
    padded[d] = static_cast<std::size_t>(std::max(0LL, static_cast<long long>(xs[d]) + before + after));
  }
  (void)padded.numel();  // ShapeError when the padded tensor would be too large
  TensorT<T> y = x;
  if (mode == "constant") {
    // Negative amounts crop first; then the rest is a constant frame.
    std::vector<std::size_t> lo(r, 0);
    Shape ys = xs;
    for (std::size_t p = 0; p < k; ++p) {
      const std::size_t d = r - 1 - p;
      const long long before = pads[2 * p], after = pads[2 * p + 1];
      const long long keep = static_cast<long long>(xs[d]) + std::min(before, 0LL) + std::min(after, 0LL);
      if (keep < 0)
        throw ValueError("pad: pads " + pads_str(pads) + " crop more than the " + std::to_string(xs[d]) +
                         " elements of axis " + std::to_string(d) + " of the input of shape " + xs.str());
      if (before < 0 || after < 0)
        y = narrow(y, static_cast<int>(d), static_cast<std::size_t>(std::max(0LL, -before)),
                   static_cast<std::size_t>(keep));
      lo[d] = static_cast<std::size_t>(std::max(0LL, before));
      ys[d] = static_cast<std::size_t>(keep + std::max(0LL, before) + std::max(0LL, after));
    }
    if (ys == y.shape()) return y;
    ImplRef<T> out = TensorImpl<T>::create(ys);
    std::fill(out->data, out->data + out->numel, static_cast<T>(value));
    const T* src = y.data();
    const std::size_t n = r ? y.shape()[r - 1] : 1;
    for_each_row(y.shape(), ys, lo, [&](std::size_t xo, std::size_t yo) { std::copy_n(src + xo, n, out->data + yo); });
    record<PadNode<T>>(out.get(), "pad", {&y.impl()}, std::move(lo));
    return TensorT<T>(std::move(out));
  }
  for (std::size_t p = 0; p < k; ++p) {
    const std::size_t d = r - 1 - p;
    const long long n = static_cast<long long>(xs[d]), before = pads[2 * p], after = pads[2 * p + 1];
    if (before < 0 || after < 0)
      throw ValueError("pad: negative pads " + pads_str(pads) + " are only allowed in \"constant\" mode, not \"" +
                       mode + "\"");
    if (before == 0 && after == 0) continue;
    if (n == 0 || (mode == "reflect" && (before >= n || after >= n)) ||
        (mode == "circular" && (before > n || after > n)))
      throw ValueError("pad: " + mode + " padding " + pads_str(pads) + " needs " +
                       (mode == "reflect" ? "amounts smaller than" : "amounts at most") + " the size " +
                       std::to_string(n) + " of axis " + std::to_string(d) + " of the input of shape " + xs.str());
    std::vector<std::size_t> idx;
    for (long long j = -before; j < n + after; ++j) {
      long long i = j;
      if (mode == "reflect")
        i = j < 0 ? -j : (j >= n ? 2 * (n - 1) - j : j);
      else if (mode == "replicate")
        i = std::clamp(j, 0LL, n - 1);
      else
        i = ((j % n) + n) % n;
      idx.push_back(static_cast<std::size_t>(i));
    }
    y = index_select(y, static_cast<int>(d), idx);
  }
  return y;
}

template TensorT<float> pad<float>(const TensorT<float>&, const std::vector<long long>&, const std::string&, double);
template TensorT<double> pad<double>(const TensorT<double>&, const std::vector<long long>&, const std::string&, double);

}  // namespace ad

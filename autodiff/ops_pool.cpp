// Pooling. Each is a gather or a linear map already in the library, so its gradients of every order come from ops
// that exist:
//   max_pool2d          a gather of the window maxima: y[k] = x[idx[k]], whose adjoint is the recorded index_add
//                       (gx[idx[k]] += g[k]) of ops_adjoint.h, and index_add's adjoint is the gather again.
//   avg_pool2d          a convolution of each channel with a constant kernel of ones, divided by the window size:
//                       conv2d's gradients (ops_conv.cpp) apply.
//   adaptive_avg_pool2d a linear map with its adjoint as a recorded op (AdaptiveAvgNode and
//                       AdaptiveAvgAdjointNode, each the other's derivative).
#include <cmath>
#include <limits>

#include "autodiff/conv.h"
#include "autodiff/conv_geometry.h"
#include "autodiff/node.h"
#include "autodiff/ops_adjoint.h"
#include "autodiff/parallel.h"
#include "autodiff/pool.h"

namespace ad {
namespace {

using detail::ConvGeom;

constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();  // a window with no element of the input

// The flat input index of each output's maximum, in a pool block owned by the node once it is recorded.
struct Argmax {
  explicit Argmax(std::size_t n) : n(n), p(static_cast<std::size_t*>(pool_alloc(n * sizeof(std::size_t)))) {}
  Argmax(Argmax&& o) noexcept : n(o.n), p(o.p) { o.p = nullptr; }
  Argmax(const Argmax&) = delete;
  Argmax& operator=(const Argmax&) = delete;
  ~Argmax() {
    if (p) pool_free(p, n * sizeof(std::size_t));
  }
  std::size_t n;
  std::size_t* p;
};

template <class T>
class MaxPoolNode final : public Node<T> {
 public:
  explicit MaxPoolNode(Argmax&& idx) : idx_(std::move(idx)) {}
  const char* name() const override { return "max_pool2d"; }
  void backward() override {
    T* gx = this->gin(0);
    if (!gx) return;
    const T* g = this->gout();
    for (std::size_t k = 0; k < idx_.n; ++k)
      if (idx_.p[k] != kNone) gx[idx_.p[k]] += g[k];
  }
  void backward_graph(const TensorT<T>& g, const bool* need, TensorT<T>* gin) override {
    if (!need[0]) return;
    const TensorImpl<T>* x = this->input(0);
    std::vector<std::size_t> idx, from;  // the outputs that have an input element, and that element
    for (std::size_t k = 0; k < idx_.n; ++k)
      if (idx_.p[k] != kNone) idx.push_back(idx_.p[k]), from.push_back(k);
    TensorT<T> gk = reshape(g, Shape{idx_.n});
    if (from.size() != idx_.n) gk = index_select(gk, 0, from);
    gin[0] = reshape(detail::index_add(gk, AxisSplit{1, x->numel, 1}, idx), x->shape);
  }

 private:
  Argmax idx_;
};

// The spatial shape of y: 4-D when x is, else 3-D.
Shape pooled_shape(const Shape& x, const ConvGeom& g) {
  return x.rank() == 4 ? Shape{g.N, g.C, g.OH, g.OW} : Shape{g.C, g.OH, g.OW};
}

long long signed_size(std::size_t v) { return static_cast<long long>(v); }

}  // namespace

template <class T>
TensorT<T> max_pool2d(const TensorT<T>& x, Size2 kernel_size, Size2 stride, Size2 padding, Size2 dilation,
                      bool ceil_mode) {
  const ConvGeom g = detail::pool_geometry("max_pool2d", x.shape(), kernel_size, stride, padding, dilation, ceil_mode);
  ImplRef<T> out = TensorImpl<T>::create(pooled_shape(x.shape(), g));
  Argmax idx(out->numel);
  const T* xd = x.data();
  T* yd = out->data;
  std::size_t* id = idx.p;
  const long long H = signed_size(g.H), W = signed_size(g.W);
  // Planes (n, c) are independent: split over the library's threads.
  detail::parallel_for(g.N * g.C, [&](std::size_t p0, std::size_t p1, int) {
    for (std::size_t plane = p0; plane < p1; ++plane) {
      const std::size_t base = plane * g.H * g.W;
      std::size_t k = plane * g.OH * g.OW;
      for (std::size_t oh = 0; oh < g.OH; ++oh) {
        const long long h0 = signed_size(oh * g.SH) - signed_size(g.PH);
        const bool rows_inside = h0 >= 0 && h0 + signed_size((g.KH - 1) * g.DH) < H;
        for (std::size_t ow = 0; ow < g.OW; ++ow, ++k) {
          const long long w0 = signed_size(ow * g.SW) - signed_size(g.PW);
          // PyTorch's rule: scan the window row by row; a larger value or a NaN takes over. The first element
          // inside the image is the answer when nothing beats -inf.
          T best = -std::numeric_limits<T>::infinity();
          std::size_t at = kNone;
          if (rows_inside && w0 >= 0 && w0 + signed_size((g.KW - 1) * g.DW) < W) {  // no bounds checks needed
            const std::size_t start = base + static_cast<std::size_t>(h0 * W + w0);
            at = start;
            for (std::size_t ki = 0; ki < g.KH; ++ki)
              for (std::size_t kj = 0; kj < g.KW; ++kj) {
                const std::size_t i = start + ki * g.DH * g.W + kj * g.DW;
                const T v = xd[i];
                if (v > best || std::isnan(v)) best = v, at = i;
              }
          } else {
            for (std::size_t ki = 0; ki < g.KH; ++ki) {
              const long long ih = h0 + signed_size(ki * g.DH);
              if (ih < 0 || ih >= H) continue;
              for (std::size_t kj = 0; kj < g.KW; ++kj) {
                const long long iw = w0 + signed_size(kj * g.DW);
                if (iw < 0 || iw >= W) continue;
                const std::size_t i = base + static_cast<std::size_t>(ih * W + iw);
                if (at == kNone) at = i;
                const T v = xd[i];
                if (v > best || std::isnan(v)) best = v, at = i;
              }
            }
          }
          id[k] = at;  // kNone when the whole window lies in the padding (possible with dilation): -inf, no gradient
          yd[k] = at == kNone ? -std::numeric_limits<T>::infinity() : xd[at];
        }
      }
    }
  });
  record<MaxPoolNode<T>>(out.get(), "max_pool2d", {&x.impl()}, std::move(idx));
  return TensorT<T>(std::move(out));
}

template <class T>
TensorT<T> avg_pool2d(const TensorT<T>& x, Size2 kernel_size, Size2 stride, Size2 padding, bool ceil_mode,
                      bool count_include_pad, long long divisor_override) {
  const ConvGeom g = detail::pool_geometry("avg_pool2d", x.shape(), kernel_size, stride, padding, 1, ceil_mode);
  if (divisor_override < 0)
    throw ValueError("avg_pool2d: divisor_override must be positive (or 0 for none), got " +
                     std::to_string(divisor_override));
  // Window sums: every channel convolved with ones. With ceil_mode the last window may reach past the padding; the
  // extra rows and columns are zeros appended at the bottom and right (they add nothing to the sums).
  const long long need_h = signed_size((g.OH - 1) * g.SH + g.KH) - signed_size(g.H + 2 * g.PH);
  const long long need_w = signed_size((g.OW - 1) * g.SW + g.KW) - signed_size(g.W + 2 * g.PW);
  TensorT<T> planes = reshape(x, Shape{g.N * g.C, 1, g.H, g.W});
  if (need_h > 0 || need_w > 0) planes = pad(planes, {0, std::max(0LL, need_w), 0, std::max(0LL, need_h)});
  const TensorT<T> sums =
      conv2d(planes, TensorT<T>::ones(Shape{1, 1, g.KH, g.KW}), TensorT<T>{},
             Size2(signed_size(g.SH), signed_size(g.SW)), Size2(signed_size(g.PH), signed_size(g.PW)));
  // PyTorch's divisor per output cell: the window clipped to the padded image (count_include_pad), or to the image.
  TensorT<T> inv = TensorT<T>::empty(Shape{g.OH, g.OW});
  T* r = inv.mutable_data();
  const long long H = signed_size(g.H), W = signed_size(g.W), PH = signed_size(g.PH), PW = signed_size(g.PW);
  for (std::size_t oh = 0; oh < g.OH; ++oh)
    for (std::size_t ow = 0; ow < g.OW; ++ow) {
      long long hs = signed_size(oh * g.SH) - PH, ws = signed_size(ow * g.SW) - PW;
      long long he = std::min(hs + signed_size(g.KH), H + PH), we = std::min(ws + signed_size(g.KW), W + PW);
      const long long padded = (he - hs) * (we - ws);
      hs = std::max(hs, 0LL), ws = std::max(ws, 0LL), he = std::min(he, H), we = std::min(we, W);
      const long long d = divisor_override ? divisor_override : count_include_pad ? padded : (he - hs) * (we - ws);
      r[oh * g.OW + ow] = T(1) / static_cast<T>(d);
    }
  return reshape(sums * inv, pooled_shape(x.shape(), g));
}

namespace {

// Adaptive average pooling over planes of H x W: output cell (i, j) averages rows [rs_i, re_i) and columns
// [cs_j, ce_j). The map A and its adjoint A^T (each cell's gradient spread evenly over its bin) are the two ops
// below; each one's derivative is the other, so every order is covered. A direct loop rather than two averaging
// matmuls: a product with a 0/1-weighted matrix would turn an inf in one bin into NaN in every other (0 * inf).
struct AdaptiveGeom {
  std::size_t planes, H, W, OH, OW;
  std::size_t start(std::size_t i, std::size_t n, std::size_t o) const { return i * n / o; }
  std::size_t end(std::size_t i, std::size_t n, std::size_t o) const { return ((i + 1) * n + o - 1) / o; }
};

template <class T>
void adaptive_average(const AdaptiveGeom& g, const T* x, T* y) {
  for (std::size_t p = 0; p < g.planes; ++p)
    for (std::size_t i = 0; i < g.OH; ++i)
      for (std::size_t j = 0; j < g.OW; ++j) {
        const std::size_t r0 = g.start(i, g.H, g.OH), r1 = g.end(i, g.H, g.OH);
        const std::size_t c0 = g.start(j, g.W, g.OW), c1 = g.end(j, g.W, g.OW);
        T sum = T(0);
        for (std::size_t r = r0; r < r1; ++r)
          for (std::size_t c = c0; c < c1; ++c) sum += x[(p * g.H + r) * g.W + c];
        y[(p * g.OH + i) * g.OW + j] = sum / static_cast<T>((r1 - r0) * (c1 - c0));
      }
}

// gx += A^T g.
template <class T>
void adaptive_spread(const AdaptiveGeom& g, const T* gy, T* gx) {
  for (std::size_t p = 0; p < g.planes; ++p)
    for (std::size_t i = 0; i < g.OH; ++i)
      for (std::size_t j = 0; j < g.OW; ++j) {
        const std::size_t r0 = g.start(i, g.H, g.OH), r1 = g.end(i, g.H, g.OH);
        const std::size_t c0 = g.start(j, g.W, g.OW), c1 = g.end(j, g.W, g.OW);
        const T v = gy[(p * g.OH + i) * g.OW + j] / static_cast<T>((r1 - r0) * (c1 - c0));
        for (std::size_t r = r0; r < r1; ++r)
          for (std::size_t c = c0; c < c1; ++c) gx[(p * g.H + r) * g.W + c] += v;
      }
}

template <class T>
TensorT<T> adaptive_op(const TensorT<T>& x, const AdaptiveGeom& g, const Shape& out_shape);
template <class T>
TensorT<T> adaptive_adjoint_op(const TensorT<T>& gy, const AdaptiveGeom& g, const Shape& in_shape);

template <class T>
class AdaptiveAvgNode final : public Node<T> {
 public:
  explicit AdaptiveAvgNode(const AdaptiveGeom& g) : g_(g) {}
  const char* name() const override { return "adaptive_avg_pool2d"; }
  void backward() override {
    if (T* gx = this->gin(0)) adaptive_spread(g_, this->gout(), gx);
  }
  void backward_graph(const TensorT<T>& g, const bool* need, TensorT<T>* gin) override {
    if (need[0]) gin[0] = adaptive_adjoint_op(g, g_, this->input(0)->shape);
  }

 private:
  AdaptiveGeom g_;
};

template <class T>
class AdaptiveAvgAdjointNode final : public Node<T> {
 public:
  explicit AdaptiveAvgAdjointNode(const AdaptiveGeom& g) : g_(g) {}
  const char* name() const override { return "adaptive_avg_pool2d_backward"; }
  void backward() override {
    T* gg = this->gin(0);
    if (!gg) return;
    const std::size_t n = g_.planes * g_.OH * g_.OW;
    Shape s{n};
    TensorT<T> tmp = TensorT<T>::empty(s);
    adaptive_average(g_, this->gout(), tmp.mutable_data());
    for (std::size_t k = 0; k < n; ++k) gg[k] += tmp.data()[k];
  }
  void backward_graph(const TensorT<T>& h, const bool* need, TensorT<T>* gin) override {
    if (need[0]) gin[0] = adaptive_op(h, g_, this->input(0)->shape);
  }

 private:
  AdaptiveGeom g_;
};

template <class T>
TensorT<T> adaptive_op(const TensorT<T>& x, const AdaptiveGeom& g, const Shape& out_shape) {
  ImplRef<T> out = TensorImpl<T>::create(out_shape);
  adaptive_average(g, x.data(), out->data);
  record<AdaptiveAvgNode<T>>(out.get(), "adaptive_avg_pool2d", {&x.impl()}, g);
  return TensorT<T>(std::move(out));
}

template <class T>
TensorT<T> adaptive_adjoint_op(const TensorT<T>& gy, const AdaptiveGeom& g, const Shape& in_shape) {
  ImplRef<T> out = TensorImpl<T>::create(in_shape);
  std::fill(out->data, out->data + out->numel, T(0));
  adaptive_spread(g, gy.data(), out->data);
  record<AdaptiveAvgAdjointNode<T>>(out.get(), "adaptive_avg_pool2d_backward", {&gy.impl()}, g);
  return TensorT<T>(std::move(out));
}

}  // namespace

template <class T>
TensorT<T> adaptive_avg_pool2d(const TensorT<T>& x, Size2 output_size) {
  if (x.dim() != 3 && x.dim() != 4)
    throw ShapeError("adaptive_avg_pool2d: expected a 4-D input (N, C, H, W) or a 3-D one (C, H, W), got shape " +
                     x.shape().str());
  if (output_size.h < 1 || output_size.w < 1)
    throw ValueError("adaptive_avg_pool2d: output_size must be at least 1, got (" + std::to_string(output_size.h) +
                     ", " + std::to_string(output_size.w) + ")");
  const std::size_t r = x.dim();
  const std::size_t H = x.shape()[r - 2], W = x.shape()[r - 1];
  if (H == 0 || W == 0)
    throw ShapeError("adaptive_avg_pool2d: input of shape " + x.shape().str() + " has an empty image");
  const std::size_t OH = static_cast<std::size_t>(output_size.h), OW = static_cast<std::size_t>(output_size.w);
  Shape s = x.shape();
  s[r - 2] = OH, s[r - 1] = OW;
  (void)s.numel();  // ShapeError for an output size too large to hold
  const AdaptiveGeom g{x.numel() / (H * W), H, W, OH, OW};
  return adaptive_op(x, g, s);
}

#define AD_INSTANTIATE(T)                                                                           \
  template TensorT<T> max_pool2d<T>(const TensorT<T>&, Size2, Size2, Size2, Size2, bool);           \
  template TensorT<T> avg_pool2d<T>(const TensorT<T>&, Size2, Size2, Size2, bool, bool, long long); \
  template TensorT<T> adaptive_avg_pool2d<T>(const TensorT<T>&, Size2);
AD_INSTANTIATE(float)
AD_INSTANTIATE(double)
#undef AD_INSTANTIATE

}  // namespace ad

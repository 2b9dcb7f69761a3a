// Pooling. Each is a gather or a linear map already in the library, so its gradients of every order come from ops
// that exist:
//   max_pool2d          a gather of the window maxima: y[k] = x[idx[k]], whose adjoint is the recorded index_add
//                       (gx[idx[k]] += g[k]) of ops_adjoint.h, and index_add's adjoint is the gather again.
//   avg_pool2d          a convolution of each channel with a constant kernel of ones, divided by the window size:
//                       conv2d's gradients (ops_conv.cpp) apply.
//   adaptive_avg_pool2d averaging bins are rectangles, so the map is separable: y = A_h x A_w^T with constant
//                       (out x in) averaging matrices, two matmuls.
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
    for (std::size_t k = 0; k < idx_.n; ++k) gx[idx_.p[k]] += g[k];
  }
  void backward_graph(const TensorT<T>& g, const bool* need, TensorT<T>* gin) override {
    if (!need[0]) return;
    const TensorImpl<T>* x = this->input(0);
    const std::vector<std::size_t> idx(idx_.p, idx_.p + idx_.n);
    gin[0] = reshape(detail::index_add(g, AxisSplit{1, x->numel, 1}, idx), x->shape);
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
          std::size_t at = std::numeric_limits<std::size_t>::max();
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
                if (at == std::numeric_limits<std::size_t>::max()) at = i;
                const T v = xd[i];
                if (v > best || std::isnan(v)) best = v, at = i;
              }
            }
          }
          id[k] = at;
          yd[k] = xd[at];
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

template <class T>
TensorT<T> adaptive_avg_pool2d(const TensorT<T>& x, Size2 output_size) {
  if (x.dim() != 3 && x.dim() != 4)
    throw ShapeError("adaptive_avg_pool2d: expected a 4-D input (N, C, H, W) or a 3-D one (C, H, W), got shape " +
                     x.shape().str());
  if (output_size.h < 1 || output_size.w < 1)
    throw ValueError("adaptive_avg_pool2d: output_size must be at least 1, got (" + std::to_string(output_size.h) +
                     ", " + std::to_string(output_size.w) + ")");
  const std::size_t r = x.dim();
  const std::size_t H = x.shape()[r - 2], W = x.shape()[r - 1], planes = x.numel() / std::max<std::size_t>(1, H * W);
  if (H == 0 || W == 0)
    throw ShapeError("adaptive_avg_pool2d: input of shape " + x.shape().str() + " has an empty image");
  const std::size_t OH = static_cast<std::size_t>(output_size.h), OW = static_cast<std::size_t>(output_size.w);
  // A (out x in): row i averages the bin [floor(i n / o), ceil((i + 1) n / o)).
  auto bins = [](std::size_t o, std::size_t n) {
    TensorT<T> a = TensorT<T>::zeros(Shape{o, n});
    T* p = a.mutable_data();
    for (std::size_t i = 0; i < o; ++i) {
      const std::size_t s = i * n / o, e = ((i + 1) * n + o - 1) / o;
      for (std::size_t j = s; j < e; ++j) p[i * n + j] = T(1) / static_cast<T>(e - s);
    }
    return a;
  };
  const TensorT<T> rows = matmul(reshape(x, Shape{planes * H, W}), transpose(bins(OW, W)));  // (planes H, OW)
  const TensorT<T> y = matmul(bins(OH, H), reshape(rows, Shape{planes, H, OW}));             // (planes, OH, OW)
  Shape s = x.shape();
  s[r - 2] = OH, s[r - 1] = OW;
  return reshape(y, s);
}

#define AD_INSTANTIATE(T)                                                                           \
  template TensorT<T> max_pool2d<T>(const TensorT<T>&, Size2, Size2, Size2, Size2, bool);           \
  template TensorT<T> avg_pool2d<T>(const TensorT<T>&, Size2, Size2, Size2, bool, bool, long long); \
  template TensorT<T> adaptive_avg_pool2d<T>(const TensorT<T>&, Size2);
AD_INSTANTIATE(float)
AD_INSTANTIATE(double)
#undef AD_INSTANTIATE

}  // namespace ad

// conv2d by im2col + GEMM, and its two adjoints as recorded ops, so that convolutions differentiate to any order.
//
// Write C(x, w) for the convolution (bilinear in the input x and the weight w). For each image n and group, im2col
// copies the receptive fields of x into a matrix cols of shape (K, L), K = C/groups * kh * kw rows (one per weight
// of a filter) and L = H_out * W_out columns (one per output position, zero where the window leaves the image), and
//
//   y_n = W cols_n                      (W: the weight as a (O/groups) x K matrix)        C(x, w)
//   gx_n = col2im(W^T g_n)              (col2im: the adjoint of im2col, adding back)      Cx^T(g, w), input grad
//   gW  += g_n cols_n^T                                                                   Cw^T(x, g), weight grad
//
// The three maps are linear in each argument, and each one's derivatives are the other two:
//   d/dg <Cx^T(g, w), h> = C(h, w),   d/dw <Cx^T(g, w), h> = Cw^T(h, g),
//   d/dg <Cw^T(x, g), h> = C(x, h),   d/dx <Cw^T(x, g), h> = Cx^T(g, h),
// so the op and its two gradient ops (ConvNode, ConvInputGradNode, ConvWeightGradNode) close under differentiation
// with these three kernels only. A 1x1 convolution with stride 1 and no padding skips im2col (cols = x).
//
// Why im2col + GEMM: measured in bench/conv_kernels.cpp against a direct loop nest; see docs/design.md,
// "Convolutions". The cols buffer of one image (a few hundred KiB for the MNIST example's second layer) comes from
// the pool and stays in cache between im2col and its GEMM; no per-batch copy of the whole input is made.
#include <algorithm>
#include <cstring>

#include "autodiff/blas.h"
#include "autodiff/conv.h"
#include "autodiff/conv_geometry.h"
#include "autodiff/node.h"
#include "autodiff/ops_adjoint.h"
#include "autodiff/parallel.h"
#include "autodiff/pool.h"

namespace ad {
namespace {

using detail::ConvGeom;

// A scratch block from the pool, returned on scope exit.
template <class T>
struct Scratch {
  explicit Scratch(std::size_t n) : bytes(n * sizeof(T)), p(static_cast<T*>(pool_alloc(bytes))) {}
  ~Scratch() { pool_free(p, bytes); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  std::size_t bytes;
  T* p;
};

// Output positions o in [lo, hi) of n_out whose input position o s + off lies in [0, n_in) (off = k d - pad).
inline void valid_range(std::size_t n_in, std::size_t n_out, std::size_t s, long long off, std::size_t& lo,
                        std::size_t& hi) {
  const long long S = static_cast<long long>(s);
  const long long l = off >= 0 ? 0 : (-off + S - 1) / S;
  const long long lim = static_cast<long long>(n_in) - off;
  const long long h = lim <= 0 ? 0 : (lim + S - 1) / S;
  lo = std::min<std::size_t>(static_cast<std::size_t>(l), n_out);
  hi = std::max(lo, std::min<std::size_t>(static_cast<std::size_t>(h), n_out));
}

// cols (K x L, rows ld apart) = the receptive fields of one image's group of channels x (Cg x H x W), adjoint =
// false. With adjoint = true, the reverse: x += col2im(cols), each entry added back to the pixel it was read from.
template <bool adjoint, class T>
void im2col(const ConvGeom& g, std::conditional_t<adjoint, T*, const T*> x,
            std::conditional_t<adjoint, const T*, T*> cols, std::size_t ld) {
  for (std::size_t c = 0; c < g.C / g.G; ++c)
    for (std::size_t ki = 0; ki < g.KH; ++ki)
      for (std::size_t kj = 0; kj < g.KW; ++kj) {
        auto row = cols + ((c * g.KH + ki) * g.KW + kj) * ld;
        const long long off = static_cast<long long>(kj * g.DW) - static_cast<long long>(g.PW);
        std::size_t lo, hi;
        valid_range(g.W, g.OW, g.SW, off, lo, hi);
        for (std::size_t oh = 0; oh < g.OH; ++oh) {
          auto r = row + oh * g.OW;
          const long long ih = static_cast<long long>(oh * g.SH + ki * g.DH) - static_cast<long long>(g.PH);
          const bool inside = ih >= 0 && ih < static_cast<long long>(g.H);
          if constexpr (!adjoint) {
            if (!inside) {
              std::fill(r, r + g.OW, T(0));
              continue;
            }
            const T* src = x + (c * g.H + static_cast<std::size_t>(ih)) * g.W;
            std::fill(r, r + lo, T(0));
            if (g.SW == 1)
              std::copy(src + (static_cast<long long>(lo) + off), src + (static_cast<long long>(hi) + off), r + lo);
            else
              for (std::size_t ow = lo; ow < hi; ++ow) r[ow] = src[static_cast<long long>(ow * g.SW) + off];
            std::fill(r + hi, r + g.OW, T(0));
          } else {
            if (!inside) continue;
            T* dst = x + (c * g.H + static_cast<std::size_t>(ih)) * g.W;
            if (g.SW == 1) {  // contiguous: a vectorised add (the buffers never overlap)
              T* __restrict d = dst + (static_cast<long long>(lo) + off);
              const T* __restrict sr = r + lo;
              for (std::size_t j = 0; j < hi - lo; ++j) d[j] += sr[j];
            } else {
              for (std::size_t ow = lo; ow < hi; ++ow) dst[static_cast<long long>(ow * g.SW) + off] += r[ow];
            }
          }
        }
      }
}

// Images are processed in chunks of `per_chunk` side by side: cols_chunk = [cols_n0 | cols_n0+1 | ...] (K x m L),
// so that each GEMM is m times wider than one image's. One image's product (64 x 576 x 288 in the MNIST network)
// is too small for OpenBLAS to split over two threads; a chunk of a few MB is not, and it still fits in the cache.
struct Chunking {
  std::size_t Cg, Og, K, L, per_chunk;
  explicit Chunking(const ConvGeom& g)
      : Cg(g.C / g.G),
        Og(g.O / g.G),
        K(Cg * g.KH * g.KW),
        L(g.OH * g.OW),
        per_chunk(std::clamp<std::size_t>(kChunkValues / std::max<std::size_t>(1, K * L), 1,
                                          std::max<std::size_t>(1, g.N))) {}
  static constexpr std::size_t kChunkValues = std::size_t(1) << 20;  // 4 MiB of floats
};

// Image block (rows x L) of a tensor laid out (N, rows_total, L) <-> columns [j L, (j + 1) L) of a (rows x ld)
// matrix. to_matrix copies in; otherwise the block is added back (beta 1) or written (beta 0).
template <class T>
void gather_block(const T* src, std::size_t rows, std::size_t L, T* dst, std::size_t ld) {
  for (std::size_t r = 0; r < rows; ++r) std::copy_n(src + r * L, L, dst + r * ld);
}
template <class T>
void scatter_block(const T* src, std::size_t ld, std::size_t rows, std::size_t L, T* dst, bool accumulate) {
  for (std::size_t r = 0; r < rows; ++r) {
    const T* s = src + r * ld;
    T* d = dst + r * L;
    if (accumulate)
      for (std::size_t l = 0; l < L; ++l) d[l] += s[l];
    else
      std::copy_n(s, L, d);
  }
}

// The three kernels below each run over a range [n_begin, n_end) of images; the wrappers after them split the
// batch over the library's threads (parallel.h).

// y (+)= C(x, w) for images [nb, ne): y is overwritten unless accumulate.
template <class T>
void conv_forward(const ConvGeom& g, const T* x, const T* w, T* y, bool accumulate, std::size_t nb, std::size_t ne) {
  const Chunking c(g);
  if (g.pointwise()) {  // cols = the image itself
    for (std::size_t n = nb; n < ne; ++n)
      for (std::size_t gi = 0; gi < g.G; ++gi)
        blas::gemm<T>(false, false, c.Og, c.L, c.K, T(1), w + gi * c.Og * c.K, c.K,
                      x + (n * g.C + gi * c.Cg) * g.H * g.W, c.L, accumulate ? T(1) : T(0),
                      y + (n * g.O + gi * c.Og) * c.L, c.L);
    return;
  }
  Scratch<T> cols(c.K * c.L * c.per_chunk), prod(c.Og * c.L * c.per_chunk);
  for (std::size_t n0 = nb; n0 < ne; n0 += c.per_chunk) {
    const std::size_t m = std::min(c.per_chunk, ne - n0), ld = m * c.L;
    for (std::size_t gi = 0; gi < g.G; ++gi) {
      for (std::size_t j = 0; j < m; ++j)
        im2col<false, T>(g, x + ((n0 + j) * g.C + gi * c.Cg) * g.H * g.W, cols.p + j * c.L, ld);
      blas::gemm<T>(false, false, c.Og, ld, c.K, T(1), w + gi * c.Og * c.K, c.K, cols.p, ld, T(0), prod.p, ld);
      for (std::size_t j = 0; j < m; ++j)
        scatter_block(prod.p + j * c.L, ld, c.Og, c.L, y + ((n0 + j) * g.O + gi * c.Og) * c.L, accumulate);
    }
  }
}

// gx += Cx^T(gy, w) for images [nb, ne).
template <class T>
void conv_input_grad(const ConvGeom& g, const T* gy, const T* w, T* gx, std::size_t nb, std::size_t ne) {
  const Chunking c(g);
  if (g.pointwise()) {
    for (std::size_t n = nb; n < ne; ++n)
      for (std::size_t gi = 0; gi < g.G; ++gi)
        blas::gemm<T>(true, false, c.K, c.L, c.Og, T(1), w + gi * c.Og * c.K, c.K, gy + (n * g.O + gi * c.Og) * c.L,
                      c.L, T(1), gx + (n * g.C + gi * c.Cg) * g.H * g.W, c.L);
    return;
  }
  Scratch<T> cols(c.K * c.L * c.per_chunk), G(c.Og * c.L * c.per_chunk);
  for (std::size_t n0 = nb; n0 < ne; n0 += c.per_chunk) {
    const std::size_t m = std::min(c.per_chunk, ne - n0), ld = m * c.L;
    for (std::size_t gi = 0; gi < g.G; ++gi) {
      for (std::size_t j = 0; j < m; ++j)
        gather_block(gy + ((n0 + j) * g.O + gi * c.Og) * c.L, c.Og, c.L, G.p + j * c.L, ld);
      blas::gemm<T>(true, false, c.K, ld, c.Og, T(1), w + gi * c.Og * c.K, c.K, G.p, ld, T(0), cols.p, ld);
      for (std::size_t j = 0; j < m; ++j)
        im2col<true, T>(g, gx + ((n0 + j) * g.C + gi * c.Cg) * g.H * g.W, cols.p + j * c.L, ld);
    }
  }
}

// gw += Cw^T(x, gy) over images [nb, ne).
template <class T>
void conv_weight_grad(const ConvGeom& g, const T* x, const T* gy, T* gw, std::size_t nb, std::size_t ne) {
  const Chunking c(g);
  if (g.pointwise()) {
    for (std::size_t n = nb; n < ne; ++n)
      for (std::size_t gi = 0; gi < g.G; ++gi)
        blas::gemm<T>(false, true, c.Og, c.K, c.L, T(1), gy + (n * g.O + gi * c.Og) * c.L, c.L,
                      x + (n * g.C + gi * c.Cg) * g.H * g.W, c.L, T(1), gw + gi * c.Og * c.K, c.K);
    return;
  }
  Scratch<T> cols(c.K * c.L * c.per_chunk), G(c.Og * c.L * c.per_chunk);
  for (std::size_t n0 = nb; n0 < ne; n0 += c.per_chunk) {
    const std::size_t m = std::min(c.per_chunk, ne - n0), ld = m * c.L;
    for (std::size_t gi = 0; gi < g.G; ++gi) {
      for (std::size_t j = 0; j < m; ++j) {
        im2col<false, T>(g, x + ((n0 + j) * g.C + gi * c.Cg) * g.H * g.W, cols.p + j * c.L, ld);
        gather_block(gy + ((n0 + j) * g.O + gi * c.Og) * c.L, c.Og, c.L, G.p + j * c.L, ld);
      }
      blas::gemm<T>(false, true, c.Og, c.K, ld, T(1), G.p, ld, cols.p, ld, T(1), gw + gi * c.Og * c.K, c.K);
    }
  }
}

// The batch split over threads: images are independent in y and gx; gw sums over images, so each thread but the
// first sums its images into a zeroed block of its own, added to gw in thread order afterwards (the result depends
// on the thread count, not on timing).
template <class T>
void conv_forward(const ConvGeom& g, const T* x, const T* w, T* y, bool accumulate) {
  detail::parallel_for(g.N, [&](std::size_t b, std::size_t e, int) { conv_forward(g, x, w, y, accumulate, b, e); });
}
template <class T>
void conv_input_grad(const ConvGeom& g, const T* gy, const T* w, T* gx) {
  detail::parallel_for(g.N, [&](std::size_t b, std::size_t e, int) { conv_input_grad(g, gy, w, gx, b, e); });
}
template <class T>
void conv_weight_grad(const ConvGeom& g, const T* x, const T* gy, T* gw) {
  const std::size_t threads = std::min<std::size_t>(static_cast<std::size_t>(detail::parallel_threads()), g.N);
  const std::size_t size = g.O * (g.C / g.G) * g.KH * g.KW;
  if (threads <= 1) return conv_weight_grad(g, x, gy, gw, 0, g.N);
  Scratch<T> partial((threads - 1) * size);
  std::fill_n(partial.p, (threads - 1) * size, T(0));
  detail::parallel_for(g.N, [&](std::size_t b, std::size_t e, int t) {
    conv_weight_grad(g, x, gy, t == 0 ? gw : partial.p + static_cast<std::size_t>(t - 1) * size, b, e);
  });
  for (std::size_t t = 0; t + 1 < threads; ++t)
    for (std::size_t i = 0; i < size; ++i) gw[i] += partial.p[t * size + i];
}

template <class T>
TensorT<T> conv_op(const TensorT<T>& x, const TensorT<T>& w, const TensorT<T>* b, const ConvGeom& g);
template <class T>
TensorT<T> conv_input_grad_op(const TensorT<T>& gy, const TensorT<T>& w, const ConvGeom& g);
template <class T>
TensorT<T> conv_weight_grad_op(const TensorT<T>& x, const TensorT<T>& gy, const ConvGeom& g);

// y = C(x, w) + b. Inputs x, w and, when there is a bias, b.
template <class T>
class ConvNode final : public Node<T> {
 public:
  explicit ConvNode(const ConvGeom& g) : g_(g) {}
  const char* name() const override { return "conv2d"; }
  void backward() override {
    const T* gy = this->gout();
    if (T* gx = this->gin(0)) conv_input_grad(g_, gy, this->input(1)->data, gx);
    if (T* gw = this->gin(1)) conv_weight_grad(g_, this->input(0)->data, gy, gw);
    if (this->num_inputs() == 3)
      if (T* gb = this->gin(2)) {
        const std::size_t L = g_.OH * g_.OW;
        for (std::size_t n = 0; n < g_.N; ++n)
          for (std::size_t o = 0; o < g_.O; ++o) {
            const T* r = gy + (n * g_.O + o) * L;
            T s = T(0);
            for (std::size_t l = 0; l < L; ++l) s += r[l];
            gb[o] += s;
          }
      }
  }
  void backward_graph(const TensorT<T>& g, const bool* need, TensorT<T>* gin) override {
    const TensorT<T> x{ImplRef<T>(this->input(0))}, w{ImplRef<T>(this->input(1))};
    if (need[0]) gin[0] = conv_input_grad_op(g, w, g_);
    if (need[1]) gin[1] = conv_weight_grad_op(x, g, g_);
    if (this->num_inputs() == 3 && need[2]) gin[2] = reshape(sum_to(g, Shape{1, g_.O, 1, 1}), Shape{g_.O});
  }

 private:
  ConvGeom g_;
};

// out = Cx^T(gy, w), of the input's shape. Inputs gy, w.
template <class T>
class ConvInputGradNode final : public Node<T> {
 public:
  explicit ConvInputGradNode(const ConvGeom& g) : g_(g) {}
  const char* name() const override { return "conv2d_input_grad"; }
  void backward() override {
    const T* h = this->gout();
    if (T* ggy = this->gin(0)) conv_forward(g_, h, this->input(1)->data, ggy, /*accumulate=*/true);
    if (T* gw = this->gin(1)) conv_weight_grad(g_, h, this->input(0)->data, gw);
  }
  void backward_graph(const TensorT<T>& h, const bool* need, TensorT<T>* gin) override {
    const TensorT<T> gy{ImplRef<T>(this->input(0))}, w{ImplRef<T>(this->input(1))};
    if (need[0]) gin[0] = conv_op(h, w, static_cast<const TensorT<T>*>(nullptr), g_);
    if (need[1]) gin[1] = conv_weight_grad_op(h, gy, g_);
  }

 private:
  ConvGeom g_;
};

// out = Cw^T(x, gy), of the weight's shape. Inputs x, gy.
template <class T>
class ConvWeightGradNode final : public Node<T> {
 public:
  explicit ConvWeightGradNode(const ConvGeom& g) : g_(g) {}
  const char* name() const override { return "conv2d_weight_grad"; }
  void backward() override {
    const T* h = this->gout();
    if (T* gx = this->gin(0)) conv_input_grad(g_, this->input(1)->data, h, gx);
    if (T* ggy = this->gin(1)) conv_forward(g_, this->input(0)->data, h, ggy, /*accumulate=*/true);
  }
  void backward_graph(const TensorT<T>& h, const bool* need, TensorT<T>* gin) override {
    const TensorT<T> x{ImplRef<T>(this->input(0))}, gy{ImplRef<T>(this->input(1))};
    if (need[0]) gin[0] = conv_input_grad_op(gy, h, g_);
    if (need[1]) gin[1] = conv_op(x, h, static_cast<const TensorT<T>*>(nullptr), g_);
  }

 private:
  ConvGeom g_;
};

template <class T>
TensorT<T> conv_op(const TensorT<T>& x, const TensorT<T>& w, const TensorT<T>* b, const ConvGeom& g) {
  ImplRef<T> out = TensorImpl<T>::create(g.y_shape());
  const std::size_t L = g.OH * g.OW;
  if (b) {  // every row starts as its channel's bias, then the GEMM adds the products
    for (std::size_t n = 0; n < g.N; ++n)
      for (std::size_t o = 0; o < g.O; ++o) std::fill_n(out->data + (n * g.O + o) * L, L, b->data()[o]);
  }
  conv_forward(g, x.data(), w.data(), out->data, /*accumulate=*/b != nullptr);
  if (b)
    record<ConvNode<T>>(out.get(), "conv2d", {&x.impl(), &w.impl(), &b->impl()}, g);
  else
    record<ConvNode<T>>(out.get(), "conv2d", {&x.impl(), &w.impl()}, g);
  return TensorT<T>(std::move(out));
}

template <class T>
TensorT<T> conv_input_grad_op(const TensorT<T>& gy, const TensorT<T>& w, const ConvGeom& g) {
  const TensorT<T> gy4 = detail::reshaped(gy, g.y_shape());
  ImplRef<T> out = TensorImpl<T>::create(g.x_shape());
  std::fill(out->data, out->data + out->numel, T(0));
  conv_input_grad(g, gy4.data(), w.data(), out->data);
  record<ConvInputGradNode<T>>(out.get(), "conv2d_input_grad", {&gy4.impl(), &w.impl()}, g);
  return TensorT<T>(std::move(out));
}

template <class T>
TensorT<T> conv_weight_grad_op(const TensorT<T>& x, const TensorT<T>& gy, const ConvGeom& g) {
  const TensorT<T> gy4 = detail::reshaped(gy, g.y_shape());
  ImplRef<T> out = TensorImpl<T>::create(g.w_shape());
  std::fill(out->data, out->data + out->numel, T(0));
  conv_weight_grad(g, x.data(), gy4.data(), out->data);
  record<ConvWeightGradNode<T>>(out.get(), "conv2d_weight_grad", {&x.impl(), &gy4.impl()}, g);
  return TensorT<T>(std::move(out));
}

}  // namespace

namespace {

// padding="same": total padding d (k - 1) per axis keeps the size; the smaller half goes first, the odd one to the
// bottom/right (a pad of the input), as PyTorch.
template <class T>
TensorT<T> conv2d_same(const TensorT<T>& x, const TensorT<T>& weight, const TensorT<T>& bias, Size2 stride,
                       Size2 dilation, long long groups) {
  if (stride.h != 1 || stride.w != 1)
    throw ValueError("conv2d: padding=\"same\" needs stride 1, got stride (" + std::to_string(stride.h) + ", " +
                     std::to_string(stride.w) + ")");
  if (weight.dim() != 4)
    throw ShapeError("conv2d: expected a 4-D weight (out_channels, in_channels / groups, kh, kw), got " +
                     weight.shape().str());
  if (dilation.h < 1 || dilation.w < 1)
    throw ValueError("conv2d: dilation must be at least 1, got (" + std::to_string(dilation.h) + ", " +
                     std::to_string(dilation.w) + ")");
  const long long th = dilation.h * (static_cast<long long>(weight.shape()[2]) - 1);
  const long long tw = dilation.w * (static_cast<long long>(weight.shape()[3]) - 1);
  // Everything but the padding is validated on the input as given, so that errors name conv2d and its shapes (the
  // symmetric padding that covers the odd total makes the window check the same as "same" needs).
  detail::conv_geometry("conv2d", x.shape(), weight.shape(), bias.defined(), bias.defined() ? bias.shape() : Shape{},
                        stride, Size2((th + 1) / 2, (tw + 1) / 2), dilation, groups);
  const TensorT<T> xp = th % 2 || tw % 2 ? pad(x, {0, tw % 2, 0, th % 2}) : x;
  return conv2d(xp, weight, bias, stride, Size2(th / 2, tw / 2), dilation, groups);
}

}  // namespace

template <class T>
TensorT<T> conv2d(const TensorT<T>& x, const TensorT<T>& weight, const TensorT<T>& bias, Size2 stride,
                  ConvPadding padding, Size2 dilation, long long groups) {
  if (padding.mode == "same") return conv2d_same(x, weight, bias, stride, dilation, groups);
  if (!padding.mode.empty() && padding.mode != "valid")
    throw ValueError("conv2d: padding must be \"valid\", \"same\" or sizes, got \"" + padding.mode + "\"");
  const ConvGeom g = detail::conv_geometry("conv2d", x.shape(), weight.shape(), bias.defined(),
                                           bias.defined() ? bias.shape() : Shape{}, stride, padding, dilation, groups);
  const bool unbatched = x.dim() == 3;
  const TensorT<T> x4 = unbatched ? reshape(x, g.x_shape()) : x;
  const TensorT<T> y = conv_op(x4, weight, bias.defined() ? &bias : nullptr, g);
  return unbatched ? reshape(y, Shape{g.O, g.OH, g.OW}) : y;
}

#define AD_INSTANTIATE(T)                                                                                           \
  template TensorT<T> conv2d<T>(const TensorT<T>&, const TensorT<T>&, const TensorT<T>&, Size2, ConvPadding, Size2, \
                                long long);
AD_INSTANTIATE(float)
AD_INSTANTIATE(double)
#undef AD_INSTANTIATE

}  // namespace ad

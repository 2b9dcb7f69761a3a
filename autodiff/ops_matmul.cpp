// Matrix product via BLAS. For Y = A B (per batch entry): dL/dA = G B^T and dL/dB = A^T G, computed with BLAS
// transpose flags (no transposed copies) and beta = 1, so the products accumulate straight into the gradients.
#include <algorithm>

#include "autodiff/blas.h"
#include "autodiff/node.h"
#include "autodiff/ops_adjoint.h"
#include "autodiff/tensor.h"

namespace ad {
namespace {

// Problem geometry: `batch` products of (m x k) by (k x n); a_step/b_step are 0 when that operand is shared.
struct Geometry {
  std::size_t batch, m, n, k, a_step, b_step;
};

template <class T>
class MatmulNode final : public Node<T> {
 public:
  explicit MatmulNode(Geometry g) : g_(g) {}
  const char* name() const override { return "matmul"; }
  void backward() override {
    const T* A = this->input(0)->data;
    const T* B = this->input(1)->data;
    const T* G = this->gout();
    T* gA = this->gin(0);
    T* gB = this->gin(1);
    const auto [batch, m, n, k, as, bs] = g_;
    if (gA) {
      if (bs == 0 && as != 0)  // B shared: all batch rows stacked form one (batch*m x n) product
        blas::gemm<T>(false, true, batch * m, k, n, T(1), G, n, B, n, T(1), gA, k);
      else
        for (std::size_t i = 0; i < batch; ++i)  // gA_i += G_i B_i^T (shared A: sums over the batch)
          blas::gemm<T>(false, true, m, k, n, T(1), G + i * m * n, n, B + i * bs, n, T(1), gA + i * as, k);
    }
    if (gB) {
      if (bs == 0 && as != 0)  // gB += sum_i A_i^T G_i = A_stacked^T G_stacked
        blas::gemm<T>(true, false, k, n, batch * m, T(1), A, k, G, n, T(1), gB, n);
      else
        for (std::size_t i = 0; i < batch; ++i)
          blas::gemm<T>(true, false, k, n, m, T(1), A + i * as, k, G + i * m * n, n, T(1), gB + i * bs, n);
    }
  }
  // The same products composed from matmul and transpose, on the operands seen as matrices (a 1-D left operand as
  // a row, a 1-D right one as a column) or batches of them; a shared operand sums over the batch.
  void backward_graph(const TensorT<T>& g, const bool* need, TensorT<T>* gin) override {
    const TensorT<T> A{ImplRef<T>(this->input(0))}, B{ImplRef<T>(this->input(1))};
    const auto [batch, m, n, k, as, bs] = g_;
    const bool ba = A.dim() == 3, bb = B.dim() == 3;
    const TensorT<T> a = A.dim() == 1 ? detail::reshaped(A, Shape{1, k}) : A;
    const TensorT<T> b = B.dim() == 1 ? detail::reshaped(B, Shape{k, 1}) : B;
    const TensorT<T> G = detail::reshaped(g, ba || bb ? Shape{batch, m, n} : Shape{m, n});
    if (need[0]) {
      TensorT<T> ga = matmul(G, transpose(b));
      if (bb && !ba) ga = sum(ga, 0);
      gin[0] = detail::reshaped(ga, A.shape());
    }
    if (need[1]) {
      TensorT<T> gb = ba && !bb ? matmul(transpose(detail::reshaped(a, Shape{batch * m, k})),
                                         detail::reshaped(G, Shape{batch * m, n}))
                                : matmul(transpose(a), G);
      gin[1] = detail::reshaped(gb, B.shape());
    }
  }

 private:
  Geometry g_;
};

// db[j] += sum_r G[r, j]. The gradient buffers never overlap (restrict), so the inner loop vectorises.
template <class T>
void add_row_sums(const T* __restrict G, std::size_t rows, std::size_t cols, T* __restrict db) {
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t j = 0; j < cols; ++j) db[j] += G[r * cols + j];
}

// Y = X W + b: every row of Y starts as b (then the GEMM adds X W with beta = 1).
template <class T>
void fill_rows(T* __restrict y, std::size_t rows, std::size_t cols, const T* __restrict b) {
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t j = 0; j < cols; ++j) y[r * cols + j] = b[j];
}

// y = x W + b over rows of x: dL/dx = G W^T, dL/dW = x^T G, dL/db = sum over rows of G.
template <class T>
class LinearNode final : public Node<T> {
 public:
  LinearNode(std::size_t rows, std::size_t in, std::size_t out) : rows_(rows), in_(in), out_(out) {}
  const char* name() const override { return "linear"; }
  void backward() override {
    const T* X = this->input(0)->data;
    const T* W = this->input(1)->data;
    const T* G = this->gout();
    if (T* gx = this->gin(0)) blas::gemm<T>(false, true, rows_, in_, out_, T(1), G, out_, W, out_, T(1), gx, in_);
    if (T* gw = this->gin(1)) blas::gemm<T>(true, false, in_, out_, rows_, T(1), X, in_, G, out_, T(1), gw, out_);
    if (this->num_inputs() == 3)
      if (T* gb = this->gin(2)) add_row_sums(G, rows_, out_, gb);
  }
  void backward_graph(const TensorT<T>& g, const bool* need, TensorT<T>* gin) override {
    const TensorT<T> x{ImplRef<T>(this->input(0))}, w{ImplRef<T>(this->input(1))};
    const TensorT<T> G = detail::reshaped(g, Shape{rows_, out_});
    if (need[0]) gin[0] = detail::reshaped(matmul(G, transpose(w)), x.shape());
    if (need[1]) gin[1] = matmul(transpose(detail::reshaped(x, Shape{rows_, in_})), G);
    if (this->num_inputs() == 3 && need[2]) gin[2] = sum(G, 0);
  }

 private:
  std::size_t rows_, in_, out_;
};

}  // namespace

template <class T>
TensorT<T> linear(const TensorT<T>& x, const TensorT<T>& w, const TensorT<T>& b) {
  TensorImpl<T>& X = x.impl();
  TensorImpl<T>& W = w.impl();
  const Shape& sx = X.shape;
  const Shape& sw = W.shape;
  if (sw.rank() != 2) throw ShapeError("linear: the weight must be 2-D (in, out), got shape " + sw.str());
  if (sx.rank() == 0 || sx[sx.rank() - 1] != sw[0])
    throw ShapeError("linear: input of shape " + sx.str() + " does not end in " + std::to_string(sw[0]) +
                     " features (weight shape " + sw.str() + ")");
  // Rows from the leading dimensions, not numel / in: with in = 0 that would be 0 rows and leave (rows, out)
  // uninitialised, where x W + b is b on every row (found by fuzz_expr).
  const std::size_t in = sw[0], out = sw[1];
  std::size_t rows = 1;
  for (std::size_t d = 0; d + 1 < sx.rank(); ++d) rows *= sx[d];
  if (b.defined() && b.shape() != Shape{out})
    throw ShapeError("linear: bias of shape " + b.shape().str() + " does not match weight shape " + sw.str() +
                     " (expected [" + std::to_string(out) + "])");
  Shape os;
  for (std::size_t d = 0; d + 1 < sx.rank(); ++d) os.push_back(sx[d]);
  os.push_back(out);
  ImplRef<T> y = TensorImpl<T>::create(os);
  if (b.defined()) fill_rows(y->data, rows, out, b.data());
  blas::gemm<T>(false, false, rows, out, in, T(1), X.data, in, W.data, out, b.defined() ? T(1) : T(0), y->data, out);
  if (b.defined())
    record<LinearNode<T>>(y.get(), "linear", {&X, &W, &b.impl()}, rows, in, out);
  else
    record<LinearNode<T>>(y.get(), "linear", {&X, &W}, rows, in, out);
  return TensorT<T>(std::move(y));
}

template <class T>
TensorT<T> matmul(const TensorT<T>& lhs, const TensorT<T>& rhs) {
  TensorImpl<T>& A = lhs.impl();
  TensorImpl<T>& B = rhs.impl();
  const Shape& sa = A.shape;
  const Shape& sb = B.shape;
  auto fail = [&](const std::string& why) {
    throw ShapeError("matmul: shapes " + sa.str() + " and " + sb.str() + " " + why);
  };
  if (sa.rank() == 0 || sb.rank() == 0) fail("include a scalar (rank 0); use * instead");
  if (sa.rank() > 3 || sb.rank() > 3) fail("have rank above 3 (supported: 1-D, 2-D and batched 3-D operands)");
  // A 1-D left operand is a row vector (1 x k), a 1-D right operand a column vector (k x 1); the unit dims are
  // dropped from the result, as in NumPy.
  const std::size_t ra = sa.rank(), rb = sb.rank();
  const std::size_t m = ra == 1 ? 1 : sa[ra - 2], k = sa[ra - 1];
  const std::size_t kb = rb == 1 ? sb[0] : sb[rb - 2], n = rb == 1 ? 1 : sb[rb - 1];
  if (k != kb)
    fail("are not aligned: " + std::to_string(k) + " (last axis of the first) != " + std::to_string(kb) + " (" +
         (rb == 1 ? "size" : "second-to-last axis") + " of the second)");
  // Batched by rank, not by a non-zero batch size: a batch of 0 matrices is still batched (an empty result).
  const bool batched_a = ra == 3, batched_b = rb == 3;
  if (batched_a && batched_b && sa[0] != sb[0]) fail("have different batch sizes");
  const std::size_t batch = batched_a ? sa[0] : (batched_b ? sb[0] : 1);
  Shape os;
  if (batched_a || batched_b) os.push_back(batch);
  if (ra != 1) os.push_back(m);
  if (rb != 1) os.push_back(n);
  const Geometry g{batch, m, n, k, batched_a ? m * k : 0, batched_b ? k * n : 0};

  ImplRef<T> out = TensorImpl<T>::create(os);
  if (g.b_step == 0 && g.a_step != 0)
    blas::gemm<T>(false, false, batch * m, n, k, T(1), A.data, k, B.data, n, T(0), out->data, n);
  else
    for (std::size_t i = 0; i < batch; ++i)
      blas::gemm<T>(false, false, m, n, k, T(1), A.data + i * g.a_step, k, B.data + i * g.b_step, n, T(0),
                    out->data + i * m * n, n);
  record<MatmulNode<T>>(out.get(), "matmul", {&A, &B}, g);
  return TensorT<T>(std::move(out));
}

template TensorT<float> matmul<float>(const TensorT<float>&, const TensorT<float>&);
template TensorT<double> matmul<double>(const TensorT<double>&, const TensorT<double>&);
template TensorT<float> linear<float>(const TensorT<float>&, const TensorT<float>&, const TensorT<float>&);
template TensorT<double> linear<double>(const TensorT<double>&, const TensorT<double>&, const TensorT<double>&);

}  // namespace ad

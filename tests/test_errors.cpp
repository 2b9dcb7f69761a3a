// Bad input gives a precise exception: shape mismatches name the op and both shapes, indices name the bound,
// anomaly mode names the op that produced a NaN or Inf.
#include <doctest/doctest.h>

#include <limits>

#include "autodiff/autodiff.h"

using namespace ad;

TEST_CASE("errors: a broadcasting mismatch names the op and both shapes") {
  Tensor a = Tensor::ones({3, 4}), b = Tensor::ones({2, 4});
  CHECK_THROWS_WITH_AS(a + b, "add: shapes [3, 4] and [2, 4] cannot be broadcast together", ShapeError);
  CHECK_THROWS_WITH_AS(a * b, doctest::Contains("mul: shapes [3, 4] and [2, 4]"), ShapeError);
  CHECK_THROWS_WITH_AS(maximum(a, b), doctest::Contains("maximum"), ShapeError);
  CHECK_THROWS_WITH_AS(where(Tensor::ones({5}), a, a), doctest::Contains("where: shapes [5] and [3, 4]"), ShapeError);
}

TEST_CASE("errors: matmul names both shapes and the misaligned dimensions") {
  Tensor a = Tensor::ones({3, 4}), b = Tensor::ones({5, 2});
  CHECK_THROWS_WITH_AS(matmul(a, b), doctest::Contains("matmul: shapes [3, 4] and [5, 2] are not aligned"), ShapeError);
  CHECK_THROWS_WITH_AS(matmul(Tensor::ones({2, 3, 4}), Tensor::ones({3, 4, 5})), doctest::Contains("batch sizes"),
                       ShapeError);
  CHECK_THROWS_WITH_AS(matmul(Tensor::scalar(1), a), doctest::Contains("scalar"), ShapeError);
}

TEST_CASE("errors: reshape, concat and broadcast_to name the shapes involved") {
  Tensor a = Tensor::ones({3, 4});
  CHECK_THROWS_WITH_AS(a.reshape(Shape{5, 2}),
                       doctest::Contains("shape [3, 4] (12 elements) to shape [5, 2] (10 elements)"), ShapeError);
  CHECK_THROWS_WITH_AS(a.reshape({-1, 5}), doctest::Contains("not a multiple of 5"), ShapeError);
  CHECK_THROWS_WITH_AS(concat<float>({a, Tensor::ones({3, 5})}, 0), doctest::Contains("[3, 4] and [3, 5]"), ShapeError);
  CHECK_THROWS_WITH_AS(broadcast_to(a, Shape{4, 4}), doctest::Contains("[3, 4] cannot be broadcast to shape [4, 4]"),
                       ShapeError);
  CHECK_THROWS_WITH_AS(squeeze(a, 0), doctest::Contains("has size 3, not 1"), ShapeError);
}

TEST_CASE("errors: out-of-range indices and axes name the index and the bound") {
  Tensor a = Tensor::ones({3, 4});
  CHECK_THROWS_WITH_AS(a.index({0, 3}), "index_select: index 3 is out of range for axis 0 of size 3 (shape [3, 4])",
                       IndexError);
  CHECK_THROWS_WITH_AS(a.rows(2, 5), doctest::Contains("[2, 5) is out of bounds for 3 rows"), IndexError);
  CHECK_THROWS_WITH_AS(a[7], doctest::Contains("index 7 is out of range for axis 0 of size 3"), IndexError);
  CHECK_THROWS_WITH_AS(a.at({1, 4}), doctest::Contains("index 4 is out of range for axis 1 of size 4"), IndexError);
  CHECK_THROWS_WITH_AS(a.sum(2), doctest::Contains("axis 2 is out of range for a tensor of rank 2"), IndexError);
  CHECK_THROWS_WITH_AS(a.log_softmax(-3), doctest::Contains("axis -3"), IndexError);
  CHECK_THROWS_WITH_AS(permute(a, {0, 0}), doctest::Contains("not a permutation"), IndexError);
}

TEST_CASE("errors: empty tensors where a value is needed") {
  Tensor e = Tensor::zeros({0, 3});
  CHECK(e.sum().item() == 0.0f);  // an empty sum is 0, as in NumPy
  CHECK_THROWS_WITH_AS(e.mean(), doctest::Contains("empty"), ValueError);
  CHECK_THROWS_WITH_AS(e.max(), doctest::Contains("empty"), ValueError);
  CHECK_THROWS_WITH_AS(e.max(0), doctest::Contains("empty"), ValueError);
  CHECK_THROWS_WITH_AS(e.log_softmax(0), doctest::Contains("empty"), ValueError);
  // Composed ops name themselves, not the op they are built from.
  CHECK_THROWS_WITH_AS(min(e), doctest::Contains("min: "), ValueError);
  CHECK_THROWS_WITH_AS(min(e, 0), "min: axis 0 of shape [0, 3] is empty", ValueError);
  CHECK_THROWS_WITH_AS(softmax(e, 0), "softmax: axis 0 of shape [0, 3] is empty", ValueError);
  CHECK_THROWS_WITH_AS(logsumexp(e, 0), "logsumexp: axis 0 of shape [0, 3] is empty", ValueError);
  CHECK(softmax(e, 1).shape() == Shape{0, 3});  // reducing over a non-empty axis of an empty tensor is fine
  CHECK_THROWS_WITH_AS(concat<float>({}, 0), doctest::Contains("no tensors"), ValueError);
  CHECK_THROWS_WITH_AS(Tensor::ones({2}).item(), doctest::Contains("2 elements"), ValueError);
  CHECK_THROWS_WITH_AS(Tensor().sum(), doctest::Contains("undefined tensor"), ValueError);
}

TEST_CASE("errors: invalid parameters") {
  CHECK_THROWS_AS(clamp(Tensor::ones({2}), 1.0f, 0.0f), ValueError);
  CHECK_THROWS_AS(softplus(Tensor::ones({2}), 0.0f), ValueError);
  // Scalars of another type than the tensor's are checked the same way.
  CHECK_THROWS_WITH_AS(clamp(Tensor::ones({2}), 1.0, 0), doctest::Contains("clamp: lower bound 1"), ValueError);
  CHECK_THROWS_WITH_AS(softplus(Tensor::ones({2}), 0), doctest::Contains("softplus: beta must be positive"),
                       ValueError);
  CHECK_THROWS_WITH_AS(Tensor::ones({2}).softplus(-1), doctest::Contains("softplus: beta"), ValueError);
  CHECK_THROWS_AS(Tensor::from({1, 2, 3}, Shape{2, 2}), ShapeError);
}

TEST_CASE("anomaly mode: a forward op producing NaN/Inf from finite inputs is named") {
  Tensor x = Tensor::from({1.0f, -1.0f}, true);
  CHECK_NOTHROW(log(x));  // off by default: NaN propagates silently, as in PyTorch
  AnomalyGuard on;
  CHECK_THROWS_WITH_AS(log(x), doctest::Contains("'log' produced NaN"), AnomalyError);
  CHECK_THROWS_WITH_AS(x / Tensor::zeros({2}), doctest::Contains("'div' produced Inf"), AnomalyError);
}

TEST_CASE("anomaly mode: NaN in the input data is reported as coming from the data, naming the op") {
  Tensor x = Tensor::from({1.0f, std::numeric_limits<float>::quiet_NaN()}, true);
  AnomalyGuard on;
  CHECK_THROWS_WITH_AS(exp(x), doctest::Contains("input 0 of 'exp' (shape [2]) contains NaN or Inf"), AnomalyError);
}

TEST_CASE("anomaly mode: a backward rule producing NaN/Inf is named") {
  Tensor x = Tensor::from({0.0f, 4.0f}, true);
  Tensor y = sqrt(x).sum();  // d sqrt(x)/dx = 1/(2 sqrt x) is Inf at 0
  AnomalyGuard on;
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("backward of sqrt"), AnomalyError);
}

// Regression tests for the findings of the fuzz harnesses (tests/fuzz/README.md lists each finding, the input
// that found it and the fix). Each test is named after the behaviour that was wrong.
#include <doctest/doctest.h>

#include <climits>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "autodiff/autodiff.h"
#include "io/file.h"
#include "test_data_util.h"

using namespace ad;

namespace {
constexpr std::size_t k2p32 = std::size_t(1) << 32;
}

TEST_CASE("shapes whose element count overflows are a ShapeError, not a tensor larger than its storage") {
  // [2^32, 2^32] has 2^64 elements, 0 mod 2^64: zeros() used to return an empty buffer with that shape.
  CHECK_THROWS_AS(TensorD::zeros(Shape{k2p32, k2p32}), ShapeError);
  // 2^61 doubles fit std::size_t but not a byte count (2^64 bytes = 0 mod 2^64).
  CHECK_THROWS_AS(TensorD::full(Shape{std::size_t(1) << 61}, 1.0), ShapeError);
  // (2^63 + 1) * 2 = 2 mod 2^64: reshape used to accept it as a view of two elements.
  const TensorD x = TensorD::ones({2}, true);
  CHECK_THROWS_AS(x.reshape(Shape{(std::size_t(1) << 63) + 1, 2}), ShapeError);
  // (2^64 - 1)^2 = 1 mod 2^64.
  CHECK_THROWS_AS(TensorD::scalar(1.0).reshape(Shape{SIZE_MAX, SIZE_MAX}), ShapeError);
  // broadcast_to [2^32, 2^32, 2] used to succeed with an empty buffer.
  CHECK_THROWS_AS(broadcast_to(x, Shape{k2p32, k2p32, 2}), ShapeError);
  // reshape with -1 multiplied the known dimensions without care: 2 * (2^62 + 1) * 4 = 8 mod 2^64.
  const TensorD y = TensorD::ones({8});
  CHECK_THROWS_AS(y.reshape({-1, (1L << 62) + 1, 4}), ShapeError);
  // The limit itself, and zero dimensions, which make any shape empty.
  CHECK(Shape{Shape::kMaxNumel}.numel() == Shape::kMaxNumel);
  CHECK_THROWS_AS(Shape({Shape::kMaxNumel, 2}).numel(), ShapeError);
  CHECK(Shape{2, 0, 3}.numel() == 0);
  // A zero dimension does not excuse huge ones: loops over the 2^32 x 2^32 rows of an empty tensor never end.
  CHECK_THROWS_AS(Shape({k2p32, 0, k2p32}).numel(), ShapeError);
  CHECK_THROWS_AS(TensorD::zeros({0}).reshape({-1, 1, LONG_MAX, LONG_MAX}), ShapeError);
}

TEST_CASE("matmul of a batch of zero matrices keeps its batch axis and reads nothing") {
  // A (0, 2, 3) batch used to be taken as unbatched: the result was (2, 4) and the product read 6 values of an
  // empty buffer.
  const TensorD a = TensorD::zeros({0, 2, 3}, true), b = TensorD::ones({0, 3, 4}, true);
  const TensorD y = matmul(a, b);
  CHECK(y.shape() == Shape{0, 2, 4});
  CHECK(matmul(a, TensorD::ones({3, 4})).shape() == Shape{0, 2, 4});
  CHECK(matmul(TensorD::ones({2, 3}), b).shape() == Shape{0, 2, 4});
  CHECK(matmul(TensorD::ones({3}), b).shape() == Shape{0, 4});
  CHECK_THROWS_AS(matmul(a, TensorD::ones({1, 3, 4})), ShapeError);
  y.sum().backward();
  CHECK(a.grad().shape() == a.shape());
  CHECK(b.grad().shape() == b.shape());
}

TEST_CASE("the gradient of x to the power 0 is 0 at x = 0, not NaN") {
  // p x^(p-1) at p = 0, x = 0 is 0 * inf = NaN; x^0 is constant, so its derivative is 0 everywhere.
  const TensorD x = TensorD::from({0.0, 2.0, -3.0}, true);
  const TensorD y = x.pow(0.0);
  CHECK(y.to_vector() == std::vector<double>{1, 1, 1});
  y.sum().backward();
  CHECK(x.grad().to_vector() == std::vector<double>{0, 0, 0});
  // Other exponents keep their derivative p x^(p-1), also at 0.
  const TensorD z = TensorD::from({0.0, 2.0}, true);
  z.pow(2.0).sum().backward();
  CHECK(z.grad().to_vector() == std::vector<double>{0, 4});
}

TEST_CASE("x to a scalar power follows IEEE at 0 and infinity") {
  // xsimd 8's pow gave 0^0 = 0, 0^-1 = 0 and inf^0 = NaN.
  const double inf = std::numeric_limits<double>::infinity();
  const TensorD x = TensorD::from({0.0, inf, 2.0});
  CHECK(x.pow(0.0).to_vector() == std::vector<double>{1, 1, 1});
  CHECK(x.pow(-1.0).to_vector() == std::vector<double>{inf, 0, 0.5});
  CHECK(TensorD::from({-0.0}).pow(-1.0).item() == -inf);
  // With a tensor exponent, a^0 = 1 for every a as well.
  CHECK(pow(x, TensorD::zeros({3})).to_vector() == std::vector<double>{1, 1, 1});
}

TEST_CASE("linear with zero input features gives the bias on every row, not uninitialised values") {
  // rows was computed as numel(x) / in, 0 for in = 0, so the (3, 2) output was never written.
  const TensorD x = TensorD::zeros({3, 0}, true), w = TensorD::zeros({0, 2}, true);
  const TensorD b = TensorD::from({1.5, -2.0}, true);
  CHECK(linear(x, w, b).to_vector() == std::vector<double>{1.5, -2, 1.5, -2, 1.5, -2});
  CHECK(linear(x, w, TensorD()).to_vector() == std::vector<double>{0, 0, 0, 0, 0, 0});
  linear(x, w, b).sum().backward();
  CHECK(b.grad().to_vector() == std::vector<double>{3, 3});
  CHECK(x.grad().shape() == x.shape());
  CHECK(w.grad().shape() == w.shape());
}

namespace {
// Peak virtual memory of this process (VmPeak in /proc/self/status), in KiB: a reservation shows here even if its
// pages are never touched.
std::size_t vm_peak_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmPeak:", 0) == 0) return std::stoul(line.substr(7));
  return 0;
}
}  // namespace

TEST_CASE("a gzip file claiming a huge uncompressed size does not make the reader reserve it") {
  // The gzip trailer's ISIZE was trusted up to 2 GiB as the size to reserve: a 40-byte file made read_file ask
  // for 2 GiB. The hint is now capped by what the file's size allows (deflate expands at most 1032:1).
  test_util::TempDir dir;
  const std::string path = dir.file("claims_2GiB.gz");
  test_util::write_gzip(path, "0123456789");
  std::string bytes = test_util::read_bytes(path);
  bytes.replace(bytes.size() - 4, 4, "\xff\xff\xff\x7f");  // ISIZE = 2^31 - 1
  test_util::write_bytes(path, bytes);
  const std::size_t before = vm_peak_kib();
  CHECK_THROWS_AS(io::read_file(path), IOError);  // the length check fails
  CHECK(vm_peak_kib() < before + 512 * 1024);
}

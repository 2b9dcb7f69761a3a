// Compact (byte) storage of a data set: the same floats as X, a quarter of the memory (data::PixelStorage).
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "autodiff/error.h"
#include "data/loader.h"
#include "data/mnist.h"

using namespace ad;
using namespace ad::data;

namespace {
const std::string kMnist = std::string(AD_SHARED_DIR) + "/data/mnist";

void check_same(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  CHECK(std::equal(a.data(), a.data() + a.numel(), b.data()));  // bit-identical values
}
}  // namespace

TEST_CASE("data: byte storage of MNIST gives bit-identical float rows, subsets and batches") {
  if (!std::filesystem::exists(kMnist)) return;  // the shared MNIST test set is not on this machine
  const Dataset f = load_mnist(kMnist, "t10k");
  const Dataset b = load_mnist(kMnist, "t10k", PixelStorage::Bytes);
  CHECK(b.is_compact());
  CHECK_FALSE(b.X.defined());
  CHECK(b.size() == 10000);
  CHECK(b.num_features() == 784);
  CHECK(b.labels == f.labels);
  CHECK(b.bytes->size() == 10000 * 784);  // one byte per pixel
  const std::vector<std::size_t> idx = {0, 9999, 17, 17, 4242};
  check_same(b.rows(idx), f.rows(idx));
  check_same(b.rows(idx), gather_rows(f.X, idx));
  check_same(b.features(), f.X);

  const Dataset sb = b.subset(idx);
  CHECK(sb.is_compact());
  CHECK(sb.size() == idx.size());
  CHECK(sb.labels == f.subset(idx).labels);
  check_same(sb.features(), f.subset(idx).X);

  DataLoader lb(b, 64, {true, false, 7}), lf(f, 64, {true, false, 7});
  auto ib = lb.begin(), jf = lf.begin();
  for (int k = 0; k < 3; ++k, ++ib, ++jf) {
    const Batch x = *ib, y = *jf;
    CHECK(x.indices == y.indices);
    check_same(x.X, y.X);
  }
  CHECK_THROWS_WITH_AS(b.rows({10000}), "Dataset::rows: index 10000 is out of range for 10000 rows", IndexError);
  CHECK_THROWS_AS(b.subset({10000}), IndexError);
}

TEST_CASE("data: a compact data set checks that its bytes, rows and labels agree") {
  Dataset d;
  d.bytes = std::make_shared<const std::vector<std::uint8_t>>(std::vector<std::uint8_t>{0, 51, 102, 153, 204, 255});
  d.byte_row_length = 3;
  d.byte_divisor = 255.0f;
  d.labels = {0, 1};
  d.check();
  CHECK(d.size() == 2);
  CHECK(d.rows({1}).to_vector() == std::vector<float>{153.0f / 255.0f, 204.0f / 255.0f, 1.0f});
  d.labels = {0, 1, 1};
  CHECK_THROWS_WITH_AS(d.check(), "Dataset: 3 labels for 2 compact rows of 3 bytes", ShapeError);
  d.labels = {0, 1};
  d.byte_row_length = 4;
  CHECK_THROWS_WITH_AS(d.check(), "Dataset: 6 feature bytes do not split into rows of 4", ShapeError);
  d.byte_row_length = 3;
  d.X = Tensor::zeros({2, 3});
  CHECK_THROWS_WITH_AS(d.check(), "Dataset: both X and compact bytes are set; use one storage", ShapeError);
}

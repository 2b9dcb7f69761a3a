// DataLoader: every example exactly once per epoch, reproducible orders, partial last batch kept or dropped.
#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>

#include "autodiff/error.h"
#include "autodiff/random.h"
#include "data/loader.h"

using namespace ad;
using namespace ad::data;

namespace {

// n examples whose single feature is the row index, label row % 3, target 2 * row.
Dataset counting_dataset(std::size_t n) {
  Dataset d;
  std::vector<float> x(n), y(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<float>(i), y[i] = 2.0f * static_cast<float>(i);
  d.X = Tensor::from(x, {n, 1});
  d.y = Tensor::from(y, {n});
  for (std::size_t i = 0; i < n; ++i) d.labels.push_back(i % 3);
  return d;
}

std::vector<std::size_t> epoch_order(DataLoader& loader) {
  std::vector<std::size_t> seen;
  for (const Batch& b : loader) seen.insert(seen.end(), b.indices.begin(), b.indices.end());
  return seen;
}

}  // namespace

TEST_CASE("data: DataLoader visits every example exactly once per epoch, rows matching labels and targets") {
  DataLoader loader(counting_dataset(103), 10, {true, false, 7});
  CHECK(loader.num_batches() == 11);
  CHECK(loader.num_samples() == 103);
  for (int epoch = 0; epoch < 3; ++epoch) {
    std::vector<std::size_t> seen, sizes;
    for (const Batch& b : loader) {
      sizes.push_back(b.size());
      REQUIRE(b.X.shape() == Shape{b.size(), 1});
      for (std::size_t k = 0; k < b.size(); ++k) {
        CHECK(b.X.data()[k] == static_cast<float>(b.indices[k]));
        CHECK(b.labels[k] == b.indices[k] % 3);
        CHECK(b.y.data()[k] == 2.0f * static_cast<float>(b.indices[k]));
      }
      seen.insert(seen.end(), b.indices.begin(), b.indices.end());
    }
    CHECK(sizes.back() == 3);  // 103 = 10 * 10 + 3: the partial batch is kept
    std::sort(seen.begin(), seen.end());
    std::vector<std::size_t> all(103);
    std::iota(all.begin(), all.end(), std::size_t(0));
    CHECK(seen == all);
  }
  CHECK(loader.epoch() == 3);
}

TEST_CASE("data: DataLoader orders are reproducible with a seed and differ between epochs") {
  DataLoader a(counting_dataset(50), 8, {true, false, 123}), b(counting_dataset(50), 8, {true, false, 123});
  const auto a1 = epoch_order(a), a2 = epoch_order(a);
  CHECK(a1 == epoch_order(b));
  CHECK(a2 == epoch_order(b));
  CHECK(a1 != a2);
  DataLoader c(counting_dataset(50), 8, {true, false, 124});
  CHECK(epoch_order(c) != a1);

  // Without a seed the loader draws one from ad::generator(), so manual_seed makes it reproducible.
  manual_seed(5);
  DataLoader d(counting_dataset(50), 8);
  manual_seed(5);
  DataLoader e(counting_dataset(50), 8);
  CHECK(epoch_order(d) == epoch_order(e));

  DataLoader in_order(counting_dataset(20), 6, {false, false, {}});
  std::vector<std::size_t> all(20);
  std::iota(all.begin(), all.end(), std::size_t(0));
  CHECK(epoch_order(in_order) == all);
}

TEST_CASE("data: DataLoader drop_last leaves out the partial batch") {
  DataLoader loader(counting_dataset(23), 5, {true, true, 1});
  CHECK(loader.num_batches() == 4);
  CHECK(loader.num_samples() == 20);
  std::size_t batches = 0;
  for (const Batch& b : loader) {
    CHECK(b.size() == 5);
    ++batches;
  }
  CHECK(batches == 4);
  DataLoader exact(counting_dataset(20), 5, {true, true, 1});
  CHECK(exact.num_batches() == 4);
  DataLoader tiny(counting_dataset(3), 5, {true, true, 1});
  CHECK(tiny.num_batches() == 0);
  CHECK(tiny.begin() == tiny.end());
}

TEST_CASE("data: DataLoader validates its arguments") {
  CHECK_THROWS_WITH_AS(DataLoader(counting_dataset(4), 0), "DataLoader: batch_size must be > 0", ValueError);
  Dataset bad = counting_dataset(4);
  bad.labels.pop_back();
  CHECK_THROWS_WITH_AS(DataLoader(bad, 2), doctest::Contains("3 labels for 4 rows"), ShapeError);
  DataLoader loader(counting_dataset(4), 2);
  loader.start_epoch();
  CHECK(loader.batch(1).size() == 2);
  CHECK_THROWS_AS(loader.batch(2), IndexError);
}

TEST_CASE("data: Dataset::subset and gather_rows copy the chosen rows of every field") {
  Dataset d = counting_dataset(6);
  d.class_names = {"a", "b", "c"};
  const Dataset s = d.subset({5, 0, 5});
  CHECK(s.X.to_vector() == std::vector<float>{5, 0, 5});
  CHECK(s.labels == std::vector<std::size_t>{2, 0, 2});
  CHECK(s.y.to_vector() == std::vector<float>{10, 0, 10});
  CHECK(s.class_names == d.class_names);
  CHECK_THROWS_WITH_AS(d.subset({6}), "gather_rows: index 6 is out of range for 6 rows", IndexError);
  const Tensor images = Tensor::arange(24).reshape(Shape{3, 2, 4});
  CHECK(gather_rows(images, {2}).shape() == Shape{1, 2, 4});
  CHECK(gather_rows(images, {2}).at({0, 1, 3}) == 23.0f);
}

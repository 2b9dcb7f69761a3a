// DistributedSampler and DataLoader shards: PyTorch's DistributedSampler sizes, padding and striding; disjoint shards
// of one order that together cover the epoch; the same order on every rank for one seed.
#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>

#include "autodiff/error.h"
#include "data/distributed_sampler.h"
#include "data/loader.h"

using namespace ad;
using namespace ad::data;

namespace {

std::vector<std::size_t> iota(std::size_t n) {
  std::vector<std::size_t> v(n);
  std::iota(v.begin(), v.end(), std::size_t(0));
  return v;
}

}  // namespace

TEST_CASE("shard_indices: PyTorch's padding repeats the order's first entries and strides by the number of ranks") {
  // torch.utils.data.DistributedSampler(range(10), num_replicas=3, rank=r, shuffle=False) gives
  // [0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]; with drop_last=True [0, 3, 6], [1, 4, 7], [2, 5, 8].
  const std::vector<std::size_t> order = iota(10);
  CHECK(shard_indices(order, {3, 0, false}) == std::vector<std::size_t>{0, 3, 6, 9});
  CHECK(shard_indices(order, {3, 1, false}) == std::vector<std::size_t>{1, 4, 7, 0});
  CHECK(shard_indices(order, {3, 2, false}) == std::vector<std::size_t>{2, 5, 8, 1});
  CHECK(shard_indices(order, {3, 0, true}) == std::vector<std::size_t>{0, 3, 6});
  CHECK(shard_indices(order, {3, 2, true}) == std::vector<std::size_t>{2, 5, 8});
  // More ranks than examples: the order is repeated as often as needed (PyTorch: indices * ceil(padding / n)).
  CHECK(shard_indices(iota(2), {5, 4, false}) == std::vector<std::size_t>{0});
  CHECK(shard_indices(iota(2), {5, 3, false}) == std::vector<std::size_t>{1});
  CHECK(shard_size(10, {3, 0, false}) == 4);
  CHECK(shard_size(10, {3, 0, true}) == 3);
  CHECK(shard_size(12, {3, 1, true}) == 4);
}

TEST_CASE("DistributedSampler: the ranks' shards are disjoint, cover the epoch, and change with set_epoch") {
  for (std::size_t ranks : {1, 2, 3, 4}) {
    std::vector<std::size_t> all;
    for (std::size_t r = 0; r < ranks; ++r) {
      DistributedSampler s(12, ranks, r, /*shuffle=*/true, /*seed=*/7);
      s.set_epoch(3);
      const std::vector<std::size_t> mine = s.indices();
      CHECK(mine.size() == s.num_samples());
      CHECK(s.total_size() == 12);
      all.insert(all.end(), mine.begin(), mine.end());
    }
    std::sort(all.begin(), all.end());
    CHECK(all == iota(12));
  }
  DistributedSampler a(100, 2, 0, true, 7), b(100, 2, 0, true, 7), c(100, 2, 0, true, 8);
  CHECK(a.indices() == b.indices());  // the same seed and epoch: the same order (on every rank)
  CHECK(a.indices() != c.indices());
  const std::vector<std::size_t> first = a.indices();
  a.set_epoch(1);
  CHECK(a.indices() != first);
  DistributedSampler plain(10, 3, 1, /*shuffle=*/false);
  CHECK(plain.indices() == std::vector<std::size_t>{1, 4, 7, 0});
}

TEST_CASE("DistributedSampler: bad rank, replicas or sizes are refused with the numbers") {
  CHECK_THROWS_WITH_AS(DistributedSampler(10, 2, 2),
                       "DistributedSampler: rank 2 is out of range for 2 replicas (0 .. 1)", ValueError);
  CHECK_THROWS_WITH_AS(DistributedSampler(10, 0, 0), "DistributedSampler: num_replicas must be at least 1", ValueError);
  CHECK_THROWS_WITH_AS(DistributedSampler(0, 2, 0), "DistributedSampler: the data set is empty", ValueError);
  CHECK_THROWS_WITH_AS(DistributedSampler(2, 3, 0, true, 0, /*drop_last=*/true),
                       "DistributedSampler: 2 examples leave nothing for each of 3 ranks with drop_last", ValueError);
}

TEST_CASE("DataLoader with a shard: each rank batches its part of the one shuffled order, whose state it saves") {
  Dataset d;
  std::vector<float> x(10);
  std::iota(x.begin(), x.end(), 0.0f);
  d.X = Tensor::from(x, {10, 1});
  DataLoader whole(d, 4, {true, false, 42});
  whole.start_epoch();
  std::vector<std::size_t> seen;
  for (std::size_t r = 0; r < 3; ++r) {
    DataLoader mine(d, 2, {true, false, 42, {3, r, false}});
    mine.start_epoch();
    CHECK(mine.order() == whole.order());
    CHECK(mine.num_samples() == 4);  // ceil(10 / 3)
    CHECK(mine.num_batches() == 2);
    CHECK(mine.rows() == shard_indices(whole.order(), {3, r, false}));
    for (std::size_t b = 0; b < mine.num_batches(); ++b) {
      const Batch batch = mine.batch(b);
      for (std::size_t i = 0; i < batch.size(); ++i) CHECK(batch.X.data()[i] == static_cast<float>(batch.indices[i]));
      seen.insert(seen.end(), batch.indices.begin(), batch.indices.end());
    }
    // The saved state is the whole order's: a loader of another rank count takes it and cuts its own shard.
    DataLoader other(d, 5, {true, false, 1, {2, 1, false}});
    other.load_state(mine.state());
    CHECK(other.order() == whole.order());
    CHECK(other.rows() == shard_indices(whole.order(), {2, 1, false}));
  }
  std::sort(seen.begin(), seen.end());
  CHECK(seen.size() == 12);  // 10 examples and 2 repeated to pad
  CHECK(std::unique(seen.begin(), seen.end()) - seen.begin() == 10);
}

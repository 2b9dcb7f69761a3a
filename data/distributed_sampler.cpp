#include "data/distributed_sampler.h"

#include <numeric>
#include <random>
#include <string>

#include "autodiff/error.h"
#include "data/shuffle.h"

namespace ad::data {
namespace {

void check_shard(const Shard& s, const char* who) {
  if (s.num_replicas == 0) throw ValueError(std::string(who) + ": num_replicas must be at least 1");
  if (s.rank >= s.num_replicas)
    throw ValueError(std::string(who) + ": rank " + std::to_string(s.rank) + " is out of range for " +
                     std::to_string(s.num_replicas) + " replicas (0 .. " + std::to_string(s.num_replicas - 1) + ")");
}

}  // namespace

std::size_t shard_size(std::size_t n, const Shard& s) {
  check_shard(s, "shard_size");
  return s.drop_last ? n / s.num_replicas : (n + s.num_replicas - 1) / s.num_replicas;
}

std::vector<std::size_t> shard_indices(const std::vector<std::size_t>& order, const Shard& s) {
  const std::size_t per_rank = shard_size(order.size(), s);
  if (per_rank == 0)
    throw ValueError("shard_indices: " + std::to_string(order.size()) + " examples leave nothing for each of " +
                     std::to_string(s.num_replicas) + " ranks" + (s.drop_last ? " with drop_last" : ""));
  // Entry k of the padded order is order[k mod N] (PyTorch repeats the order as often as needed); of the cut one,
  // order[k] for k < total.
  std::vector<std::size_t> mine(per_rank);
  for (std::size_t j = 0; j < per_rank; ++j) mine[j] = order[(s.rank + j * s.num_replicas) % order.size()];
  return mine;
}

DistributedSampler::DistributedSampler(std::size_t dataset_size, std::size_t num_replicas, std::size_t rank,
                                       bool shuffle, std::uint64_t seed, bool drop_last)
    : n_(dataset_size), shard_{num_replicas, rank, drop_last}, shuffle_(shuffle), seed_(seed) {
  check_shard(shard_, "DistributedSampler");
  if (n_ == 0) throw ValueError("DistributedSampler: the data set is empty");
  if (num_samples() == 0)
    throw ValueError("DistributedSampler: " + std::to_string(n_) + " examples leave nothing for each of " +
                     std::to_string(num_replicas) + " ranks with drop_last");
}

std::vector<std::size_t> DistributedSampler::indices() const {
  std::vector<std::size_t> order(n_);
  std::iota(order.begin(), order.end(), std::size_t(0));
  if (shuffle_) {
    std::mt19937_64 rng(seed_ + epoch_);
    shuffle(order, rng);
  }
  return shard_indices(order, shard_);
}

}  // namespace ad::data

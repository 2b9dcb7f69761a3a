// DistributedSampler: which examples each rank of a data-parallel run trains on, with the rules of PyTorch's
// torch.utils.data.DistributedSampler.
//
//   data::DistributedSampler sampler(train.size(), dist::world_size(), dist::rank(), /*shuffle=*/true, /*seed=*/42);
//   for (std::size_t epoch = 0; epoch < epochs; ++epoch) {
//     sampler.set_epoch(epoch);                       // a new order each epoch, the same on every rank
//     std::vector<std::size_t> mine = sampler.indices();   // this rank's num_samples() examples
//     ...
//   }
//
// Each epoch, every rank draws the same permutation of the N examples (a generator seeded with seed + epoch; ranks
// agree as long as they pass the same seed) and takes every num_replicas-th entry, starting at its rank: the shards
// are disjoint and together cover the epoch. When N is not a multiple of num_replicas, the order is padded by
// repeating its first entries, so every rank has ceil(N / num_replicas) examples (a few examples count twice); with
// drop_last the order is cut instead, to floor(N / num_replicas) per rank. Equal shard sizes keep the ranks in step:
// every rank runs the same number of batches, each a collective.
//
// The permutation is this library's (data/shuffle.h), not torch.randperm's: the same seed gives other orders than
// PyTorch's; the sizes, padding and striding are PyTorch's.
//
// DataLoader takes the same rule through LoaderOptions::shard (data/loader.h), which train::fit uses.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ad::data {

// How a data-parallel run splits each epoch: the number of ranks, this one's rank, and whether the order is cut
// (drop_last) rather than padded to a multiple of num_replicas.
struct Shard {
  std::size_t num_replicas = 1;
  std::size_t rank = 0;
  bool drop_last = false;
};

// The rank's part of `order` (the rule above): order[rank], order[rank + num_replicas], ... of the padded or cut
// order. ValueError when rank >= num_replicas, num_replicas is 0, or drop_last leaves nothing.
std::vector<std::size_t> shard_indices(const std::vector<std::size_t>& order, const Shard& shard);
// Examples per rank for N examples: ceil(N / num_replicas), or floor with drop_last.
std::size_t shard_size(std::size_t n, const Shard& shard);

class DistributedSampler {
 public:
  // ValueError for an empty data set, num_replicas 0 or rank >= num_replicas.
  DistributedSampler(std::size_t dataset_size, std::size_t num_replicas, std::size_t rank, bool shuffle = true,
                     std::uint64_t seed = 0, bool drop_last = false);
  // The epoch whose order indices() gives (PyTorch: call it at the start of every epoch, or every epoch repeats
  // the first one's order).
  void set_epoch(std::size_t epoch) { epoch_ = epoch; }
  std::size_t epoch() const { return epoch_; }
  // This rank's examples for the current epoch, in the order to visit them.
  std::vector<std::size_t> indices() const;
  std::size_t num_samples() const { return shard_size(n_, shard_); }              // per rank
  std::size_t total_size() const { return num_samples() * shard_.num_replicas; }  // over all ranks

 private:
  std::size_t n_;
  Shard shard_;
  bool shuffle_;
  std::uint64_t seed_;
  std::size_t epoch_ = 0;
};

}  // namespace ad::data

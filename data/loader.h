// DataLoader: mini-batches of a Dataset, in a fresh random order every epoch.
//
//   data::DataLoader loader(train, /*batch_size=*/64, {/*shuffle=*/true, /*drop_last=*/false, /*seed=*/42});
//   for (int epoch = 1; epoch <= epochs; ++epoch)
//     for (const data::Batch& b : loader) {            // each pass over the loader is one epoch
//       Tensor logits = model.forward(b.X);            // b.X (64, d), b.labels (64)
//       Tensor loss = nn::cross_entropy(logits, b.labels);
//       ...
//     }
//
// Each epoch visits every example exactly once: the order is a permutation of 0..N-1, cut into batches of
// batch_size. When N is not a multiple of batch_size the last batch is smaller (kept), or left out when drop_last
// is set (then N % batch_size examples, different ones each epoch, are skipped; some layers such as batch norm
// prefer equal batch sizes). Only the rows of the current batch are copied, when the batch is dereferenced.
//
// Shuffling uses the loader's own generator, seeded from options.seed or, without a seed, from ad::generator()
// when the loader is made (so ad::manual_seed makes the run reproducible too). The same seed gives the same
// sequence of epochs on every platform (see data/shuffle.h).
#pragma once
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <random>
#include <vector>

#include "autodiff/state_dict.h"
#include "data/dataset.h"
#include "data/distributed_sampler.h"

namespace ad::data {

// One mini-batch: the rows `indices` of the data set.
struct Batch {
  Tensor X;                          // (b, d)
  std::vector<std::size_t> labels;   // (b) class labels, when the data set has labels
  Tensor y;                          // (b, ...) targets, when the data set has targets
  std::vector<std::size_t> indices;  // which rows of the data set these are
  std::size_t size() const { return indices.size(); }
};

// The batch of rows `indices` of `data` (X gathered as float rows, labels and targets when the data set has them).
Batch batch_of(const Dataset& data, std::vector<std::size_t> indices);

struct LoaderOptions {
  // A constructor rather than an aggregate, so that {shuffle, drop_last, seed} still reads as before and compiles
  // without -Wmissing-field-initializers warnings now that there is a shard too.
  LoaderOptions(bool shuffle_ = true, bool drop_last_ = false, std::optional<std::uint64_t> seed_ = std::nullopt,
                Shard shard_ = {})
      : shuffle(shuffle_), drop_last(drop_last_), seed(seed_), shard(shard_) {}
  bool shuffle = true;                // a new random order each epoch; false: rows in data set order
  bool drop_last = false;             // skip a last batch smaller than batch_size
  std::optional<std::uint64_t> seed;  // default: drawn from ad::generator()
  // Data-parallel training: each epoch's order is the same on every rank (give every rank the same seed), and this
  // loader batches only its rank's part of it (data/distributed_sampler.h: PyTorch's DistributedSampler rule).
  Shard shard;
};

class DataLoader {
 public:
  // ValueError if batch_size is 0 or the data set has no rows; ShapeError if the data set is inconsistent
  // (Dataset::check).
  DataLoader(Dataset data, std::size_t batch_size, LoaderOptions options = {});

  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = Batch;
    Iterator(const DataLoader* loader, std::size_t index) : loader_(loader), index_(index) {}
    Batch operator*() const { return loader_->batch(index_); }  // gathers the rows now
    Iterator& operator++() {
      ++index_;
      return *this;
    }
    friend bool operator==(const Iterator& a, const Iterator& b) { return a.index_ == b.index_; }
    friend bool operator!=(const Iterator& a, const Iterator& b) { return a.index_ != b.index_; }

   private:
    const DataLoader* loader_;
    std::size_t index_;
  };

  // Starts a new epoch (a new order when shuffling) and returns its first batch. Every call starts an epoch, so
  // iterate once per epoch.
  Iterator begin();
  Iterator end() const { return Iterator(this, num_batches()); }

  // Starts a new epoch without iterating (for use with batch(i)).
  void start_epoch();
  // The loader's position, for an exact resume: epochs started, the current epoch's order and the shuffling
  // generator ("epoch", "order", "rng"). load_state restores it; ValueError when it belongs to a data set of
  // another size.
  StateDict state() const;
  void load_state(const StateDict& s);
  // Batch i (0 <= i < num_batches()) of the current epoch. IndexError when out of range. With a shard, the batches
  // cut this rank's part of the order; the saved state (order, generator) is the whole order's, so it does not
  // depend on the number of ranks.
  Batch batch(std::size_t i) const;

  std::size_t num_batches() const;  // per epoch: ceil(N / batch_size), or floor with drop_last
  std::size_t size() const { return num_batches(); }
  std::size_t num_samples() const;  // examples per epoch (of this rank's shard): N, or num_batches() * batch_size
                                    // with drop_last
  std::size_t batch_size() const { return batch_size_; }
  std::size_t epoch() const { return epoch_; }  // epochs started so far
  const Dataset& dataset() const { return data_; }
  const std::vector<std::size_t>& order() const { return order_; }  // the current epoch's permutation
  const std::vector<std::size_t>& rows() const { return sharded() ? shard_rows_ : order_; }  // what is batched

 private:
  Dataset data_;
  std::size_t batch_size_;
  LoaderOptions options_;
  std::mt19937_64 rng_;
  std::vector<std::size_t> order_;
  std::vector<std::size_t> shard_rows_;  // this rank's part of order_, when sharded
  std::size_t epoch_ = 0;
  bool sharded() const { return options_.shard.num_replicas > 1; }
  void cut_shard();
};

}  // namespace ad::data

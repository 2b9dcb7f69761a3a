#include "data/loader.h"

#include <algorithm>
#include <numeric>

#include "autodiff/error.h"
#include "autodiff/random.h"
#include "data/shuffle.h"

namespace ad::data {

DataLoader::DataLoader(Dataset data, std::size_t batch_size, LoaderOptions options)
    : data_(std::move(data)), batch_size_(batch_size), options_(options) {
  if (batch_size == 0) throw ValueError("DataLoader: batch_size must be > 0");
  data_.check();
  // An epoch of no batches would make a training loop do nothing and report the 0/0 of an empty mean (PyTorch's
  // shuffling sampler refuses it too): an empty split or filter is a bug worth stopping at.
  if (data_.size() == 0)
    throw ValueError("DataLoader: the data set is empty (0 rows" +
                     (data_.X.defined() ? ", X of shape " + data_.X.shape().str() : std::string()) + ")");
  rng_.seed(options_.seed ? *options_.seed : generator()());
  order_.resize(data_.size());
  std::iota(order_.begin(), order_.end(), std::size_t(0));
  cut_shard();
}

void DataLoader::cut_shard() {
  if (sharded()) shard_rows_ = shard_indices(order_, options_.shard);
}

void DataLoader::start_epoch() {
  ++epoch_;
  if (options_.shuffle) {
    std::iota(order_.begin(), order_.end(), std::size_t(0));
    shuffle(order_, rng_);
  }
  cut_shard();
}

StateDict DataLoader::state() const {
  StateDict s;
  s.set("epoch", static_cast<std::int64_t>(epoch_));
  s.set("order", std::vector<std::uint64_t>(order_.begin(), order_.end()));
  s.set("rng", rng_state(rng_));
  return s;
}

void DataLoader::load_state(const StateDict& s) {
  const char* who = "DataLoader::load_state";
  const std::vector<std::uint64_t>& order = s.words("order", who);
  if (order.size() != data_.size())
    throw ValueError(std::string(who) + ": the saved order has " + std::to_string(order.size()) +
                     " rows, the data set " + std::to_string(data_.size()));
  for (std::uint64_t r : order)
    if (r >= data_.size())
      throw ValueError(std::string(who) + ": the saved order holds row " + std::to_string(r) +
                       ", beyond the data set's " + std::to_string(data_.size()) + " rows");
  std::mt19937_64 rng;
  set_rng_state(rng, s.words("rng", who), who);
  const std::int64_t epoch = s.integer("epoch", who);
  order_.assign(order.begin(), order.end());
  rng_ = rng;
  epoch_ = static_cast<std::size_t>(epoch);
  cut_shard();
}

DataLoader::Iterator DataLoader::begin() {
  start_epoch();
  return Iterator(this, 0);
}

std::size_t DataLoader::num_batches() const {
  const std::size_t n = rows().size();
  return options_.drop_last ? n / batch_size_ : (n + batch_size_ - 1) / batch_size_;
}

std::size_t DataLoader::num_samples() const { return options_.drop_last ? num_batches() * batch_size_ : rows().size(); }

Batch DataLoader::batch(std::size_t i) const {
  if (i >= num_batches())
    throw IndexError("DataLoader::batch: batch " + std::to_string(i) + " is out of range for " +
                     std::to_string(num_batches()) + " batches per epoch");
  const std::size_t begin = i * batch_size_;
  const std::vector<std::size_t>& rows = this->rows();
  const std::size_t end = std::min(begin + batch_size_, rows.size());
  return batch_of(data_, std::vector<std::size_t>(rows.begin() + static_cast<std::ptrdiff_t>(begin),
                                                  rows.begin() + static_cast<std::ptrdiff_t>(end)));
}

Batch batch_of(const Dataset& data, std::vector<std::size_t> indices) {
  Batch b;
  b.indices = std::move(indices);
  b.X = data.rows(b.indices);  // float rows from either storage
  if (data.has_labels()) {
    b.labels.reserve(b.indices.size());
    for (std::size_t r : b.indices) b.labels.push_back(data.labels[r]);
  }
  if (data.has_targets()) b.y = gather_rows(data.y, b.indices);
  return b;
}

}  // namespace ad::data

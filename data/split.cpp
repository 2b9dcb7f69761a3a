#include "data/split.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <string>

#include "autodiff/error.h"
#include "data/shuffle.h"

namespace ad::data {
namespace {

// Hamilton's largest-remainder apportionment: `total` items shared among groups in proportion to weights[g], with
// at most capacity[g] each. Every group first gets floor(quota) (capped); the items left go one at a time to the
// groups with the largest fractional remainders (ties to the lower index) that still have room.
std::vector<std::size_t> apportion(std::size_t total, const std::vector<std::size_t>& weights,
                                   const std::vector<std::size_t>& capacity) {
  const double sum = static_cast<double>(std::accumulate(weights.begin(), weights.end(), std::size_t(0)));
  std::vector<std::size_t> out(weights.size(), 0);
  std::vector<double> remainder(weights.size(), 0.0);
  std::size_t given = 0;
  for (std::size_t g = 0; g < weights.size(); ++g) {
    const double quota = sum > 0 ? static_cast<double>(total) * static_cast<double>(weights[g]) / sum : 0.0;
    out[g] = std::min(static_cast<std::size_t>(std::floor(quota)), capacity[g]);
    remainder[g] = quota - static_cast<double>(out[g]);
    given += out[g];
  }
  std::vector<std::size_t> by_remainder(weights.size());
  std::iota(by_remainder.begin(), by_remainder.end(), std::size_t(0));
  std::stable_sort(by_remainder.begin(), by_remainder.end(),
                   [&](std::size_t a, std::size_t b) { return remainder[a] > remainder[b]; });
  while (given < total) {
    bool progress = false;
    for (std::size_t g : by_remainder)
      if (given < total && out[g] < capacity[g]) {
        ++out[g];
        ++given;
        progress = true;
      }
    if (!progress) break;  // every group is full
  }
  return out;
}

void check_fraction(const char* name, double f) {
  if (!(f >= 0.0 && f < 1.0))
    throw ValueError(std::string("split: ") + name + " must be in [0, 1), got " + std::to_string(f));
}

}  // namespace

SplitIndices split_indices(std::size_t n, const std::vector<std::size_t>& labels, double validation_fraction,
                           double test_fraction, std::uint64_t seed, bool stratify) {
  check_fraction("validation_fraction", validation_fraction);
  check_fraction("test_fraction", test_fraction);
  if (!labels.empty() && labels.size() != n)
    throw ShapeError("split: " + std::to_string(labels.size()) + " labels for " + std::to_string(n) + " examples");
  const auto n_test = static_cast<std::size_t>(std::llround(static_cast<double>(n) * test_fraction));
  const auto n_val = static_cast<std::size_t>(std::llround(static_cast<double>(n) * validation_fraction));
  if (n_test + n_val >= n)
    throw ValueError("split: " + std::to_string(n_val) + " validation + " + std::to_string(n_test) +
                     " test examples leave none of " + std::to_string(n) + " for training");

  std::mt19937_64 rng(seed);
  SplitIndices out;
  if (labels.empty() || !stratify) {
    const std::vector<std::size_t> perm = permutation(n, rng);
    out.test.assign(perm.begin(), perm.begin() + static_cast<std::ptrdiff_t>(n_test));
    out.validation.assign(perm.begin() + static_cast<std::ptrdiff_t>(n_test),
                          perm.begin() + static_cast<std::ptrdiff_t>(n_test + n_val));
    out.train.assign(perm.begin() + static_cast<std::ptrdiff_t>(n_test + n_val), perm.end());
  } else {
    const std::size_t classes = *std::max_element(labels.begin(), labels.end()) + 1;
    std::vector<std::vector<std::size_t>> members(classes);
    for (std::size_t i = 0; i < n; ++i) members[labels[i]].push_back(i);
    std::vector<std::size_t> sizes(classes);
    for (std::size_t c = 0; c < classes; ++c) sizes[c] = members[c].size();
    // Test first, then validation from what each class has left, both proportional to the class sizes.
    const std::vector<std::size_t> test = apportion(n_test, sizes, sizes);
    std::vector<std::size_t> left(classes);
    for (std::size_t c = 0; c < classes; ++c) left[c] = sizes[c] - test[c];
    const std::vector<std::size_t> val = apportion(n_val, sizes, left);
    for (std::size_t c = 0; c < classes; ++c) {
      shuffle(members[c], rng);
      const auto& m = members[c];
      out.test.insert(out.test.end(), m.begin(), m.begin() + static_cast<std::ptrdiff_t>(test[c]));
      out.validation.insert(out.validation.end(), m.begin() + static_cast<std::ptrdiff_t>(test[c]),
                            m.begin() + static_cast<std::ptrdiff_t>(test[c] + val[c]));
      out.train.insert(out.train.end(), m.begin() + static_cast<std::ptrdiff_t>(test[c] + val[c]), m.end());
    }
  }
  std::sort(out.train.begin(), out.train.end());
  std::sort(out.validation.begin(), out.validation.end());
  std::sort(out.test.begin(), out.test.end());
  return out;
}

Split train_val_test_split(const Dataset& data, double validation_fraction, double test_fraction, std::uint64_t seed,
                           bool stratify) {
  data.check();
  const SplitIndices idx = split_indices(data.size(), data.labels, validation_fraction, test_fraction, seed, stratify);
  return {data.subset(idx.train), data.subset(idx.validation), data.subset(idx.test)};
}

std::pair<Dataset, Dataset> train_test_split(const Dataset& data, double test_fraction, std::uint64_t seed,
                                             bool stratify) {
  data.check();
  const SplitIndices idx = split_indices(data.size(), data.labels, 0.0, test_fraction, seed, stratify);
  return {data.subset(idx.train), data.subset(idx.test)};
}

}  // namespace ad::data

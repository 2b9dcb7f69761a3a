// Train / validation / test splits.
//
//   auto [train, test] = data::train_test_split(d, 0.2, /*seed=*/1);
//   auto [train, val, test] = data::train_val_test_split(d, 0.15, 0.15, /*seed=*/1);
//
// Fractions are of the whole data set: round(N * fraction) examples go to each of the test and validation sets,
// the rest to training. With labels and stratify (the default) each class is split in the same proportions, so a
// class making up 37% of the data makes up ~37% of every part: the counts per class are the nearest whole numbers
// to fraction * class size, adjusted by largest remainder so that the totals are exactly as above. Without
// labels (regression) or with stratify = false the split is a plain random one. The examples of each part keep
// their original order; the same seed gives the same split on every platform.
#pragma once
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "data/dataset.h"

namespace ad::data {

struct SplitIndices {
  std::vector<std::size_t> train, validation, test;  // each sorted ascending
};

struct Split {
  Dataset train, validation, test;
};

// The row indices of each part. labels may be empty (no stratification) or have one entry per row (n).
// ValueError if a fraction is outside [0, 1) or the training part would be empty.
SplitIndices split_indices(std::size_t n, const std::vector<std::size_t>& labels, double validation_fraction,
                           double test_fraction, std::uint64_t seed, bool stratify = true);

Split train_val_test_split(const Dataset& data, double validation_fraction, double test_fraction, std::uint64_t seed,
                           bool stratify = true);
std::pair<Dataset, Dataset> train_test_split(const Dataset& data, double test_fraction, std::uint64_t seed,
                                             bool stratify = true);

}  // namespace ad::data

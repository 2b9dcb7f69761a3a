// What the examples on the IDX image sets (mnist, cnn) share: whether a directory holds the four IDX files, the
// first rows of a data set, and 0 .. n-1.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace examples {

// train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each plain
// or .gz.
bool has_idx_files(const std::string& dir);
// The first `limit` rows (0: all).
ad::data::Dataset head(const ad::data::Dataset& d, std::size_t limit);
// 0, 1, ..., n-1.
std::vector<std::size_t> iota(std::size_t n);

}  // namespace examples

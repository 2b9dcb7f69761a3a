// Dataset: a table of examples in memory, one per row of X, with their class labels (classification) or target
// values (regression), plus optional names for the features and classes.
//
//   data::Dataset d = data::load_digits();           // X (1797, 64), labels 0..9
//   auto [train, test] = data::train_test_split(d, 0.25, /*seed=*/1);
//   d.num_classes();                                 // 10
//
// A Dataset is a plain struct (aggregate): Dataset{X, labels} builds one from a feature matrix and labels.
// Copies are cheap in X and y (tensors share storage) but copy the label vector.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "autodiff/tensor.h"
#include "data/csv.h"

namespace ad::data {

struct Dataset {
  Tensor X;                                       // (N, d) features, one example per row (or (N, ...) for images)
  std::vector<std::size_t> labels;                // class index of each row; empty for regression
  Tensor y;                                       // regression targets, (N) or (N, k); undefined for classification
  std::vector<std::string> feature_names;         // optional: d names
  std::vector<std::string> class_names;           // optional: one name per class
  std::size_t image_height = 0, image_width = 0;  // for images stored as flat rows (8 x 8 digits, 28 x 28 MNIST)
  // Compact storage of 8-bit features (pixels), used instead of X when `bytes` is set (X is then undefined):
  // row i is bytes[i * byte_row_length ...] and becomes floats byte / byte_divisor only when gathered (rows(),
  // the DataLoader's batches). One byte per feature instead of four: the 60,000 MNIST training images take 47 MB,
  // not 188 MB. Copies of the Dataset share the bytes.
  std::shared_ptr<const std::vector<std::uint8_t>> bytes;
  std::size_t byte_row_length = 0;
  float byte_divisor = 1;

  std::size_t size() const;  // N
  bool is_compact() const { return bytes != nullptr; }
  // The rows `indices` (in that order) of the features as a float tensor (indices.size(), ...), from either storage.
  // IndexError on an index >= size().
  Tensor rows(const std::vector<std::size_t>& indices) const;
  // All features as floats: X itself, or the bytes converted (a full-size copy; prefer rows() for compact data).
  Tensor features() const;
  // Elements per row of X (d).
  std::size_t num_features() const;
  // class_names.size() when names are given, else 1 + the largest label (0 without labels).
  std::size_t num_classes() const;
  bool has_labels() const { return !labels.empty(); }
  bool has_targets() const { return y.defined(); }
  // How many rows carry each label (num_classes() entries).
  std::vector<std::size_t> class_counts() const;
  // The rows at `indices` (in that order; repeats allowed) with the same names and image size. IndexError on an
  // index >= size().
  Dataset subset(const std::vector<std::size_t>& indices) const;
  // Throws ShapeError if X is not at least 1-D, or labels / y do not have one entry per row of X.
  void check() const;
};

// The rows of `a` followed by those of `b` (the training and validation parts for a refit, say), with a's names and
// image size. Both must have the same storage (compact or not), row shape, and labels or targets; ShapeError naming
// both shapes otherwise.
Dataset concat(const Dataset& a, const Dataset& b);

// A table whose column `label_column` holds class indices (whole numbers >= 0) becomes X (the other columns) and
// labels. Feature names come from the header when there is one. A label that is not a whole number >= 0 throws
// ValueError naming its row (0-based, data rows only) and value.
Dataset classification_dataset(const CsvTable& table, std::size_t label_column);
// The same with a real-valued target column: X (the other columns) and y (rows).
Dataset regression_dataset(const CsvTable& table, std::size_t target_column);

// Converts whole non-negative numbers to class indices; ValueError naming `what` and the index of a value that
// is negative, fractional or not finite.
std::vector<std::size_t> to_labels(const Tensor& values, const std::string& what = "to_labels");

// The rows `indices` of t (first axis = examples; any further axes are copied whole), in that order, as a new tensor
// outside any graph. IndexError on an index out of range. Used for mini-batches and subsets.
Tensor gather_rows(const Tensor& t, const std::vector<std::size_t>& indices);

}  // namespace ad::data

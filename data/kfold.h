// Stratified k-fold cross-validation, as scikit-learn's StratifiedKFold: the rows are cut into k folds, each class
// spread over them as evenly as possible (its rows dealt round-robin in a seeded random order), and fold i serves
// once as the validation part while the other k - 1 folds train.
//
//   for (const data::Fold& f : data::stratified_kfold(d.labels, 5, /*seed=*/1)) {
//     data::Dataset train = d.subset(f.train), val = d.subset(f.validation);
//     ...
//   }
//
// Every row is in exactly one validation part; fold sizes differ by at most one per class. The same seed gives the
// same folds on every platform.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ad::data {

struct Fold {
  std::vector<std::size_t> train, validation;  // row indices, each sorted ascending
};

// ValueError if k < 2 or k exceeds the number of rows.
std::vector<Fold> stratified_kfold(const std::vector<std::size_t>& labels, std::size_t k, std::uint64_t seed);

}  // namespace ad::data

#include "data/kfold.h"

#include <algorithm>
#include <map>
#include <random>
#include <string>

#include "autodiff/error.h"
#include "data/shuffle.h"

namespace ad::data {

std::vector<Fold> stratified_kfold(const std::vector<std::size_t>& labels, std::size_t k, std::uint64_t seed) {
  if (k < 2) throw ValueError("stratified_kfold: k must be at least 2, got " + std::to_string(k));
  if (k > labels.size())
    throw ValueError("stratified_kfold: k = " + std::to_string(k) + " folds for " + std::to_string(labels.size()) +
                     " rows");
  std::map<std::size_t, std::vector<std::size_t>> by_class;
  for (std::size_t i = 0; i < labels.size(); ++i) by_class[labels[i]].push_back(i);
  std::mt19937_64 rng(seed);
  std::vector<std::size_t> fold_of(labels.size());
  // Deal each class's rows in a random order round-robin, continuing where the previous class stopped, so that the
  // folds' total sizes differ by at most one as well.
  std::size_t next = 0;
  for (auto& [label, rows] : by_class) {
    shuffle(rows, rng);
    for (std::size_t r : rows) fold_of[r] = next++ % k;
  }
  std::vector<Fold> folds(k);
  for (std::size_t i = 0; i < labels.size(); ++i)
    for (std::size_t f = 0; f < k; ++f) (f == fold_of[i] ? folds[f].validation : folds[f].train).push_back(i);
  return folds;
}

}  // namespace ad::data

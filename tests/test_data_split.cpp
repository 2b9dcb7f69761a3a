// Train / validation / test splits: sizes, disjointness, stratification, reproducibility.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "autodiff/error.h"
#include "data/breast_cancer.h"
#include "data/dataset.h"
#include "data/digits.h"
#include "data/split.h"

using namespace ad;
using namespace ad::data;

namespace {

std::vector<double> proportions(const Dataset &d, std::size_t classes) {
  std::vector<double> p(classes, 0.0);
  for (std::size_t l : d.labels) p[l] += 1.0 / static_cast<double>(d.size());
  return p;
}

}  // namespace

TEST_CASE("data: split_indices partitions 0..n-1 into parts of the requested sizes") {
  const std::vector<std::size_t> labels = {0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2};
  for (bool stratify : {true, false}) {
    const SplitIndices s = split_indices(20, labels, 0.25, 0.2, 3, stratify);
    CHECK(s.test.size() == 4);
    CHECK(s.validation.size() == 5);
    CHECK(s.train.size() == 11);
    std::set<std::size_t> all(s.train.begin(), s.train.end());
    all.insert(s.validation.begin(), s.validation.end());
    all.insert(s.test.begin(), s.test.end());
    CHECK(all.size() == 20);
    CHECK(std::is_sorted(s.train.begin(), s.train.end()));
  }
  // Stratified: 6/4/10 examples per class, 20% test = 1.2/0.8/2 -> 1/1/2 (largest remainder gives class 1 the 4th).
  const SplitIndices s = split_indices(20, labels, 0.0, 0.2, 3);
  std::vector<std::size_t> per_class(3, 0);
  for (std::size_t i : s.test) ++per_class[labels[i]];
  CHECK(per_class == std::vector<std::size_t>{1, 1, 2});
  CHECK(split_indices(20, labels, 0.25, 0.2, 3).test == split_indices(20, labels, 0.25, 0.2, 3).test);
  CHECK(split_indices(20, labels, 0.25, 0.2, 3).test != split_indices(20, labels, 0.25, 0.2, 4).test);
}

TEST_CASE("data: a stratified split keeps the class proportions of the breast cancer and digits sets") {
  const Dataset bc = load_breast_cancer(std::string(AD_SOURCE_DIR) + "/data/sets/breast_cancer.csv");
  // (No structured bindings: clang in C++17 cannot capture them in the lambdas behind doctest's assertions.)
  const Split split = train_val_test_split(bc, 0.15, 0.2, 11);
  const Dataset &train = split.train, &val = split.validation, &test = split.test;
  CHECK(test.size() == 114);  // round(569 * 0.2)
  CHECK(val.size() == 85);    // round(569 * 0.15)
  CHECK(train.size() == 370);
  const double malignant = 212.0 / 569.0;
  for (const Dataset *part : {&train, &val, &test})
    CHECK(proportions(*part, 2)[0] == doctest::Approx(malignant).epsilon(0.02));
  CHECK(test.class_counts() == std::vector<std::size_t>{42, 72});  // 212 * 0.2 = 42.4, 357 * 0.2 = 71.4 -> 42 + 72
  CHECK(train.class_names == bc.class_names);
  CHECK(train.feature_names.size() == 30);

  const Dataset digits = load_digits(std::string(AD_SOURCE_DIR) + "/data/sets/digits.csv.gz");
  const std::pair<Dataset, Dataset> parts = train_test_split(digits, 0.33, 1);
  const Dataset &dtrain = parts.first, &dtest = parts.second;
  const auto all = proportions(digits, 10), tr = proportions(dtrain, 10), te = proportions(dtest, 10);
  for (std::size_t c = 0; c < 10; ++c) {
    CHECK(tr[c] == doctest::Approx(all[c]).epsilon(0.01));
    CHECK(te[c] == doctest::Approx(all[c]).epsilon(0.02));
  }
  CHECK(dtest.size() == 593);  // round(1797 * 0.33)
}

TEST_CASE("data: split without labels and invalid fractions") {
  Dataset d;
  d.X = Tensor::zeros({10, 2});
  d.y = Tensor::arange(10);
  const std::pair<Dataset, Dataset> parts = train_test_split(d, 0.3, 5);
  const Dataset &train = parts.first, &test = parts.second;
  CHECK(train.size() == 7);
  CHECK(test.y.numel() == 3);
  CHECK_THROWS_WITH_AS(train_test_split(d, 1.0, 5), doctest::Contains("test_fraction must be in [0, 1)"), ValueError);
  CHECK_THROWS_AS(train_val_test_split(d, -0.1, 0.2, 5), ValueError);
  CHECK_THROWS_WITH_AS(train_val_test_split(d, 0.5, 0.5, 5), doctest::Contains("leave none of 10 for training"),
                       ValueError);
}

TEST_CASE("data: concat of two data sets appends the rows, labels and targets of the second") {
  data::Dataset a, b;
  a.X = Tensor::from({1, 2, 3, 4}, Shape{2, 2});
  a.labels = {0, 1};
  a.feature_names = {"x", "y"};
  b.X = Tensor::from({5, 6}, Shape{1, 2});
  b.labels = {2};
  const data::Dataset c = data::concat(a, b);
  CHECK(c.X.shape() == Shape{3, 2});
  CHECK(c.X.to_vector() == std::vector<float>{1, 2, 3, 4, 5, 6});
  CHECK(c.labels == std::vector<std::size_t>{0, 1, 2});
  CHECK(c.feature_names == a.feature_names);
  CHECK(a.size() == 2);  // the inputs are unchanged

  data::Dataset r1, r2;  // regression targets
  r1.X = Tensor::from({1}, Shape{1, 1});
  r1.y = Tensor::from({10}, Shape{1});
  r2.X = Tensor::from({2, 3}, Shape{2, 1});
  r2.y = Tensor::from({20, 30}, Shape{2});
  CHECK(data::concat(r1, r2).y.to_vector() == std::vector<float>{10, 20, 30});

  data::Dataset wide;
  wide.X = Tensor::zeros(Shape{1, 3});
  wide.labels = {0};
  CHECK_THROWS_WITH_AS(data::concat(a, wide), "concat (Dataset): rows of shape [2] and rows of shape [3] do not match",
                       ShapeError);
  CHECK_THROWS_AS(data::concat(a, r2), ShapeError);  // labels on one side, targets on the other
  // A part of no rows (an empty validation part) joins anything of the same row shape.
  const data::Dataset none = a.subset({});
  CHECK(data::concat(a, none).labels == a.labels);
  CHECK(data::concat(none, a).labels == a.labels);
}

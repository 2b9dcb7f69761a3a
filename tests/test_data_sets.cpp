// The data sets shipped in data/sets: sizes, label ranges, class counts and a few known values.
#include <doctest/doctest.h>

#include "autodiff/error.h"
#include "data/breast_cancer.h"
#include "data/digits.h"
#include "data/paths.h"
#include "test_data_util.h"

using namespace ad;
using namespace ad::data;

TEST_CASE("data: load_digits gives 1797 images of 8 x 8 pixels 0..16 with labels 0..9") {
  const Dataset d = load_digits(std::string(AD_SOURCE_DIR) + "/data/sets/digits.csv.gz");
  CHECK(d.X.shape() == Shape{1797, 64});
  CHECK(d.labels.size() == 1797);
  CHECK(d.num_classes() == 10);
  CHECK(d.image_height == 8);
  CHECK(d.image_width == 8);
  CHECK(d.X.min().item() == 0.0f);
  CHECK(d.X.max().item() == 16.0f);
  const auto counts = d.class_counts();
  REQUIRE(counts.size() == 10);
  for (std::size_t c : counts) CHECK((c >= 174 && c <= 183));  // every digit appears 174..183 times
  CHECK(d.labels[0] == 0);
  CHECK(d.X.at({0, 2}) == 5.0f);  // first image, third pixel
}

TEST_CASE("data: load_breast_cancer gives 569 x 30 features, 212 malignant (0) and 357 benign (1)") {
  const Dataset d = load_breast_cancer(std::string(AD_SOURCE_DIR) + "/data/sets/breast_cancer.csv");
  CHECK(d.X.shape() == Shape{569, 30});
  CHECK(d.class_counts() == std::vector<std::size_t>{212, 357});
  CHECK(d.class_names == std::vector<std::string>{"malignant", "benign"});
  REQUIRE(d.feature_names.size() == 30);
  CHECK(d.feature_names[0] == "radius (mean)");
  CHECK(d.feature_names[10] == "radius (standard error)");
  CHECK(d.feature_names[29] == "fractal dimension (worst)");
  CHECK(d.X.at({0, 0}) == doctest::Approx(17.99));
  CHECK(d.labels[0] == 0);
}

TEST_CASE("data: the default locations find the shipped sets") {
  CHECK(load_digits().size() == 1797);
  CHECK(load_breast_cancer().size() == 569);
}

TEST_CASE("data: the shipped-set loaders reject files of the wrong layout") {
  test_util::TempDir dir;
  const std::string bc = dir.file("bc.csv");
  std::string row;
  for (int j = 0; j < 30; ++j) row += "1,";
  test_util::write_bytes(bc, "3,30,malignant,benign\n" + row + "0\n" + row + "1\n");
  CHECK_THROWS_WITH_AS(load_breast_cancer(bc),
                       ("load_breast_cancer: '" + bc + "': the first line announces 3 rows, the file has 2").c_str(),
                       IOError);
  test_util::write_bytes(bc, "2,30,malignant,benign\n" + row + "0\n" + row + "2\n");
  CHECK_THROWS_WITH_AS(load_breast_cancer(bc), doctest::Contains("data row 2: label 2"), IOError);
  test_util::write_bytes(bc, row + "0\n" + row + "1\n");
  CHECK_THROWS_WITH_AS(load_breast_cancer(bc), doctest::Contains("the first line should be"), IOError);

  const std::string dg = dir.file("digits.csv");
  std::string pixels;
  for (int j = 0; j < 64; ++j) pixels += "3,";
  test_util::write_bytes(dg, pixels + "3\n" + pixels + "10\n");
  CHECK_THROWS_WITH_AS(load_digits(dg),
                       ("load_digits: '" + dg + "': data row 2: label 10.000000 is not a digit 0..9").c_str(), IOError);
  test_util::write_bytes(dg, "1,2,3\n");
  CHECK_THROWS_WITH_AS(load_digits(dg), doctest::Contains("3 columns, expected 65"), IOError);
  test_util::write_bytes(dg, "17," + pixels.substr(2) + "1\n");
  CHECK_THROWS_WITH_AS(load_digits(dg),
                       doctest::Contains("data row 1, pixel 1: value 17.000000 is not an integer 0..16"), IOError);
}

// StandardScaler, MinMaxScaler and one_hot against hand-computed values.
#include <doctest/doctest.h>

#include <cmath>

#include "autodiff/error.h"
#include "data/one_hot.h"
#include "data/scaler.h"

using namespace ad;
using namespace ad::data;

TEST_CASE("data: StandardScaler centres and scales each column with the training statistics") {
  // Column 0: 1, 2, 3, 6 -> mean 3, population variance (4 + 1 + 0 + 9) / 4 = 3.5. Column 1 is constant.
  const Tensor train = Tensor::from({1, 7, 2, 7, 3, 7, 6, 7}, {4, 2});
  StandardScaler s;
  const Tensor z = s.fit_transform(train);
  CHECK(s.mean()[0] == doctest::Approx(3.0));
  CHECK(s.scale()[0] == doctest::Approx(std::sqrt(3.5)));
  CHECK(s.scale()[1] == 1.0);  // constant column: no division by zero
  CHECK(z.at({0, 0}) == doctest::Approx(-2.0 / std::sqrt(3.5)));
  CHECK(z.at({3, 0}) == doctest::Approx(3.0 / std::sqrt(3.5)));
  for (std::size_t i = 0; i < 4; ++i) CHECK(z.at({i, 1}) == 0.0f);
  // Other data uses the training statistics.
  const Tensor test = Tensor::from({3, 8}, {1, 2});
  const Tensor zt = s.transform(test);
  CHECK(zt.at({0, 0}) == doctest::Approx(0.0));
  CHECK(zt.at({0, 1}) == doctest::Approx(1.0));
  const Tensor back = s.inverse_transform(z);
  for (std::size_t i = 0; i < 8; ++i) CHECK(back.data()[i] == doctest::Approx(train.data()[i]));
}

TEST_CASE("data: MinMaxScaler maps the training range of each column to lo..hi") {
  const Tensor train = Tensor::from({0, 5, 10, 5, 5, 5}, {3, 2});
  MinMaxScaler s(-1.0f, 1.0f);
  const Tensor z = s.fit_transform(train);
  CHECK(z.to_vector() == std::vector<float>{-1, -1, 1, -1, 0, -1});  // constant column -> lo
  CHECK(s.transform(Tensor::from({20, 5}, {1, 2})).to_vector() == std::vector<float>{3, -1});
  const Tensor back = s.inverse_transform(z);
  CHECK(back.to_vector() == train.to_vector());
  CHECK_THROWS_AS(MinMaxScaler(1.0f, 1.0f), ValueError);
}

TEST_CASE("data: scalers check fitting and shapes") {
  StandardScaler s;
  CHECK_THROWS_WITH_AS(s.transform(Tensor::zeros({2, 2})), doctest::Contains("has not been fitted"), ValueError);
  CHECK_THROWS_WITH_AS(s.fit(Tensor::zeros({0, 3})), doctest::Contains("empty matrix"), ValueError);
  CHECK_THROWS_WITH_AS(s.fit(Tensor::zeros({4})), doctest::Contains("expected an (N, d) matrix, got shape [4]"),
                       ShapeError);
  s.fit(Tensor::ones({3, 2}));
  CHECK_THROWS_WITH_AS(s.transform(Tensor::zeros({2, 3})), doctest::Contains("X has 3 columns"), ShapeError);
}

TEST_CASE("data: one_hot puts a single 1 per row and checks the label range") {
  const Tensor t = one_hot({2, 0, 1}, 3);
  CHECK(t.shape() == Shape{3, 3});
  CHECK(t.to_vector() == std::vector<float>{0, 0, 1, 1, 0, 0, 0, 1, 0});
  CHECK_THROWS_WITH_AS(one_hot({1, 3}, 3), "one_hot: label 3 at position 1 is out of range for 3 classes", IndexError);
  CHECK_THROWS_AS(one_hot({0}, 0), ValueError);
  CHECK(one_hot({}, 4).shape() == Shape{0, 4});
  CHECK(binary_targets({1, 0, 1}).shape() == Shape{3, 1});
  CHECK(binary_targets({1, 0, 1}).to_vector() == std::vector<float>{1, 0, 1});
  CHECK_THROWS_WITH_AS(binary_targets({0, 2}), "binary_targets: label 2 at position 1 is not 0 or 1", ValueError);
}

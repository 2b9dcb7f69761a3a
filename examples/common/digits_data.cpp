#include "examples/common/digits_data.h"

#include <tuple>

#include "data/digits.h"
#include "data/scaler.h"
#include "data/split.h"

namespace examples {

DigitsSplit load_digits_split(const std::string& path, const std::string& scaling, double test_fraction,
                              std::uint64_t seed) {
  DigitsSplit s;
  s.all = path.empty() ? ad::data::load_digits() : ad::data::load_digits(path);
  std::tie(s.train, s.test) = ad::data::train_test_split(s.all, test_fraction, seed);
  s.test_pixels = s.test.X;
  if (scaling == "standard") {
    ad::data::StandardScaler scaler;
    s.train.X = scaler.fit_transform(s.train.X);
    s.test.X = scaler.transform(s.test.X);
  } else {
    ad::data::MinMaxScaler scaler;
    s.train.X = scaler.fit_transform(s.train.X);
    s.test.X = scaler.transform(s.test.X);
  }
  return s;
}

}  // namespace examples

#include "examples/common/digits_data.h"

#include "data/digits.h"
#include "data/scaler.h"
#include "data/split.h"

namespace examples {

DigitsSplit load_digits_split(const std::string& path, const std::string& scaling, double validation_fraction,
                              double test_fraction, std::uint64_t seed) {
  DigitsSplit s;
  s.all = path.empty() ? ad::data::load_digits() : ad::data::load_digits(path);
  ad::data::Split parts = ad::data::train_val_test_split(s.all, validation_fraction, test_fraction, seed);
  s.train = parts.train;
  s.validation = parts.validation;
  s.test = parts.test;
  s.test_pixels = s.test.X;
  auto scale = [&](auto& scaler) {
    s.train.X = scaler.fit_transform(s.train.X);
    s.validation.X = scaler.transform(s.validation.X);
    s.test.X = scaler.transform(s.test.X);
  };
  if (scaling == "standard") {
    ad::data::StandardScaler scaler;
    scale(scaler);
  } else {
    ad::data::MinMaxScaler scaler;
    scale(scaler);
  }
  return s;
}

}  // namespace examples

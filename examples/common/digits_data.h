// The digits data as both digits examples use it: loaded, split into stratified training, validation and test parts
// (seed 003 of the course: hyperparameters and the stopping epoch are chosen on validation, the test part is looked
// at once), and scaled with statistics of the training part only.
#pragma once
#include <cstdint>
#include <string>

#include "autodiff/tensor.h"
#include "data/dataset.h"

namespace examples {

struct DigitsSplit {
  ad::data::Dataset all, train, validation, test;  // all: unscaled; the parts scaled
  ad::Tensor test_pixels;                          // the test images' raw values 0..16, for pictures
};

// scaling: "standard" (per-pixel z-scores) or "minmax" (each pixel's training range mapped to [0, 1]).
// path: the CSV file, or "" for the shipped data/sets/digits.csv.gz.
// Fractions are of the whole data set.
DigitsSplit load_digits_split(const std::string& path, const std::string& scaling, double validation_fraction,
                              double test_fraction, std::uint64_t seed);

}  // namespace examples

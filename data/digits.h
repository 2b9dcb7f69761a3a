// The UCI optical recognition of handwritten digits data set (test part; CC BY 4.0), shipped gzip-compressed in
// data/sets/digits.csv.gz: 1797 images of 8 x 8 pixels, each pixel the count of "on" pixels in a 4 x 4 block of the
// original 32 x 32 bitmap, so an integer 0..16. data/sets/digits.rst describes it.
//
// File layout: no header; one row per image, the 64 pixels row by row followed by the digit 0..9.
// X keeps the raw counts 0..16 (as scikit-learn's load_digits does); divide by 16 for [0, 1] or standardise.
#pragma once
#include <string>

#include "data/dataset.h"

namespace ad::data {

// X (1797, 64) with values 0..16, labels 0..9, class_names "0".."9", image_height = image_width = 8.
// IOError naming the file when a row does not have 65 columns, a pixel is outside 0..16 or a label outside 0..9.
Dataset load_digits(const std::string& path);
Dataset load_digits();  // from sets_dir()

}  // namespace ad::data

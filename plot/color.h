// Colours for plots: a qualitative palette for classes and series, and a sequential map for values.
//
// The sequential map runs from dark violet through blue and teal to yellow with steadily increasing lightness, so
// larger values always look lighter, also in grey-scale print and for the common forms of colour blindness (the
// idea behind viridis); it is a piecewise-linear interpolation between five anchor colours.
#pragma once
#include <cstddef>
#include <string>

namespace ad::plot {

struct Rgb {
  double r = 0, g = 0, b = 0;  // each in [0, 1]
  std::string hex() const;     // "#rrggbb"
};

// Colour i of a 10-colour qualitative palette (cycling for i >= 10).
Rgb category_color(std::size_t i);
// The sequential map at t in [0, 1] (clamped).
Rgb sequential_color(double t);
// (1 - t) a + t b.
Rgb mix(const Rgb& a, const Rgb& b, double t);
// Relative luminance (ITU-R BT.709 weights on the sRGB values): above ~0.5 dark text reads better on it.
double luminance(const Rgb& c);
// A text colour readable on `background`.
std::string text_color_on(const Rgb& background);

}  // namespace ad::plot

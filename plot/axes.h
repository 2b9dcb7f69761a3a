// Axes for the x-y plots: linear scales, "nice" tick positions and the drawing of frame, ticks, grid and labels.
//
// Ticks are placed at multiples of a step 1, 2 or 5 times a power of ten, chosen so that about `target` ticks
// cover the range (the classic choice of plotting libraries: such steps give short labels that are easy to read
// and interpolate, 0.2 0.4 0.6 rather than 0.17 0.34 0.51). A logarithmic axis (log_ticks) is drawn in log10 units
// with ticks at powers of ten, labelled 0.01 0.1 1 10 100 (1e-5, 1e6 beyond), and unlabelled minor ticks at 2..9
// times them.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "plot/svg.h"

namespace ad::plot {

// Maps the data interval [d0, d1] linearly onto the pixel interval [r0, r1] (r1 < r0 for a y axis).
struct Scale {
  double d0, d1, r0, r1;
  double operator()(double v) const { return d1 == d0 ? (r0 + r1) / 2 : r0 + (v - d0) * (r1 - r0) / (d1 - d0); }
};

struct Ticks {
  std::vector<double> values;
  double step = 1;
  double lo = 0, hi = 1;            // the range extended outward to whole steps: use it as the axis range
  std::vector<std::string> labels;  // one per value, or empty: tick_label(value, step)
  std::vector<double> minor;        // unlabelled ticks with a fainter grid line (the 2..9 of a log axis)
  std::string label(std::size_t i) const;
};

// Nice ticks covering [lo, hi]. An empty range (lo == hi) is widened around the value; non-finite input gives
// the range [0, 1].
Ticks nice_ticks(double lo, double hi, std::size_t target = 6);
// A tick label with just the decimals the step needs ("0.25", "1000", "1e-05").
std::string tick_label(double v, double step);
// Ticks of a logarithmic axis covering the positive values [lo, hi], in log10 units: values are exponents (-2 for
// 0.01), lo and hi whole decades (at least one decade apart), labels the powers of ten ("0.01", "1", "1000", "1e-5",
// "1e6"). Every decade gets a tick up to 10 decades, else every 2nd, 5th, ... one; minor ticks at 2..9 times the
// powers of ten when at most 6 decades are shown. Non-positive or non-finite bounds give the range [1, 10].
Ticks log_ticks(double lo, double hi);
// The label of 10^k on a logarithmic axis: "0.001" .. "10000" for -3 <= k <= 4, else "1e-5", "1e6".
std::string power_of_ten_label(int k);

// The plotting area in pixels.
struct Frame {
  double left, top, width, height;
  double right() const { return left + width; }
  double bottom() const { return top + height; }
};

// Room needed left of the frame for the y tick labels and (if any) the rotated y axis label.
double left_margin(const Ticks& yt, bool has_y_label);

// Light grid lines at the ticks, the frame, tick marks and labels, the axis labels and the title above.
void draw_axes(Svg& svg, const Frame& frame, const Scale& x, const Ticks& xt, const Scale& y, const Ticks& yt,
               const std::string& x_label, const std::string& y_label, const std::string& title);

}  // namespace ad::plot

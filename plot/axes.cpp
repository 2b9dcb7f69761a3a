#include "plot/axes.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ad::plot {

Ticks nice_ticks(double lo, double hi, std::size_t target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (lo > hi) std::swap(lo, hi);
  if (lo == hi) {
    const double pad = lo == 0 ? 1.0 : std::fabs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  if (target < 2) target = 2;
  const double raw = (hi - lo) / static_cast<double>(target - 1);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double frac = raw / mag;
  const double step = (frac <= 1.0 ? 1.0 : frac <= 2.0 ? 2.0 : frac <= 5.0 ? 5.0 : 10.0) * mag;
  Ticks t;
  t.step = step;
  // Small tolerance so that a bound that is a multiple of the step up to rounding is not extended by a whole step.
  t.lo = std::floor(lo / step + 1e-9) * step;
  t.hi = std::ceil(hi / step - 1e-9) * step;
  const auto n = static_cast<std::size_t>(std::llround((t.hi - t.lo) / step));
  for (std::size_t i = 0; i <= n; ++i) {
    double v = t.lo + static_cast<double>(i) * step;
    if (std::fabs(v) < step * 1e-9) v = 0;  // no "-0" or "1e-17" label
    t.values.push_back(v);
  }
  return t;
}

std::string tick_label(double v, double step) {
  char buf[40];
  const double a = std::fabs(step);
  if (a >= 1e6 || (a < 1e-4 && a > 0)) {
    std::snprintf(buf, sizeof buf, "%.3g", v);
  } else {
    const int decimals = a >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(a) - 1e-9));
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  }
  std::string s = buf;
  if (s == "-0") s = "0";
  return s;
}

namespace {
double widest_tick_label(const Ticks& t) {
  double w = 0;
  for (double v : t.values) w = std::max(w, text_width(tick_label(v, t.step), 11));
  return w;
}
}  // namespace

double left_margin(const Ticks& yt, bool has_y_label) { return 16 + widest_tick_label(yt) + (has_y_label ? 22 : 0); }

void draw_axes(Svg& svg, const Frame& f, const Scale& x, const Ticks& xt, const Scale& y, const Ticks& yt,
               const std::string& x_label, const std::string& y_label, const std::string& title) {
  const std::string grid = "#e4e4e4", ink = "#444444";
  for (double v : xt.values) svg.line(x(v), f.top, x(v), f.bottom(), grid);
  for (double v : yt.values) svg.line(f.left, y(v), f.right(), y(v), grid);
  svg.rect(f.left, f.top, f.width, f.height, "none", "stroke=\"" + ink + "\" stroke-width=\"1\"");
  TextStyle tick;
  tick.size = 11;
  tick.fill = ink;
  tick.anchor = "middle";
  for (double v : xt.values) {
    svg.line(x(v), f.bottom(), x(v), f.bottom() + 4, ink);
    svg.text(x(v), f.bottom() + 16, tick_label(v, xt.step), tick);
  }
  tick.anchor = "end";
  for (double v : yt.values) {
    svg.line(f.left - 4, y(v), f.left, y(v), ink);
    svg.text(f.left - 7, y(v) + 4, tick_label(v, yt.step), tick);
  }
  TextStyle label;
  label.size = 13;
  label.anchor = "middle";
  if (!x_label.empty()) svg.text(f.left + f.width / 2, f.bottom() + 36, x_label, label);
  if (!y_label.empty()) {
    label.rotate = -90;
    svg.text(f.left - 14 - widest_tick_label(yt), f.top + f.height / 2, y_label, label);
  }
  if (!title.empty()) {
    TextStyle t;
    t.size = 15;
    t.bold = true;
    t.anchor = "middle";
    svg.text(f.left + f.width / 2, f.top - 12, title, t);
  }
}

}  // namespace ad::plot

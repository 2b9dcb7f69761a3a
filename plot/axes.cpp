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

std::string Ticks::label(std::size_t i) const { return i < labels.size() ? labels[i] : tick_label(values[i], step); }

std::string power_of_ten_label(int k) {
  if (k >= 0 && k <= 4) return "1" + std::string(static_cast<std::size_t>(k), '0');
  if (k < 0 && k >= -3) return "0." + std::string(static_cast<std::size_t>(-k - 1), '0') + "1";
  return "1e" + std::to_string(k);
}

Ticks log_ticks(double lo, double hi) {
  if (lo > hi) std::swap(lo, hi);
  if (!(lo > 0) || !std::isfinite(lo) || !std::isfinite(hi)) lo = 1, hi = 10;
  Ticks t;
  // Small tolerance so that a bound that is a power of ten up to rounding stays that decade.
  int k0 = static_cast<int>(std::floor(std::log10(lo) + 1e-9)), k1 = static_cast<int>(std::ceil(std::log10(hi) - 1e-9));
  if (k1 <= k0) k1 = k0 + 1;
  const int decades = k1 - k0;
  int every = 1;
  for (int s : {1, 2, 5, 10, 20, 50, 100})
    if (decades / s <= 10) {
      every = s;
      break;
    }
  if (decades / every > 10) every = (decades + 9) / 10;
  // Tick exponents are multiples of `every`, extending the range outward to them.
  k0 = static_cast<int>(std::floor(static_cast<double>(k0) / every)) * every;
  k1 = static_cast<int>(std::ceil(static_cast<double>(k1) / every)) * every;
  t.lo = k0;
  t.hi = k1;
  t.step = every;
  for (int k = k0; k <= k1; k += every) {
    t.values.push_back(k);
    t.labels.push_back(power_of_ten_label(k));
  }
  if (every == 1 && decades <= 6)
    for (int k = k0; k < k1; ++k)
      for (int m = 2; m <= 9; ++m) t.minor.push_back(k + std::log10(static_cast<double>(m)));
  return t;
}

namespace {
double widest_tick_label(const Ticks& t) {
  double w = 0;
  for (std::size_t i = 0; i < t.values.size(); ++i) w = std::max(w, text_width(t.label(i), 11));
  return w;
}
}  // namespace

double left_margin(const Ticks& yt, bool has_y_label) { return 16 + widest_tick_label(yt) + (has_y_label ? 22 : 0); }

void draw_axes(Svg& svg, const Frame& f, const Scale& x, const Ticks& xt, const Scale& y, const Ticks& yt,
               const std::string& x_label, const std::string& y_label, const std::string& title) {
  const std::string grid = "#e4e4e4", faint = "#f1f1f1", ink = "#444444";
  for (double v : xt.minor) svg.line(x(v), f.top, x(v), f.bottom(), faint);
  for (double v : yt.minor) svg.line(f.left, y(v), f.right(), y(v), faint);
  for (double v : xt.values) svg.line(x(v), f.top, x(v), f.bottom(), grid);
  for (double v : yt.values) svg.line(f.left, y(v), f.right(), y(v), grid);
  svg.rect(f.left, f.top, f.width, f.height, "none", "stroke=\"" + ink + "\" stroke-width=\"1\"");
  TextStyle tick;
  tick.size = 11;
  tick.fill = ink;
  tick.anchor = "middle";
  for (std::size_t i = 0; i < xt.values.size(); ++i) {
    const double v = xt.values[i];
    svg.line(x(v), f.bottom(), x(v), f.bottom() + 4, ink);
    svg.text(x(v), f.bottom() + 16, xt.label(i), tick);
  }
  for (double v : xt.minor) svg.line(x(v), f.bottom(), x(v), f.bottom() + 2, ink);
  tick.anchor = "end";
  for (std::size_t i = 0; i < yt.values.size(); ++i) {
    const double v = yt.values[i];
    svg.line(f.left - 4, y(v), f.left, y(v), ink);
    svg.text(f.left - 7, y(v) + 4, yt.label(i), tick);
  }
  for (double v : yt.minor) svg.line(f.left - 2, y(v), f.left, y(v), ink);
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

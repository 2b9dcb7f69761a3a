#include "plot/line_plot.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "autodiff/error.h"
#include "plot/axes.h"
#include "plot/color.h"
#include "plot/svg.h"

namespace ad::plot {
namespace {

double x_at(const Series& s, std::size_t i) { return s.x.empty() ? static_cast<double>(i + 1) : s.x[i]; }

}  // namespace

std::string line_plot_svg(const std::vector<Series>& series, const LinePlotOptions& o) {
  if (series.empty()) throw ValueError("line_plot: no series to plot");
  if (o.log_y)
    for (const auto& [name, bound] : {std::pair{"y_min", o.y_min}, std::pair{"y_max", o.y_max}})
      if (bound && !(*bound > 0))
        throw ValueError(std::string("line_plot: log_y needs a positive ") + name + ", got " + svg_number(*bound));
  // A point is drawn when x and y are finite (and y > 0 on a log axis); y is then plotted as log10(y).
  auto drawn = [&](double y) { return std::isfinite(y) && (!o.log_y || y > 0); };
  auto to_axis = [&](double y) { return o.log_y ? std::log10(y) : y; };
  double xlo = std::numeric_limits<double>::infinity(), xhi = -xlo, ylo = xlo, yhi = -xlo;
  for (const Series& s : series) {
    if (!s.x.empty() && s.x.size() != s.y.size())
      throw ValueError("line_plot: series '" + s.name + "' has " + std::to_string(s.x.size()) + " x values and " +
                       std::to_string(s.y.size()) + " y values");
    for (std::size_t i = 0; i < s.y.size(); ++i) {
      if (!drawn(s.y[i]) || !std::isfinite(x_at(s, i))) continue;
      xlo = std::min(xlo, x_at(s, i));
      xhi = std::max(xhi, x_at(s, i));
      ylo = std::min(ylo, s.y[i]);
      yhi = std::max(yhi, s.y[i]);
    }
  }
  if (o.y_min) ylo = *o.y_min;
  if (o.y_max) yhi = *o.y_max;
  const Ticks xt = nice_ticks(xlo, xhi, 8), yt = o.log_y ? log_ticks(ylo, yhi) : nice_ticks(ylo, yhi, 6);
  // Keep user-given bounds exactly; otherwise extend to whole ticks. y0, y1 are in axis units (log10 on a log axis).
  const double y0 = o.y_min ? to_axis(*o.y_min) : yt.lo, y1 = o.y_max ? to_axis(*o.y_max) : yt.hi;

  double legend_w = 0;
  for (const Series& s : series) legend_w = std::max(legend_w, text_width(s.name, 12));
  legend_w += 44;
  const double left = left_margin(yt, !o.y_label.empty());
  const Frame f{left, o.title.empty() ? 20.0 : 40.0, std::max(60.0, o.width - left - legend_w - 10),
                std::max(60.0, o.height - (o.title.empty() ? 20.0 : 40.0) - (o.x_label.empty() ? 32.0 : 52.0))};
  const Scale x{xt.lo, xt.hi, f.left, f.right()}, y{y0, y1, f.bottom(), f.top};

  Svg svg(o.width, o.height);
  svg.rect(0, 0, o.width, o.height, "#ffffff");
  // The ticks inside the shown range (user-given bounds may cut the extended one).
  auto inside = [&](double v) { return v >= y0 - 1e-12 && v <= y1 + 1e-12; };
  Ticks yshown = yt;
  yshown.values.clear();
  yshown.labels.clear();
  yshown.minor.clear();
  for (std::size_t i = 0; i < yt.values.size(); ++i)
    if (inside(yt.values[i])) {
      yshown.values.push_back(yt.values[i]);
      yshown.labels.push_back(yt.label(i));
    }
  for (double v : yt.minor)
    if (inside(v)) yshown.minor.push_back(v);
  draw_axes(svg, f, x, xt, y, yshown, o.x_label, o.y_label, o.title);

  // Clip the curves to the frame (values beyond user-given y bounds).
  const std::string dash = "stroke-dasharray=\"6 4\"";
  svg.clip_rect("frame", f.left, f.top, f.width, f.height);
  svg.begin_group("clip-path=\"url(#frame)\"");
  for (std::size_t k = 0; k < series.size(); ++k) {
    const Series& s = series[k];
    const std::string colour = category_color(k).hex();
    std::vector<std::pair<double, double>> run;
    auto flush = [&] {
      if (run.size() >= 2) svg.polyline(run, colour, 2, s.dashed ? dash : "");
      run.clear();
    };
    for (std::size_t i = 0; i < s.y.size(); ++i) {
      if (!drawn(s.y[i]) || !std::isfinite(x_at(s, i))) {
        flush();
        continue;
      }
      run.emplace_back(x(x_at(s, i)), y(to_axis(s.y[i])));
      if (s.y.size() <= 40) svg.circle(run.back().first, run.back().second, 2.5, colour);
    }
    flush();
  }
  svg.end_group();

  // Legend: a short line of each colour (dashed for dashed series) and the series name.
  TextStyle name;
  name.size = 12;
  for (std::size_t k = 0; k < series.size(); ++k) {
    const double ly = f.top + 10 + 20 * static_cast<double>(k);
    svg.line(f.right() + 12, ly, f.right() + 32, ly, category_color(k).hex(), 2.5,
             series[k].dashed ? "stroke-dasharray=\"5 3\"" : "");
    svg.text(f.right() + 38, ly + 4, series[k].name, name);
  }

  return svg.str();
}

void save_line_plot(const std::string& path, const std::vector<Series>& series, const LinePlotOptions& options) {
  save_svg(path, line_plot_svg(series, options), "save_line_plot");
}

}  // namespace ad::plot

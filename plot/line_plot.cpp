#include "plot/line_plot.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "autodiff/error.h"
#include "io/file.h"
#include "plot/axes.h"
#include "plot/color.h"
#include "plot/svg.h"

namespace ad::plot {
namespace {

double x_at(const Series& s, std::size_t i) { return s.x.empty() ? static_cast<double>(i + 1) : s.x[i]; }

}  // namespace

std::string line_plot_svg(const std::vector<Series>& series, const LinePlotOptions& o) {
  if (series.empty()) throw ValueError("line_plot: no series to plot");
  double xlo = std::numeric_limits<double>::infinity(), xhi = -xlo, ylo = xlo, yhi = -xlo;
  for (const Series& s : series) {
    if (!s.x.empty() && s.x.size() != s.y.size())
      throw ValueError("line_plot: series '" + s.name + "' has " + std::to_string(s.x.size()) + " x values and " +
                       std::to_string(s.y.size()) + " y values");
    for (std::size_t i = 0; i < s.y.size(); ++i) {
      if (!std::isfinite(s.y[i]) || !std::isfinite(x_at(s, i))) continue;
      xlo = std::min(xlo, x_at(s, i));
      xhi = std::max(xhi, x_at(s, i));
      ylo = std::min(ylo, s.y[i]);
      yhi = std::max(yhi, s.y[i]);
    }
  }
  if (o.y_min) ylo = *o.y_min;
  if (o.y_max) yhi = *o.y_max;
  const Ticks xt = nice_ticks(xlo, xhi, 8), yt = nice_ticks(ylo, yhi, 6);
  // Keep user-given bounds exactly; otherwise extend to whole ticks.
  const double y0 = o.y_min ? *o.y_min : yt.lo, y1 = o.y_max ? *o.y_max : yt.hi;

  double legend_w = 0;
  for (const Series& s : series) legend_w = std::max(legend_w, text_width(s.name, 12));
  legend_w += 44;
  const double left = left_margin(yt, !o.y_label.empty());
  const Frame f{left, o.title.empty() ? 20.0 : 40.0, std::max(60.0, o.width - left - legend_w - 10),
                std::max(60.0, o.height - (o.title.empty() ? 20.0 : 40.0) - (o.x_label.empty() ? 32.0 : 52.0))};
  const Scale x{xt.lo, xt.hi, f.left, f.right()}, y{y0, y1, f.bottom(), f.top};

  Svg svg(o.width, o.height);
  svg.rect(0, 0, o.width, o.height, "#ffffff");
  Ticks yshown = yt;
  yshown.values.erase(std::remove_if(yshown.values.begin(), yshown.values.end(),
                                     [&](double v) { return v < y0 - 1e-12 || v > y1 + 1e-12; }),
                      yshown.values.end());
  draw_axes(svg, f, x, xt, y, yshown, o.x_label, o.y_label, o.title);

  // Clip the curves to the frame (values beyond user-given y bounds).
  svg.clip_rect("frame", f.left, f.top, f.width, f.height);
  svg.begin_group("clip-path=\"url(#frame)\"");
  for (std::size_t k = 0; k < series.size(); ++k) {
    const Series& s = series[k];
    const std::string colour = category_color(k).hex();
    std::vector<std::pair<double, double>> run;
    auto flush = [&] {
      if (run.size() >= 2) svg.polyline(run, colour, 2);
      run.clear();
    };
    for (std::size_t i = 0; i < s.y.size(); ++i) {
      if (!std::isfinite(s.y[i]) || !std::isfinite(x_at(s, i))) {
        flush();
        continue;
      }
      run.emplace_back(x(x_at(s, i)), y(s.y[i]));
      if (s.y.size() <= 40) svg.circle(run.back().first, run.back().second, 2.5, colour);
    }
    flush();
  }
  svg.end_group();

  // Legend: a short line of each colour and the series name.
  TextStyle name;
  name.size = 12;
  for (std::size_t k = 0; k < series.size(); ++k) {
    const double ly = f.top + 10 + 20 * static_cast<double>(k);
    svg.line(f.right() + 12, ly, f.right() + 32, ly, category_color(k).hex(), 2.5);
    svg.text(f.right() + 38, ly + 4, series[k].name, name);
  }

  return svg.str();
}

void save_line_plot(const std::string& path, const std::vector<Series>& series, const LinePlotOptions& options) {
  io::write_file_atomic(path, line_plot_svg(series, options));
}

}  // namespace ad::plot

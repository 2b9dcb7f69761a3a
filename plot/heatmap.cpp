#include "plot/heatmap.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "autodiff/error.h"
#include "plot/axes.h"
#include "plot/color.h"
#include "plot/svg.h"

namespace ad::plot {
namespace {

std::string cell_label(double v, const HeatmapOptions& o) {
  char buf[48];
  const int d = std::clamp(o.decimals, 0, 10);
  if (o.percent)
    std::snprintf(buf, sizeof buf, "%.*f%%", d, 100.0 * v);
  else
    std::snprintf(buf, sizeof buf, "%.*f", d, v);
  return buf;
}

std::vector<std::string> labels_or_indices(const std::vector<std::string>& given, std::size_t n, const char* what) {
  if (given.empty()) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(std::to_string(i));
    return out;
  }
  if (given.size() != n)
    throw ValueError(std::string("heatmap: ") + std::to_string(given.size()) + " " + what + " labels for " +
                     std::to_string(n) + " " + what + "s");
  return given;
}

}  // namespace

std::string heatmap_svg(const std::vector<std::vector<double>>& values, const HeatmapOptions& o) {
  if (values.empty() || values[0].empty()) throw ValueError("heatmap: empty matrix");
  const std::size_t rows = values.size(), cols = values[0].size();
  for (std::size_t r = 0; r < rows; ++r)
    if (values[r].size() != cols)
      throw ValueError("heatmap: row " + std::to_string(r) + " has " + std::to_string(values[r].size()) +
                       " values, row 0 has " + std::to_string(cols));
  const auto row_labels = labels_or_indices(o.row_labels, rows, "row");
  const auto col_labels = labels_or_indices(o.col_labels, cols, "column");

  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const auto& row : values)
    for (double v : row)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (!std::isfinite(lo)) lo = 0, hi = 1;  // nothing finite: any range will do
  if (o.v_min) lo = *o.v_min;
  if (o.v_max) hi = *o.v_max;
  auto position = [&](double v) { return hi > lo ? (v - lo) / (hi - lo) : 0.5; };

  // Layout: row labels | cells | colour bar with its ticks; column labels under the cells (slanted if long).
  const double cs = o.cell_size;
  double row_w = 0, col_w = 0;
  for (const auto& l : row_labels) row_w = std::max(row_w, text_width(l, 12));
  for (const auto& l : col_labels) col_w = std::max(col_w, text_width(l, 12));
  const bool slant = col_w > cs - 6;
  const Ticks ct = nice_ticks(lo, hi, 5);
  double tick_w = 0;
  for (double v : ct.values)
    if (v >= lo - 1e-12 && v <= hi + 1e-12) tick_w = std::max(tick_w, text_width(tick_label(v, ct.step), 11));

  const double left = 12 + (o.y_label.empty() ? 0 : 22) + row_w + 8;
  const double top = o.title.empty() ? 14 : 40;
  const double grid_w = cs * static_cast<double>(cols), grid_h = cs * static_cast<double>(rows);
  const double below = 8 + (slant ? col_w * 0.72 + 12 : 16) + (o.x_label.empty() ? 4 : 26);
  const double bar_x = left + grid_w + 18, bar_w = 16;
  const double width =
      std::max(bar_x + bar_w + 8 + tick_w + (o.color_label.empty() ? 10 : 30), text_width(o.title, 15) + 24);
  const double height = top + std::max(grid_h, 80.0) + below;

  Svg svg(width, height);
  svg.rect(0, 0, width, height, "#ffffff");
  if (!o.title.empty()) {
    TextStyle t;
    t.size = 15;
    t.bold = true;
    t.anchor = "middle";
    svg.text(width / 2, 26, o.title, t);
  }

  TextStyle value_style;
  value_style.anchor = "middle";
  value_style.size = std::min(13.0, cs / 4.2);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c) {
      const double x = left + cs * static_cast<double>(c), y = top + cs * static_cast<double>(r);
      const double v = values[r][c];
      if (!std::isfinite(v)) {
        // Neutral grey, not a colour of the scale; labelled so that it reads as "failed", not as a value.
        svg.rect(x, y, cs, cs, "#d9d9d9", "stroke=\"#ffffff\" stroke-width=\"1\"");
        if (o.show_values) {
          const std::string text = std::isnan(v) && !o.nan_label.empty() ? o.nan_label
                                   : !o.non_finite_label.empty()         ? o.non_finite_label
                                   : std::isnan(v)                       ? "nan"
                                   : v > 0                               ? "inf"
                                                                         : "-inf";
          TextStyle s = value_style;
          s.fill = "#555555";
          s.size = std::min(s.size, (cs - 6) / std::max(1.0, text_width(text, 1)));  // fit a long label in the cell
          svg.text(x + cs / 2, y + cs / 2 + s.size * 0.35, text, s);
        }
        continue;
      }
      const Rgb fill = sequential_color(position(v));
      svg.rect(x, y, cs, cs, fill.hex(), "stroke=\"#ffffff\" stroke-width=\"1\"");
      if (o.show_values) {
        value_style.fill = text_color_on(fill);
        svg.text(x + cs / 2, y + cs / 2 + value_style.size * 0.35, cell_label(v, o), value_style);
      }
    }

  TextStyle label;
  label.size = 12;
  label.anchor = "end";
  for (std::size_t r = 0; r < rows; ++r)
    svg.text(left - 8, top + cs * (static_cast<double>(r) + 0.5) + 4, row_labels[r], label);
  for (std::size_t c = 0; c < cols; ++c) {
    const double x = left + cs * (static_cast<double>(c) + 0.5);
    if (slant) {
      label.anchor = "end";
      label.rotate = -45;
      svg.text(x + 4, top + grid_h + 12, col_labels[c], label);
    } else {
      label.anchor = "middle";
      label.rotate = 0;
      svg.text(x, top + grid_h + 18, col_labels[c], label);
    }
  }
  TextStyle axis;
  axis.size = 13;
  axis.anchor = "middle";
  if (!o.x_label.empty()) svg.text(left + grid_w / 2, height - 10, o.x_label, axis);
  if (!o.y_label.empty()) {
    axis.rotate = -90;
    svg.text(18, top + grid_h / 2, o.y_label, axis);
  }

  // Colour scale: thin horizontal slices from v_max (top) to v_min (bottom), with the tick values beside it.
  const double bar_h = std::max(grid_h, 80.0);
  const int slices = 48;
  for (int i = 0; i < slices; ++i) {
    const double t0 = static_cast<double>(i) / slices;
    svg.rect(bar_x, top + bar_h * (1 - t0 - 1.0 / slices), bar_w, bar_h / slices + 0.5,
             sequential_color(t0 + 0.5 / slices).hex());
  }
  svg.rect(bar_x, top, bar_w, bar_h, "none", "stroke=\"#444444\" stroke-width=\"1\"");
  TextStyle tick;
  tick.size = 11;
  for (double v : ct.values) {
    if (v < lo - 1e-12 || v > hi + 1e-12 || !(hi > lo)) continue;
    const double y = top + bar_h * (1 - position(v));
    svg.line(bar_x + bar_w, y, bar_x + bar_w + 4, y, "#444444");
    svg.text(bar_x + bar_w + 7, y + 4, tick_label(v, ct.step), tick);
  }
  if (!o.color_label.empty()) {
    TextStyle c;
    c.size = 12;
    c.anchor = "middle";
    c.rotate = 90;
    svg.text(width - 14, top + bar_h / 2, o.color_label, c);
  }
  return svg.str();
}

void save_heatmap(const std::string& path, const std::vector<std::vector<double>>& values, const HeatmapOptions& o) {
  save_svg(path, heatmap_svg(values, o), "save_heatmap");
}

}  // namespace ad::plot

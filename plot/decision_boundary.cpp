#include "plot/decision_boundary.h"

#include <algorithm>
#include <cmath>

#include "autodiff/error.h"
#include "autodiff/tape.h"
#include "plot/axes.h"
#include "plot/color.h"
#include "plot/svg.h"

namespace ad::plot {
namespace {

struct CellClass {
  std::size_t cls;
  int level;  // confidence quantised to 0..kLevels, so that equal neighbours merge into one rectangle
};
constexpr int kLevels = 12;

// Predicted class and quantised confidence of every grid point, from the predictor's (M, C) or (M) / (M, 1) output.
std::vector<CellClass> classify(const Tensor& out, std::size_t m, std::size_t& num_classes) {
  const bool binary = out.defined() && (out.dim() == 1 || (out.dim() == 2 && out.size(1) == 1)) && out.numel() == m;
  const bool multi = out.defined() && out.dim() == 2 && out.size(0) == m && out.size(1) >= 2;
  if (!binary && !multi)
    throw ShapeError("decision_boundary: the predictor returned shape " +
                     (out.defined() ? out.shape().str() : std::string("(undefined)")) + " for " + std::to_string(m) +
                     " grid points; expected (" + std::to_string(m) + ", C) or (" + std::to_string(m) + ")");
  const float* p = out.data();
  // Probabilities are required: guessing "logits" from the range would silently misdraw logits that happen to lie
  // in [0, 1].
  for (std::size_t i = 0; i < out.numel(); ++i)
    if (!(p[i] >= 0.0f && p[i] <= 1.0f))
      throw ValueError("decision_boundary: the predictor returned " + std::to_string(p[i]) + " (output element " +
                       std::to_string(i) + "), not a probability; apply sigmoid or softmax to logits");
  const std::size_t c = binary ? 2 : out.size(1);
  num_classes = c;
  std::vector<CellClass> cells(m);
  std::vector<double> prob(c);
  for (std::size_t i = 0; i < m; ++i) {
    if (binary) {
      const double q = p[i];
      prob[0] = 1 - q;
      prob[1] = q;
    } else {
      const float* row = p + i * c;
      for (std::size_t k = 0; k < c; ++k) prob[k] = row[k];
    }
    const std::size_t best = static_cast<std::size_t>(std::max_element(prob.begin(), prob.end()) - prob.begin());
    const double chance = 1.0 / static_cast<double>(c);
    const double s = std::clamp((prob[best] - chance) / (1 - chance), 0.0, 1.0);
    cells[i] = {best, static_cast<int>(std::lround(s * kLevels))};
  }
  return cells;
}

}  // namespace

std::string decision_boundary_svg(const Tensor& X, const std::vector<std::size_t>& labels, const Predictor& predict,
                                  const DecisionBoundaryOptions& o) {
  if (!X.defined() || X.dim() != 2 || X.size(1) != 2)
    throw ShapeError("decision_boundary: X must be (N, 2), got " +
                     (X.defined() ? "shape " + X.shape().str() : std::string("an undefined tensor")));
  const std::size_t n = X.size(0);
  if (labels.size() != n)
    throw ShapeError("decision_boundary: " + std::to_string(labels.size()) + " labels for " + std::to_string(n) +
                     " points");
  if (o.resolution < 2 || o.resolution > 1000)
    throw ValueError("decision_boundary: resolution must be in 2..1000, got " + std::to_string(o.resolution));

  // Data range plus margin, then rounded out to nice ticks; the grid covers exactly the axis range.
  const float* x = X.data();
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  if (n > 0) {
    x0 = x1 = x[0];
    y0 = y1 = x[1];
    for (std::size_t i = 0; i < n; ++i) {
      x0 = std::min(x0, double(x[2 * i])), x1 = std::max(x1, double(x[2 * i]));
      y0 = std::min(y0, double(x[2 * i + 1])), y1 = std::max(y1, double(x[2 * i + 1]));
    }
  }
  const double mx = (x1 - x0) * o.margin, my = (y1 - y0) * o.margin;
  const Ticks xt = nice_ticks(x0 - mx, x1 + mx, 7), yt = nice_ticks(y0 - my, y1 + my, 6);

  const std::size_t res = o.resolution, m = res * res;
  Tensor grid = Tensor::empty({m, 2});
  float* g = grid.mutable_data();
  const double cw = (xt.hi - xt.lo) / static_cast<double>(res), ch = (yt.hi - yt.lo) / static_cast<double>(res);
  for (std::size_t r = 0; r < res; ++r)  // r = 0 is the top row (largest y)
    for (std::size_t c = 0; c < res; ++c) {
      g[2 * (r * res + c)] = static_cast<float>(xt.lo + (static_cast<double>(c) + 0.5) * cw);
      g[2 * (r * res + c) + 1] = static_cast<float>(yt.hi - (static_cast<double>(r) + 0.5) * ch);
    }
  std::size_t num_classes = 0;
  Tensor out;
  {
    NoGradGuard no_grad;  // only values are needed: no graph for resolution^2 forward passes
    out = predict(grid);
  }
  const std::vector<CellClass> cells = classify(out, m, num_classes);
  for (std::size_t l : labels) num_classes = std::max(num_classes, l + 1);

  std::vector<std::string> names = o.class_names;
  for (std::size_t k = names.size(); k < num_classes; ++k) names.push_back("class " + std::to_string(k));
  double legend_w = 0;
  for (std::size_t k = 0; k < num_classes; ++k) legend_w = std::max(legend_w, text_width(names[k], 12));
  legend_w += 40;

  const double left = left_margin(yt, !o.y_label.empty()), top = o.title.empty() ? 16.0 : 40.0;
  const Frame f{left, top, std::max(60.0, o.width - left - legend_w - 10),
                std::max(60.0, o.height - top - (o.x_label.empty() ? 32.0 : 52.0))};
  const Scale sx{xt.lo, xt.hi, f.left, f.right()}, sy{yt.lo, yt.hi, f.bottom(), f.top};

  Svg svg(o.width, o.height);
  svg.rect(0, 0, o.width, o.height, "#ffffff");
  // The class regions, row by row, merging runs of equal colour into one rectangle (a few hundred elements
  // instead of resolution^2).
  svg.begin_group("shape-rendering=\"crispEdges\"");
  const double pw = f.width / static_cast<double>(res), ph = f.height / static_cast<double>(res);
  const Rgb white{1, 1, 1};
  for (std::size_t r = 0; r < res; ++r)
    for (std::size_t c = 0; c < res;) {
      std::size_t e = c + 1;
      while (e < res && cells[r * res + e].cls == cells[r * res + c].cls &&
             cells[r * res + e].level == cells[r * res + c].level)
        ++e;
      const CellClass& cell = cells[r * res + c];
      const Rgb colour = mix(white, category_color(cell.cls), 0.12 + 0.5 * cell.level / double(kLevels));
      // Slight overlap (+0.5 px) hides hairline gaps between neighbouring rectangles in some renderers.
      svg.rect(f.left + pw * static_cast<double>(c), f.top + ph * static_cast<double>(r),
               pw * static_cast<double>(e - c) + 0.5, ph + 0.5, colour.hex());
      c = e;
    }
  svg.end_group();

  draw_axes(svg, f, sx, xt, sy, yt, o.x_label, o.y_label, o.title);
  for (std::size_t i = 0; i < n; ++i)
    svg.circle(sx(x[2 * i]), sy(x[2 * i + 1]), o.point_radius, category_color(labels[i]).hex(),
               "stroke=\"#ffffff\" stroke-width=\"0.8\"");

  TextStyle name;
  name.size = 12;
  for (std::size_t k = 0; k < num_classes; ++k) {
    const double ly = f.top + 10 + 20 * static_cast<double>(k);
    svg.circle(f.right() + 20, ly, 5, category_color(k).hex());
    svg.text(f.right() + 32, ly + 4, names[k], name);
  }
  return svg.str();
}

void save_decision_boundary(const std::string& path, const Tensor& X, const std::vector<std::size_t>& labels,
                            const Predictor& predict, const DecisionBoundaryOptions& options) {
  save_svg(path, decision_boundary_svg(X, labels, predict, options), "save_decision_boundary");
}

}  // namespace ad::plot

#include "examples/common/pictures.h"

#include <algorithm>
#include <cstdio>

#include "data/dataset.h"
#include "examples/common/setup.h"
#include "plot/decision_boundary.h"
#include "plot/heatmap.h"
#include "plot/image_grid.h"
#include "plot/line_plot.h"
#include "train/fit.h"
#include "train/roc_auc.h"

namespace examples {

using ad::Tensor;
namespace plot = ad::plot;

std::string plot_binary_boundary(const std::string& path, const std::string& title, ad::nn::Module<float>& model,
                                 const Tensor& X, const std::vector<std::size_t>& labels,
                                 const std::vector<std::string>& class_names) {
  plot::DecisionBoundaryOptions o;
  o.title = title;
  o.class_names = class_names;
  model.eval();
  // One logit per point: the plot turns values outside [0, 1] into probabilities with the logistic sigmoid, so
  // pass the probabilities themselves to stay exact when every logit happens to lie in [0, 1].
  plot::save_decision_boundary(
      path, X, labels, [&](const Tensor& grid) { return ad::sigmoid(model(grid)); }, o);
  model.train();
  return path;
}

std::string plot_roc(const std::string& path, const std::string& title, const std::vector<std::size_t>& labels,
                     const std::vector<double>& scores) {
  const ad::train::RocCurve roc = ad::train::roc_curve(labels, scores);
  char name[64];
  std::snprintf(name, sizeof name, "model (AUC %.4f)", ad::train::roc_auc(labels, scores));
  plot::LinePlotOptions o;
  o.title = title;
  o.x_label = "false positive rate";
  o.y_label = "true positive rate";
  o.y_min = 0;
  o.y_max = 1;
  plot::save_line_plot(path, {{name, roc.tpr, roc.fpr}, {"chance", {0, 1}, {0, 1}}}, o);
  return path;
}

std::string plot_confusion(const std::string& path, const std::string& title, const ad::train::ConfusionMatrix& cm,
                           const std::vector<std::string>& class_names) {
  plot::HeatmapOptions o;
  o.title = title;
  o.x_label = "predicted class";
  o.y_label = "true class";
  o.row_labels = o.col_labels = class_names;
  o.percent = true;
  o.decimals = 0;
  o.v_min = 0;
  o.v_max = 1;
  o.color_label = "share of the true class";
  if (class_names.size() > 2) o.cell_size = 44;
  plot::save_heatmap(path, cm.rows(/*normalize=*/true), o);
  return path;
}

std::string plot_images(const std::string& path, const std::string& title, const Tensor& X,
                        const std::vector<std::size_t>& rows, std::size_t height, std::size_t width,
                        const std::vector<std::string>& captions, bool ink, std::size_t limit) {
  const std::size_t k = std::min(limit, rows.size());
  const std::vector<std::size_t> shown(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(k));
  const std::vector<std::string> shown_captions(
      captions.begin(), captions.begin() + static_cast<std::ptrdiff_t>(std::min(k, captions.size())));
  plot::ImageGridOptions o;
  o.title =
      title + (k < rows.size() ? " (first " + std::to_string(k) + " of " + std::to_string(rows.size()) + ")" : "");
  o.v_min = 0;
  o.v_max = 1;
  o.invert = ink;
  o.pixel_size = height <= 8 ? 6 : 2;
  plot::save_image_grid(path, ad::data::gather_rows(X, shown), height, width, shown_captions, o);
  return path;
}

std::string plot_regression_slices(const std::string& path, ad::nn::Module<float>& model,
                                   const std::function<double(double, double)>& f, double range, float mean,
                                   float scale) {
  const std::size_t n = 101;
  std::vector<plot::Series> series;
  for (double x1 : {-range / 2, 0.0, range / 2}) {
    std::vector<float> grid(2 * n);
    std::vector<double> x0(n), truth(n);
    for (std::size_t i = 0; i < n; ++i) {
      x0[i] = -range + 2 * range * static_cast<double>(i) / static_cast<double>(n - 1);
      grid[2 * i] = static_cast<float>(x0[i]);
      grid[2 * i + 1] = static_cast<float>(x1);
      truth[i] = f(x0[i], x1);
    }
    const Tensor pred = ad::train::predict(model, Tensor::from(grid, ad::Shape{n, 2})) * scale + mean;
    char label[32];
    std::snprintf(label, sizeof label, "x1 = %g", x1);
    series.push_back({std::string("f, ") + label, truth, x0});
    series.push_back({std::string("model, ") + label, to_doubles(pred), x0, /*dashed=*/true});
  }
  plot::LinePlotOptions o;
  o.title = "f(x0, x1) and the network's fit along x1 = const";
  o.width = 720;
  o.x_label = "x0";
  o.y_label = "y";
  plot::save_line_plot(path, series, o);
  return path;
}

}  // namespace examples

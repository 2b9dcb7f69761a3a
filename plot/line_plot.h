// Line plots of one or more series against a common x axis: learning curves (loss and accuracy per epoch).
//
//   plot::save_line_plot("loss.svg",
//                        {{"train", history["loss"]}, {"validation", history["val_loss"]}},
//                        {"Loss per epoch", "epoch", "cross-entropy"});
//
// A series without x values is drawn against 1, 2, ..., n (epochs). NaN values (a metric missing from an epoch)
// break the line there. Series get the colours of plot::category_color in order, with a legend right of the plot;
// points are marked when a series has at most 40 of them. A dashed series (Series::dashed) is drawn, and shown in
// the legend, with a dashed line: a fitted curve over the true one, a validation curve over the training one.
//
// With LinePlotOptions::log_y the y axis is logarithmic (a loss falling over orders of magnitude): ticks at the
// powers of ten ("0.01", "0.1", "1", ...; "1e-5" beyond), fainter lines at 2..9 times them. Values <= 0 have no
// logarithm: they are skipped like NaN (the line breaks there), and y_min / y_max must then be > 0 (ValueError).
//
//   plot::LinePlotOptions o;
//   o.log_y = true;
//   plot::save_line_plot("fit.svg", {{"truth", y_true, x}, {"fit", y_fit, x, /*dashed=*/true}}, o);
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace ad::plot {

struct Series {
  std::string name;
  std::vector<double> y;
  std::vector<double> x = {};  // empty: 1, 2, ..., y.size()
  bool dashed = false;         // draw the line (and its legend entry) dashed (stroke-dasharray "6 4")
};

struct LinePlotOptions {
  std::string title;
  std::string x_label = "epoch";
  std::string y_label;
  double width = 640, height = 400;              // the whole picture, in pixels
  std::optional<double> y_min = {}, y_max = {};  // default: the data range (e.g. set 0 and 1 for accuracy)
  bool log_y = false;                            // logarithmic y axis; values <= 0 are skipped (see above)
};

// ValueError when there is no series, a series' x and y differ in length, or log_y is set with y_min or y_max <= 0.
std::string line_plot_svg(const std::vector<Series>& series, const LinePlotOptions& options = {});
void save_line_plot(const std::string& path, const std::vector<Series>& series, const LinePlotOptions& options = {});

}  // namespace ad::plot

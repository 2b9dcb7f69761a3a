// Line plots of one or more series against a common x axis: learning curves (loss and accuracy per epoch).
//
//   plot::save_line_plot("loss.svg",
//                        {{"train", history["loss"]}, {"validation", history["val_loss"]}},
//                        {"Loss per epoch", "epoch", "cross-entropy"});
//
// A series without x values is drawn against 1, 2, ..., n (epochs). NaN values (a metric missing from an epoch)
// break the line there. Series get the colours of plot::category_color in order, with a legend right of the plot;
// points are marked when a series has at most 40 of them.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace ad::plot {

struct Series {
  std::string name;
  std::vector<double> y;
  std::vector<double> x = {};  // empty: 1, 2, ..., y.size()
};

struct LinePlotOptions {
  std::string title;
  std::string x_label = "epoch";
  std::string y_label;
  double width = 640, height = 400;              // the whole picture, in pixels
  std::optional<double> y_min = {}, y_max = {};  // default: the data range (e.g. set 0 and 1 for accuracy)
};

// ValueError when there is no series or a series' x and y differ in length.
std::string line_plot_svg(const std::vector<Series>& series, const LinePlotOptions& options = {});
void save_line_plot(const std::string& path, const std::vector<Series>& series, const LinePlotOptions& options = {});

}  // namespace ad::plot

// Heatmaps: a matrix of values as coloured cells with their values written in, and a colour scale beside it.
// For grid searches (accuracy by learning rate x hidden units) and confusion matrices.
//
//   plot::HeatmapOptions o;
//   o.title = "validation accuracy";
//   o.row_labels = {"lr 0.001", "lr 0.01", "lr 0.1"};
//   o.col_labels = {"16", "32", "64"};
//   o.x_label = "hidden units";
//   plot::save_heatmap("grid.svg", acc, o);   // acc: 3 rows of 3 values
//
// Colours follow plot::sequential_color from v_min (dark) to v_max (light); cell labels are black or white,
// whichever reads better on the cell. Cells whose value is NaN or infinite (a run that diverged) are light grey,
// outside the colour scale, and labelled "nan", "inf" or "-inf" (or HeatmapOptions::non_finite_label, e.g.
// "diverged"); the colour scale is the range of the finite values.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace ad::plot {

struct HeatmapOptions {
  std::string title, x_label, y_label;
  std::vector<std::string> row_labels, col_labels;  // default: 0, 1, 2, ...
  bool show_values = true;
  int decimals = 2;      // digits after the point in the cell labels
  bool percent = false;  // label cells with 100 * value and a % sign (0.953 -> "95.3%" with decimals = 1)
  std::optional<double> v_min = {}, v_max = {};  // default: the range of the finite values
  double cell_size = 56;                         // pixels per cell (square)
  std::string color_label;                       // caption of the colour scale
  // The label of NaN and infinite cells (when show_values); empty: "nan", "inf", "-inf" as the value is.
  std::string non_finite_label;
  // The label of NaN cells when they mean something else than the infinite ones (a grid cell not run yet, say);
  // empty: as non_finite_label.
  std::string nan_label;
};

// ValueError for an empty matrix or ragged rows, or label lists of the wrong length.
std::string heatmap_svg(const std::vector<std::vector<double>>& values, const HeatmapOptions& options = {});
void save_heatmap(const std::string& path, const std::vector<std::vector<double>>& values,
                  const HeatmapOptions& options = {});

}  // namespace ad::plot

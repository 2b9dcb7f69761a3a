// Decision boundary of a classifier on 2-D inputs: the plane coloured by the predicted class, lighter where the
// model is unsure, with the data points on top coloured by their true class.
//
//   auto predict = [&](const Tensor& grid) { return model.forward(grid).softmax(-1); };  // (M, 2) -> (M, C)
//   plot::save_decision_boundary("moons.svg", train.X, train.labels, predict, {"two moons, MLP 2-16-2"});
//
// The predictor is called once, with recording off (NoGradGuard), on the centres of a resolution x resolution grid
// covering the data plus a margin, as an (M, 2) tensor. It returns class probabilities, either (M, C) with C >= 2
// or, for a binary model, (M) or (M, 1) holding P(class 1); a value outside [0, 1] is a ValueError (apply softmax or
// sigmoid to logits first). Each cell gets the
// colour of its most probable class c, mixed with white by the confidence s = (p_c - 1/C) / (1 - 1/C): white on
// the boundary, where the classes are equally likely, and saturated where the model is certain.
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "autodiff/tensor.h"

namespace ad::plot {

using Predictor = std::function<Tensor(const Tensor&)>;

struct DecisionBoundaryOptions {
  std::string title;
  std::string x_label = "x1", y_label = "x2";
  std::vector<std::string> class_names = {};  // legend; default "class 0", "class 1", ...
  std::size_t resolution = 100;               // grid cells along each axis
  double margin = 0.08;                       // fraction of the data range added on every side
  double width = 600, height = 480;
  double point_radius = 3.5;
};

// X (N, 2) and one label per row. ShapeError on other shapes or a predictor output of the wrong shape; ValueError
// when the predictor's outputs are not probabilities.
std::string decision_boundary_svg(const Tensor& X, const std::vector<std::size_t>& labels, const Predictor& predict,
                                  const DecisionBoundaryOptions& options = {});
void save_decision_boundary(const std::string& path, const Tensor& X, const std::vector<std::size_t>& labels,
                            const Predictor& predict, const DecisionBoundaryOptions& options = {});

}  // namespace ad::plot

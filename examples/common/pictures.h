// The pictures the examples write besides their learning curves, built on plot/: decision boundaries, ROC curves,
// confusion matrices, image grids, regression fits. Each writes one SVG file and returns its path.
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "autodiff/tensor.h"
#include "nn/module.h"
#include "train/confusion_matrix.h"

namespace examples {

// The decision regions of a binary classifier with one output logit, over the range of the points X (N, 2) plus a
// margin, with the points coloured by their labels drawn on top.
std::string plot_binary_boundary(const std::string& path, const std::string& title, ad::nn::Module<float>& model,
                                 const ad::Tensor& X, const std::vector<std::size_t>& labels,
                                 const std::vector<std::string>& class_names = {});

// The ROC curve (true positive rate against false positive rate) with the chance diagonal; the AUC in the legend.
std::string plot_roc(const std::string& path, const std::string& title, const std::vector<std::size_t>& labels,
                     const std::vector<double>& scores);

// The confusion matrix as a heatmap of row-normalised percentages (the recall of each true class on the diagonal).
std::string plot_confusion(const std::string& path, const std::string& title, const ad::train::ConfusionMatrix& cm,
                           const std::vector<std::string>& class_names);

// A grid of grey-scale images: the rows `rows` of X (N, height * width), each with its caption (e.g.
// "true 3 / pred 5"); at most `limit` of them. Values in [0, 1]: 0 is drawn white and 1 black when `ink` is set
// (handwriting), the other way round otherwise (photographs such as Fashion-MNIST's).
std::string plot_images(const std::string& path, const std::string& title, const ad::Tensor& X,
                        const std::vector<std::size_t>& rows, std::size_t height, std::size_t width,
                        const std::vector<std::string>& captions, bool ink = true, std::size_t limit = 100);

// A regression model of two inputs against the true function f along three slices x1 = -range/2, 0, range/2:
// f (solid) and the model's prediction (dashed; un-standardised as output * scale + mean) for x0 in [-range, range].
std::string plot_regression_slices(const std::string& path, ad::nn::Module<float>& model,
                                   const std::function<double(double, double)>& f, double range, float mean,
                                   float scale);

}  // namespace examples

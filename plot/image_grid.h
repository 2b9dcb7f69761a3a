// A grid of small grey-scale images with captions: misclassified digits ("true 3 / pred 5"), samples of a data set,
// first-layer weights reshaped to images.
//
//   auto wrong = train::misclassified(test.labels, predicted);       // positions of the errors
//   std::vector<std::string> captions;
//   for (auto i : wrong) captions.push_back("true " + std::to_string(test.labels[i]) + " / pred " +
//                                           std::to_string(predicted[i]));
//   plot::save_image_grid("errors.svg", data::gather_rows(test.X, wrong), 28, 28, captions);
//
// Values are mapped linearly to grey from v_min (black) to v_max (white) - by default the smallest and largest
// value among the images shown, so raw digit counts 0..16, pixels in [0, 1] and standardised values all work;
// invert draws dark ink on white instead. Each image row is written as runs of equal grey (quantised to 64 levels),
// and background pixels are not written at all, which keeps a grid of 100 MNIST digits around half a megabyte.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "autodiff/tensor.h"

namespace ad::plot {

struct ImageGridOptions {
  std::string title;
  std::size_t columns = 10;
  double pixel_size = 3;  // screen pixels per image pixel
  std::optional<float> v_min = {}, v_max = {};
  bool invert = false;
};

// images: (K, height * width) rows (pass height and width) or (K, height, width) (pass 0, 0 or the same sizes).
// captions: none, or one per image. ShapeError / ValueError on inconsistent sizes.
std::string image_grid_svg(const Tensor& images, std::size_t height, std::size_t width,
                           const std::vector<std::string>& captions = {}, const ImageGridOptions& options = {});
void save_image_grid(const std::string& path, const Tensor& images, std::size_t height, std::size_t width,
                     const std::vector<std::string>& captions = {}, const ImageGridOptions& options = {});

}  // namespace ad::plot

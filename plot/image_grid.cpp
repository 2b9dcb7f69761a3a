#include "plot/image_grid.h"

#include <algorithm>
#include <cmath>

#include "autodiff/error.h"
#include "plot/color.h"
#include "plot/svg.h"

namespace ad::plot {
namespace {
constexpr int kGreyLevels = 64;
}  // namespace

std::string image_grid_svg(const Tensor& images, std::size_t height, std::size_t width,
                           const std::vector<std::string>& captions, const ImageGridOptions& o) {
  if (!images.defined() || (images.dim() != 2 && images.dim() != 3))
    throw ShapeError("image_grid: images must be (K, h * w) or (K, h, w), got " +
                     (images.defined() ? "shape " + images.shape().str() : std::string("an undefined tensor")));
  if (images.dim() == 3) {
    if ((height && height != images.size(1)) || (width && width != images.size(2)))
      throw ShapeError("image_grid: images of shape " + images.shape().str() + " are not " + std::to_string(height) +
                       " x " + std::to_string(width));
    height = images.size(1);
    width = images.size(2);
  } else if (height * width != images.size(1) || height == 0) {
    throw ShapeError("image_grid: rows of " + std::to_string(images.size(1)) + " values are not images of " +
                     std::to_string(height) + " x " + std::to_string(width) + " pixels");
  }
  const std::size_t k = images.size(0);
  if (!captions.empty() && captions.size() != k)
    throw ValueError("image_grid: " + std::to_string(captions.size()) + " captions for " + std::to_string(k) +
                     " images");
  if (o.columns == 0) throw ValueError("image_grid: columns must be > 0");

  const float* v = images.data();
  const std::size_t per = height * width;
  float lo = 0, hi = 1;
  if (k > 0) {
    lo = *std::min_element(v, v + k * per);
    hi = *std::max_element(v, v + k * per);
  }
  if (o.v_min) lo = *o.v_min;
  if (o.v_max) hi = *o.v_max;
  auto level = [&](float x) {
    const double t = hi > lo ? (static_cast<double>(x) - lo) / (static_cast<double>(hi) - lo) : 0.0;
    return static_cast<int>(std::lround(std::clamp(t, 0.0, 1.0) * (kGreyLevels - 1)));
  };
  auto grey = [&](int lvl) {
    double g = static_cast<double>(lvl) / (kGreyLevels - 1);
    if (o.invert) g = 1 - g;
    return Rgb{g, g, g}.hex();
  };

  const double img_w = o.pixel_size * static_cast<double>(width), img_h = o.pixel_size * static_cast<double>(height);
  double caption_w = 0;
  for (const auto& c : captions) caption_w = std::max(caption_w, text_width(c, 11));
  const double cell_w = std::max(img_w, caption_w) + 10, cell_h = img_h + (captions.empty() ? 8 : 22);
  const std::size_t cols = std::min(o.columns, std::max<std::size_t>(k, 1));
  const std::size_t rows = (k + cols - 1) / cols;
  const double top = o.title.empty() ? 6 : 34;
  const double total_w = std::max(cell_w * static_cast<double>(cols) + 8, text_width(o.title, 15) + 20);
  const double total_h = top + cell_h * static_cast<double>(std::max<std::size_t>(rows, 1)) + 4;

  Svg svg(total_w, total_h);
  svg.rect(0, 0, total_w, total_h, "#ffffff");
  if (!o.title.empty()) {
    TextStyle t;
    t.size = 15;
    t.bold = true;
    t.anchor = "middle";
    svg.text(total_w / 2, 22, o.title, t);
  }
  TextStyle cap;
  cap.size = 11;
  cap.anchor = "middle";
  const int background = level(lo);
  for (std::size_t i = 0; i < k; ++i) {
    const double cx = 4 + cell_w * static_cast<double>(i % cols), cy = top + cell_h * static_cast<double>(i / cols);
    const double ix = cx + (cell_w - img_w) / 2, iy = cy + 4;
    const float* img = v + i * per;
    svg.begin_group("shape-rendering=\"crispEdges\"");
    svg.rect(ix, iy, img_w, img_h, grey(background));
    for (std::size_t r = 0; r < height; ++r)
      for (std::size_t c = 0; c < width;) {
        const int lvl = level(img[r * width + c]);
        std::size_t e = c + 1;
        while (e < width && level(img[r * width + e]) == lvl) ++e;
        if (lvl != background)
          svg.rect(ix + o.pixel_size * static_cast<double>(c), iy + o.pixel_size * static_cast<double>(r),
                   o.pixel_size * static_cast<double>(e - c), o.pixel_size, grey(lvl));
        c = e;
      }
    svg.end_group();
    svg.rect(ix, iy, img_w, img_h, "none", "stroke=\"#999999\" stroke-width=\"0.5\"");
    if (!captions.empty()) svg.text(cx + cell_w / 2, iy + img_h + 14, captions[i], cap);
  }
  return svg.str();
}

void save_image_grid(const std::string& path, const Tensor& images, std::size_t height, std::size_t width,
                     const std::vector<std::string>& captions, const ImageGridOptions& options) {
  save_svg(path, image_grid_svg(images, height, width, captions, options), "save_image_grid");
}

}  // namespace ad::plot

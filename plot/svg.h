// Svg: a minimal writer of SVG documents, the building block of the plots in this folder.
//
// SVG is XML, so any text placed in it (titles, labels, captions, class names) must have its markup characters
// escaped: & < > " ' become entities. Every element written here is escaped and its attributes quoted, so the
// output is well-formed whatever the strings contain. Coordinates are in pixels, y pointing down; numbers are
// written with at most two decimals to keep files small.
//
//   plot::Svg svg(200, 100);
//   svg.rect(0, 0, 200, 100, "#ffffff").text(100, 50, "x < y & z", {12, "middle"});
//   svg.save("out.svg");
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace ad::plot {

// Text with & < > " ' replaced by XML entities (valid in element content and in quoted attributes).
std::string escape_xml(const std::string& text);

// A number for an SVG attribute: at most two decimals, no trailing zeros ("12", "3.5", "-0.25").
std::string svg_number(double v);

struct TextStyle {
  double size = 12;              // font size in pixels
  std::string anchor = "start";  // start | middle | end (horizontal alignment at x)
  std::string fill = "#222222";
  bool bold = false;
  double rotate = 0;  // degrees, about (x, y); -90 for a vertical axis label
};

class Svg {
 public:
  Svg(double width, double height);

  double width() const { return width_; }
  double height() const { return height_; }

  // Shapes. `extra` is appended verbatim inside the element (already-escaped attributes such as
  // "stroke-dasharray=\"4 2\""); the text and colour arguments are escaped.
  Svg& rect(double x, double y, double w, double h, const std::string& fill, const std::string& extra = "");
  Svg& line(double x1, double y1, double x2, double y2, const std::string& stroke, double stroke_width = 1,
            const std::string& extra = "");
  Svg& polyline(const std::vector<std::pair<double, double>>& points, const std::string& stroke,
                double stroke_width = 1.5, const std::string& extra = "");
  Svg& circle(double cx, double cy, double r, const std::string& fill, const std::string& extra = "");
  Svg& text(double x, double y, const std::string& text, const TextStyle& style = {});
  // Defines a rectangular clip path; elements drawn with extra "clip-path=\"url(#id)\"" (or inside a group with
  // it) are cut off outside the rectangle. id must be a plain name (letters, digits, '-', '_').
  Svg& clip_rect(const std::string& id, double x, double y, double w, double h);
  // A group <g ...> of the following elements until end_group(); attributes as in `extra`.
  Svg& begin_group(const std::string& attributes = "");
  Svg& end_group();

  // The document: <svg> with width, height and viewBox, the elements, </svg> (groups left open are closed).
  std::string str() const;
  // Writes str() atomically (io::write_file_atomic); IOError naming Svg::save and the file on failure.
  void save(const std::string& path) const;

 private:
  double width_, height_;
  std::string body_;
  int open_groups_ = 0;
};

// Writes an SVG document to `path` atomically (as io::write_file_atomic) for the save_* function `op`, which an
// IOError names with the file ("save_heatmap: 'out/grid.svg': cannot create the temporary file ...").
void save_svg(const std::string& path, const std::string& document, const std::string& op);

// Approximate width in pixels of `text` in a sans-serif font of `size` pixels (for layout: legends, margins).
double text_width(const std::string& text, double size);

}  // namespace ad::plot

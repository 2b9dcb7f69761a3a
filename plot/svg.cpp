#include "plot/svg.h"

#include <cmath>
#include <cstdio>

#include "autodiff/error.h"
#include "io/atomic_file.h"

namespace ad::plot {

std::string escape_xml(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // Control characters other than tab and line breaks are not allowed in XML 1.0 at all.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r')
          out += ' ';
        else
          out += c;
    }
  }
  return out;
}

std::string svg_number(double v) {
  if (!std::isfinite(v)) return "0";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

double text_width(const std::string& text, double size) {
  // Average advance of a sans-serif glyph is about 0.55 em; count UTF-8 characters, not bytes.
  std::size_t chars = 0;
  for (unsigned char c : text) chars += (c & 0xc0) != 0x80;
  return 0.58 * size * static_cast<double>(chars);
}

Svg::Svg(double width, double height) : width_(width), height_(height) {
  if (!(width > 0 && height > 0))
    throw ValueError("Svg: width and height must be positive, got " + svg_number(width) + " x " + svg_number(height));
}

Svg& Svg::rect(double x, double y, double w, double h, const std::string& fill, const std::string& extra) {
  body_ += "<rect x=\"" + svg_number(x) + "\" y=\"" + svg_number(y) + "\" width=\"" + svg_number(w) + "\" height=\"" +
           svg_number(h) + "\" fill=\"" + escape_xml(fill) + "\"" + (extra.empty() ? "" : " " + extra) + "/>\n";
  return *this;
}

Svg& Svg::line(double x1, double y1, double x2, double y2, const std::string& stroke, double stroke_width,
               const std::string& extra) {
  body_ += "<line x1=\"" + svg_number(x1) + "\" y1=\"" + svg_number(y1) + "\" x2=\"" + svg_number(x2) + "\" y2=\"" +
           svg_number(y2) + "\" stroke=\"" + escape_xml(stroke) + "\" stroke-width=\"" + svg_number(stroke_width) +
           "\"" + (extra.empty() ? "" : " " + extra) + "/>\n";
  return *this;
}

Svg& Svg::polyline(const std::vector<std::pair<double, double>>& points, const std::string& stroke, double stroke_width,
                   const std::string& extra) {
  std::string pts;
  for (const auto& [x, y] : points) pts += (pts.empty() ? "" : " ") + svg_number(x) + "," + svg_number(y);
  body_ += "<polyline points=\"" + pts + "\" fill=\"none\" stroke=\"" + escape_xml(stroke) + "\" stroke-width=\"" +
           svg_number(stroke_width) + "\" stroke-linejoin=\"round\"" + (extra.empty() ? "" : " " + extra) + "/>\n";
  return *this;
}

Svg& Svg::circle(double cx, double cy, double r, const std::string& fill, const std::string& extra) {
  body_ += "<circle cx=\"" + svg_number(cx) + "\" cy=\"" + svg_number(cy) + "\" r=\"" + svg_number(r) + "\" fill=\"" +
           escape_xml(fill) + "\"" + (extra.empty() ? "" : " " + extra) + "/>\n";
  return *this;
}

Svg& Svg::text(double x, double y, const std::string& text, const TextStyle& style) {
  body_ += "<text x=\"" + svg_number(x) + "\" y=\"" + svg_number(y) + "\" font-size=\"" + svg_number(style.size) +
           "\" text-anchor=\"" + escape_xml(style.anchor) + "\" fill=\"" + escape_xml(style.fill) + "\"";
  if (style.bold) body_ += " font-weight=\"bold\"";
  if (style.rotate != 0)
    body_ += " transform=\"rotate(" + svg_number(style.rotate) + " " + svg_number(x) + " " + svg_number(y) + ")\"";
  body_ += ">" + escape_xml(text) + "</text>\n";
  return *this;
}

Svg& Svg::clip_rect(const std::string& id, double x, double y, double w, double h) {
  body_ += "<defs><clipPath id=\"" + escape_xml(id) + "\"><rect x=\"" + svg_number(x) + "\" y=\"" + svg_number(y) +
           "\" width=\"" + svg_number(w) + "\" height=\"" + svg_number(h) + "\"/></clipPath></defs>\n";
  return *this;
}

Svg& Svg::begin_group(const std::string& attributes) {
  body_ += "<g" + (attributes.empty() ? "" : " " + attributes) + ">\n";
  ++open_groups_;
  return *this;
}

Svg& Svg::end_group() {
  if (open_groups_ == 0) throw ValueError("Svg::end_group: no group is open");
  body_ += "</g>\n";
  --open_groups_;
  return *this;
}

std::string Svg::str() const {
  // No XML declaration: UTF-8 is XML's default encoding, and the file then starts with <svg.
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + svg_number(width_) + "\" height=\"" +
                  svg_number(height_) + "\" viewBox=\"0 0 " + svg_number(width_) + " " + svg_number(height_) +
                  "\" font-family=\"Helvetica, Arial, sans-serif\">\n";
  s += body_;
  for (int i = 0; i < open_groups_; ++i) s += "</g>\n";  // close what the caller left open: always well-formed
  s += "</svg>\n";
  return s;
}

void Svg::save(const std::string& path) const { save_svg(path, str(), "Svg::save"); }

void save_svg(const std::string& path, const std::string& document, const std::string& op) {
  io::AtomicFile file(path, op);
  file.write(document);
  file.commit();
}

}  // namespace ad::plot

#include "plot/color.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ad::plot {
namespace {

Rgb from_hex(unsigned v) { return {((v >> 16) & 0xff) / 255.0, ((v >> 8) & 0xff) / 255.0, (v & 0xff) / 255.0}; }

const unsigned kPalette[10] = {0x3b6fb6, 0xe07b39, 0x3a9e5b, 0xc9403a, 0x8a63b8,
                               0x8c5a45, 0xd46fb0, 0x707070, 0xb0a832, 0x35a9b8};
const unsigned kSequential[5] = {0x30124f, 0x3b4f9a, 0x26898a, 0x6cbf5a, 0xf2e33a};

}  // namespace

std::string Rgb::hex() const {
  auto byte = [](double v) { return static_cast<int>(std::lround(std::clamp(v, 0.0, 1.0) * 255.0)); };
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", byte(r), byte(g), byte(b));
  return buf;
}

Rgb category_color(std::size_t i) { return from_hex(kPalette[i % 10]); }

Rgb sequential_color(double t) {
  if (!(t >= 0)) t = 0;  // also NaN
  if (t > 1) t = 1;
  const double pos = t * 4.0;
  const auto k = std::min<std::size_t>(static_cast<std::size_t>(pos), 3);
  return mix(from_hex(kSequential[k]), from_hex(kSequential[k + 1]), pos - static_cast<double>(k));
}

Rgb mix(const Rgb& a, const Rgb& b, double t) {
  return {a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t};
}

double luminance(const Rgb& c) { return 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b; }

std::string text_color_on(const Rgb& background) { return luminance(background) > 0.5 ? "#111111" : "#ffffff"; }

}  // namespace ad::plot

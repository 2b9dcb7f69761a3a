#include "train/format.h"

#include <cmath>
#include <cstdio>

namespace ad::train {

std::string format_thousands(std::uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string format_duration(double seconds) {
  if (!(seconds >= 0) || std::isinf(seconds)) return "-:--";
  const auto total = static_cast<std::uint64_t>(std::llround(seconds));
  const std::uint64_t h = total / 3600, m = (total / 60) % 60, s = total % 60;
  char buf[48];
  if (h > 0)
    std::snprintf(buf, sizeof buf, "%llu:%02llu:%02llu", static_cast<unsigned long long>(h),
                  static_cast<unsigned long long>(m), static_cast<unsigned long long>(s));
  else
    std::snprintf(buf, sizeof buf, "%llu:%02llu", static_cast<unsigned long long>(m),
                  static_cast<unsigned long long>(s));
  return buf;
}

std::string format_metric(const std::string& name, double value) {
  char buf[48];
  if (name.find("acc") != std::string::npos)
    std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * value);
  else if (value != 0 && std::fabs(value) < 1e-3)
    std::snprintf(buf, sizeof buf, "%.2e", value);
  else
    std::snprintf(buf, sizeof buf, "%.4f", value);
  return buf;
}

}  // namespace ad::train

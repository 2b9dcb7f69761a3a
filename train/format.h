// Number formatting for progress lines and reports.
#pragma once
#include <cstdint>
#include <string>

namespace ad::train {

// 12345 -> "12,345" (thousands separated by commas, whatever the locale).
std::string format_thousands(std::uint64_t n);

// Seconds as "m:ss" or, from one hour on, "h:mm:ss": 7 -> "0:07", 125.4 -> "2:05", 3725 -> "1:02:05".
// "-:--" for a negative, infinite or NaN duration (an ETA that is not known yet).
std::string format_duration(double seconds);

// A metric value for display: names containing "acc" (accuracy, val_acc, ...) are fractions shown as percentages
// with one decimal ("96.1%"); others get 4 decimals ("0.1234"), or 3 significant digits in exponent form when
// smaller than 0.001 in magnitude ("2.35e-05").
std::string format_metric(const std::string& name, double value);

}  // namespace ad::train

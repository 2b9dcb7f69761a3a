#include "data/digits.h"

#include <cmath>

#include "autodiff/error.h"
#include "data/paths.h"

namespace ad::data {
namespace {

// Rethrows an IOError of read_csv under the name of the function the caller called:
// "read_csv: 'x': ..." becomes "load_digits: 'x': ...".
[[noreturn]] void rethrow_as(const char* op, const IOError& e) {
  const std::string m = e.what();
  const std::size_t colon = m.find(": ");
  throw IOError(std::string(op) + (colon == std::string::npos ? ": " + m : m.substr(colon)));
}

}  // namespace

Dataset load_digits(const std::string& path) {
  auto fail = [&](const std::string& what) { throw IOError("load_digits: '" + path + "': " + what); };
  CsvOptions options;
  options.header = Header::None;
  CsvTable table;
  try {
    table = read_csv(path, options);
  } catch (const IOError& e) {
    rethrow_as("load_digits", e);
  }
  constexpr std::size_t kPixels = 64;
  if (table.cols() != kPixels + 1) fail(std::to_string(table.cols()) + " columns, expected 65 (8 x 8 pixels + label)");

  Dataset d;
  d.X = table.drop_column(kPixels);
  const float* x = d.X.data();
  for (std::size_t i = 0; i < d.X.numel(); ++i)
    if (!(x[i] >= 0.0f && x[i] <= 16.0f && std::floor(x[i]) == x[i]))
      fail("data row " + std::to_string(i / kPixels + 1) + ", pixel " + std::to_string(i % kPixels + 1) + ": value " +
           std::to_string(x[i]) + " is not an integer 0..16");
  const Tensor label = table.column(kPixels);
  for (std::size_t i = 0; i < table.rows(); ++i) {
    const float v = label.data()[i];
    if (!(v >= 0.0f && v <= 9.0f && std::floor(v) == v))
      fail("data row " + std::to_string(i + 1) + ": label " + std::to_string(v) + " is not a digit 0..9");
    d.labels.push_back(static_cast<std::size_t>(v));
  }
  for (int c = 0; c < 10; ++c) d.class_names.push_back(std::to_string(c));
  d.image_height = d.image_width = 8;
  return d;
}

Dataset load_digits() { return load_digits(sets_dir() + "/digits.csv.gz"); }

}  // namespace ad::data

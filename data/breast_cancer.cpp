#include "data/breast_cancer.h"

#include <charconv>

#include "autodiff/error.h"
#include "data/paths.h"

namespace ad::data {
namespace {

// Rethrows an IOError of read_csv under the name of the function the caller called:
// "read_csv: 'x': ..." becomes "load_breast_cancer: 'x': ...".
[[noreturn]] void rethrow_as(const char* op, const IOError& e) {
  const std::string m = e.what();
  const std::size_t colon = m.find(": ");
  throw IOError(std::string(op) + (colon == std::string::npos ? ": " + m : m.substr(colon)));
}

// The ten measurements of each nucleus, in file order; each appears three times: mean, standard error, worst.
const char* const kMeasurements[] = {"radius",      "texture",   "perimeter",      "area",     "smoothness",
                                     "compactness", "concavity", "concave points", "symmetry", "fractal dimension"};
const char* const kStatistics[] = {"mean", "standard error", "worst"};

bool parse_count(const std::string& s, std::size_t& out) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

}  // namespace

Dataset load_breast_cancer(const std::string& path) {
  auto fail = [&](const std::string& what) { throw IOError("load_breast_cancer: '" + path + "': " + what); };
  CsvOptions options;
  options.header = Header::Skip;
  CsvTable table;
  try {
    table = read_csv(path, options);
  } catch (const IOError& e) {
    rethrow_as("load_breast_cancer", e);
  }

  // First line: number of rows, number of features, then the class names in label order.
  const auto& h = table.columns;
  std::size_t rows = 0, features = 0;
  if (h.size() != 4 || !parse_count(h[0], rows) || !parse_count(h[1], features))
    fail("the first line should be \"569,30,malignant,benign\" (rows, features, class names)");
  if (features != 30) fail("the first line announces " + std::to_string(features) + " features, expected 30");
  if (table.rows() != rows)
    fail("the first line announces " + std::to_string(rows) + " rows, the file has " + std::to_string(table.rows()));
  if (table.cols() != features + 1)
    fail(std::to_string(table.cols()) + " columns, expected " + std::to_string(features + 1) + " (features + label)");

  Dataset d;
  d.X = table.drop_column(features);
  const Tensor label = table.column(features);
  for (std::size_t i = 0; i < rows; ++i) {
    const float v = label.data()[i];
    if (v != 0.0f && v != 1.0f)
      fail("data row " + std::to_string(i + 1) + ": label " + std::to_string(v) + " is not 0 or 1");
    d.labels.push_back(static_cast<std::size_t>(v));
  }
  d.class_names = {h[2], h[3]};
  for (const char* stat : kStatistics)
    for (const char* m : kMeasurements) d.feature_names.push_back(std::string(m) + " (" + stat + ")");
  return d;
}

Dataset load_breast_cancer() { return load_breast_cancer(sets_dir() + "/breast_cancer.csv"); }

}  // namespace ad::data

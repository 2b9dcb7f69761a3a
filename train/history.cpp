#include "train/history.h"

#include <cmath>
#include <cstdio>
#include <limits>

#include "autodiff/error.h"
#include "data/csv.h"
#include "io/file.h"

namespace ad::train {
namespace {
constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

std::string number(double v) {
  if (std::isnan(v)) return "nan";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

// Metric names become CSV header fields: quote those that contain a delimiter, quote or line break.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}
}  // namespace

std::size_t History::index_of(const std::string& name) const {
  for (std::size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == name) return i;
  return names_.size();
}

void History::add(std::size_t epoch, const Metrics& metrics) {
  if (!epochs_.empty() && epoch <= epochs_.back())
    throw ValueError("History::add: epoch " + std::to_string(epoch) + " does not come after the last recorded epoch " +
                     std::to_string(epochs_.back()));
  epochs_.push_back(epoch);
  for (auto& column : values_) column.push_back(kMissing);
  for (const auto& [name, value] : metrics) {
    std::size_t i = index_of(name);
    if (i == names_.size()) {
      names_.push_back(name);
      values_.emplace_back(epochs_.size(), kMissing);
    }
    values_[i].back() = value;
  }
}

bool History::has(const std::string& name) const { return index_of(name) < names_.size(); }

const std::vector<double>& History::operator[](const std::string& name) const {
  const std::size_t i = index_of(name);
  if (i == names_.size()) {
    std::string known;
    for (const auto& n : names_) known += (known.empty() ? "" : ", ") + n;
    throw IndexError("History: no metric named '" + name + "' (recorded: " + (known.empty() ? "none" : known) + ")");
  }
  return values_[i];
}

double History::last(const std::string& name) const {
  const auto& v = (*this)[name];
  if (v.empty()) throw ValueError("History::last: no epochs recorded");
  return v.back();
}

std::size_t History::best_epoch(const std::string& name, bool maximize) const {
  const auto& v = (*this)[name];
  std::size_t best = v.size();
  for (std::size_t i = 0; i < v.size(); ++i)
    if (!std::isnan(v[i]) && (best == v.size() || (maximize ? v[i] > v[best] : v[i] < v[best]))) best = i;
  if (best == v.size()) throw ValueError("History::best_epoch: metric '" + name + "' has no value yet");
  return epochs_[best];
}

double History::best(const std::string& name, bool maximize) const {
  const std::size_t epoch = best_epoch(name, maximize);
  for (std::size_t i = 0; i < epochs_.size(); ++i)
    if (epochs_[i] == epoch) return (*this)[name][i];
  return kMissing;  // unreachable
}

std::string History::to_csv() const {
  std::string s = "epoch";
  for (const auto& n : names_) s += "," + csv_field(n);
  s += "\n";
  for (std::size_t e = 0; e < epochs_.size(); ++e) {
    s += std::to_string(epochs_[e]);
    for (const auto& column : values_) s += "," + number(column[e]);
    s += "\n";
  }
  return s;
}

void History::save_csv(const std::string& path) const { io::write_file_atomic(path, to_csv()); }

History History::load_csv(const std::string& path) {
  data::CsvOptions options;
  options.header = data::Header::Skip;
  options.allow_non_finite = true;  // metrics missing from an epoch are written as nan
  const data::CsvTable t = data::read_csv(path, options);
  if (t.columns.empty() || t.columns[0] != "epoch" || t.columns.size() != t.cols())
    throw IOError("History::load_csv: '" + path + "': expected a header \"epoch,<metric names>\" matching the rows");
  History h;
  for (std::size_t j = 1; j < t.cols(); ++j) {  // every column, in file order, even if its first values are NaN
    h.names_.push_back(t.columns[j]);
    h.values_.emplace_back();
  }
  for (std::size_t r = 0; r < t.rows(); ++r) {
    const float e = t.values.data()[r * t.cols()];
    if (!(e >= 0) || std::floor(e) != e)
      throw IOError("History::load_csv: '" + path + "': data row " + std::to_string(r + 1) + ": epoch " +
                    std::to_string(e) + " is not a whole number");
    Metrics m;
    for (std::size_t j = 1; j < t.cols(); ++j) {
      const float v = t.values.data()[r * t.cols() + j];
      if (!std::isnan(v)) m.emplace_back(t.columns[j], v);
    }
    if (!h.epochs_.empty() && e <= static_cast<float>(h.epochs_.back()))
      throw IOError("History::load_csv: '" + path + "': data row " + std::to_string(r + 1) + ": epoch " +
                    std::to_string(static_cast<std::size_t>(e)) + " does not come after epoch " +
                    std::to_string(h.epochs_.back()));
    h.add(static_cast<std::size_t>(e), m);
  }
  return h;
}

}  // namespace ad::train

#include "data/dataset.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "autodiff/error.h"

namespace ad::data {

// Plain memcpy of whole rows: data sets take no part in any graph, so index_select's bookkeeping is not needed.
Tensor gather_rows(const Tensor& t, const std::vector<std::size_t>& indices) {
  if (!t.defined() || t.dim() == 0) throw ShapeError("gather_rows: needs a tensor with at least one axis");
  Shape shape = t.shape();
  const std::size_t n = shape[0];
  const std::size_t row = n ? t.numel() / n : 0;
  shape[0] = indices.size();
  Tensor out = Tensor::empty(shape);
  const float* src = t.data();
  float* dst = out.mutable_data();
  for (std::size_t k = 0; k < indices.size(); ++k) {
    if (indices[k] >= n)
      throw IndexError("gather_rows: index " + std::to_string(indices[k]) + " is out of range for " +
                       std::to_string(n) + " rows");
    if (row) std::memcpy(dst + k * row, src + indices[k] * row, row * sizeof(float));
  }
  return out;
}

std::size_t Dataset::size() const {
  if (bytes) return byte_row_length ? bytes->size() / byte_row_length : 0;
  return X.defined() && X.dim() > 0 ? X.size(0) : 0;
}

Tensor Dataset::rows(const std::vector<std::size_t>& indices) const {
  if (!bytes) return gather_rows(X, indices);
  const std::size_t n = size(), d = byte_row_length;
  Tensor out = Tensor::empty({indices.size(), d});
  float* dst = out.mutable_data();
  for (std::size_t k = 0; k < indices.size(); ++k) {
    if (indices[k] >= n)
      throw IndexError("Dataset::rows: index " + std::to_string(indices[k]) + " is out of range for " +
                       std::to_string(n) + " rows");
    const std::uint8_t* src = bytes->data() + indices[k] * d;
    // Division, not multiplication by 1/divisor: the same floats as a data set stored as X (255 -> exactly 1).
    for (std::size_t j = 0; j < d; ++j) dst[k * d + j] = static_cast<float>(src[j]) / byte_divisor;
  }
  return out;
}

Tensor Dataset::features() const {
  if (!bytes) return X;
  std::vector<std::size_t> all(size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  return rows(all);
}

std::size_t Dataset::num_features() const {
  if (bytes) return byte_row_length;
  const std::size_t n = size();
  return n ? X.numel() / n : (X.defined() && X.dim() > 1 ? X.numel() : 0);
}

std::size_t Dataset::num_classes() const {
  if (!class_names.empty()) return class_names.size();
  if (labels.empty()) return 0;
  return *std::max_element(labels.begin(), labels.end()) + 1;
}

std::vector<std::size_t> Dataset::class_counts() const {
  std::vector<std::size_t> counts(num_classes(), 0);
  for (std::size_t l : labels) {
    if (l >= counts.size()) counts.resize(l + 1, 0);  // a label beyond the named classes still gets counted
    ++counts[l];
  }
  return counts;
}

Dataset Dataset::subset(const std::vector<std::size_t>& indices) const {
  check();
  Dataset out;
  if (bytes) {  // stays compact: copy the selected byte rows
    const std::size_t n = size(), d = byte_row_length;
    auto picked = std::make_shared<std::vector<std::uint8_t>>(indices.size() * d);
    for (std::size_t k = 0; k < indices.size(); ++k) {
      if (indices[k] >= n)
        throw IndexError("Dataset::subset: index " + std::to_string(indices[k]) + " is out of range for " +
                         std::to_string(n) + " rows");
      std::copy_n(bytes->data() + indices[k] * d, d, picked->data() + k * d);
    }
    out.bytes = std::move(picked);
    out.byte_row_length = d;
    out.byte_divisor = byte_divisor;
  } else {
    out.X = gather_rows(X, indices);
  }
  if (!labels.empty()) {
    out.labels.reserve(indices.size());
    for (std::size_t i : indices) out.labels.push_back(labels[i]);  // indices already checked above
  }
  if (y.defined()) out.y = gather_rows(y, indices);
  out.feature_names = feature_names;
  out.class_names = class_names;
  out.image_height = image_height;
  out.image_width = image_width;
  return out;
}

Dataset concat(const Dataset& a, const Dataset& b) {
  a.check();
  b.check();
  const auto row_shape = [](const Dataset& d) {
    if (d.bytes) return "compact rows of " + std::to_string(d.byte_row_length) + " bytes";
    return "rows of shape " + Shape(d.X.shape().begin() + 1, d.X.shape().end()).str();
  };
  if (row_shape(a) != row_shape(b))
    throw ShapeError("concat (Dataset): " + row_shape(a) + " and " + row_shape(b) + " do not match");
  if (a.bytes && a.byte_divisor != b.byte_divisor)
    throw ValueError("concat (Dataset): byte rows scaled by 1/" + std::to_string(a.byte_divisor) + " and 1/" +
                     std::to_string(b.byte_divisor) + " do not match");
  // (A data set of no rows has empty labels either way: only two non-empty ones must agree.)
  if (a.size() > 0 && b.size() > 0 && (a.labels.empty() != b.labels.empty() || a.y.defined() != b.y.defined()))
    throw ShapeError("concat (Dataset): one data set has labels or targets the other lacks");
  Dataset out = a;
  if (a.bytes) {
    auto joined = std::make_shared<std::vector<std::uint8_t>>(*a.bytes);
    joined->insert(joined->end(), b.bytes->begin(), b.bytes->end());
    out.bytes = std::move(joined);
  } else {
    out.X = ad::concat(std::vector<Tensor>{a.X.detach(), b.X.detach()}, 0);
  }
  out.labels.insert(out.labels.end(), b.labels.begin(), b.labels.end());
  if (a.y.defined()) {
    if (a.y.shape().rank() != b.y.shape().rank())
      throw ShapeError("concat (Dataset): targets of shape " + a.y.shape().str() + " and " + b.y.shape().str() +
                       " do not match");
    out.y = ad::concat(std::vector<Tensor>{a.y.detach(), b.y.detach()}, 0);
  }
  return out;
}

void Dataset::check() const {
  std::string what;
  if (bytes) {
    if (X.defined()) throw ShapeError("Dataset: both X and compact bytes are set; use one storage");
    if (byte_row_length == 0 || bytes->size() % byte_row_length != 0)
      throw ShapeError("Dataset: " + std::to_string(bytes->size()) + " feature bytes do not split into rows of " +
                       std::to_string(byte_row_length));
    if (!(byte_divisor > 0)) throw ValueError("Dataset: byte_divisor must be > 0");
    what = "compact rows of " + std::to_string(byte_row_length) + " bytes";
  } else {
    if (!X.defined() || X.dim() == 0) throw ShapeError("Dataset: X must be a tensor with one row per example");
    what = "rows of X (shape " + X.shape().str() + ")";
  }
  const std::size_t n = size();
  if (!labels.empty() && labels.size() != n)
    throw ShapeError("Dataset: " + std::to_string(labels.size()) + " labels for " + std::to_string(n) + " " + what);
  if (y.defined() && (y.dim() == 0 || y.size(0) != n))
    throw ShapeError("Dataset: targets y of shape " + y.shape().str() + " for " + std::to_string(n) + " " + what);
}

std::vector<std::size_t> to_labels(const Tensor& values, const std::string& what) {
  std::vector<std::size_t> out(values.numel());
  const float* v = values.data();
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (!(std::isfinite(v[i]) && v[i] >= 0 && std::floor(v[i]) == v[i]))
      throw ValueError(what + ": value " + std::to_string(v[i]) + " at index " + std::to_string(i) +
                       " is not a class index (a whole number >= 0)");
    out[i] = static_cast<std::size_t>(v[i]);
  }
  return out;
}

namespace {
std::vector<std::string> names_without(const std::vector<std::string>& columns, std::size_t skip) {
  std::vector<std::string> out;
  for (std::size_t j = 0; j < columns.size(); ++j)
    if (j != skip) out.push_back(columns[j]);
  return out;
}
}  // namespace

Dataset classification_dataset(const CsvTable& table, std::size_t label_column) {
  Dataset d;
  d.X = table.drop_column(label_column);
  d.labels =
      to_labels(table.column(label_column), "classification_dataset: label column " + std::to_string(label_column));
  if (table.columns.size() == table.cols()) d.feature_names = names_without(table.columns, label_column);
  return d;
}

Dataset regression_dataset(const CsvTable& table, std::size_t target_column) {
  Dataset d;
  d.X = table.drop_column(target_column);
  d.y = table.column(target_column);
  if (table.columns.size() == table.cols()) d.feature_names = names_without(table.columns, target_column);
  return d;
}

}  // namespace ad::data

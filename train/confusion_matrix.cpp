#include "train/confusion_matrix.h"

#include <algorithm>
#include <cstdio>

#include "autodiff/error.h"

namespace ad::train {
namespace {

double ratio(std::size_t num, std::size_t den) {
  return den ? static_cast<double>(num) / static_cast<double>(den) : 0.0;
}

std::size_t max_label(const std::vector<std::size_t>& a, const std::vector<std::size_t>& b) {
  std::size_t m = 0;
  for (std::size_t v : a) m = std::max(m, v);
  for (std::size_t v : b) m = std::max(m, v);
  return m;
}

std::string name_of(const std::vector<std::string>& names, std::size_t c) {
  return c < names.size() ? names[c] : std::to_string(c);
}

std::string pad_left(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}
std::string pad_right(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

std::string fixed(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

}  // namespace

ConfusionMatrix::ConfusionMatrix(std::size_t num_classes) : n_(num_classes), counts_(num_classes * num_classes, 0) {
  if (num_classes == 0) throw ValueError("ConfusionMatrix: num_classes must be > 0");
}

ConfusionMatrix::ConfusionMatrix(const std::vector<std::size_t>& y_true, const std::vector<std::size_t>& y_pred,
                                 std::size_t num_classes)
    : ConfusionMatrix(num_classes ? num_classes : max_label(y_true, y_pred) + 1) {
  add(y_true, y_pred);
}

void ConfusionMatrix::add(std::size_t truth, std::size_t predicted, std::size_t count) {
  if (truth >= n_ || predicted >= n_)
    throw IndexError("ConfusionMatrix::add: label " + std::to_string(std::max(truth, predicted)) +
                     " is out of range for " + std::to_string(n_) + " classes");
  counts_[truth * n_ + predicted] += count;
}

void ConfusionMatrix::add(const std::vector<std::size_t>& y_true, const std::vector<std::size_t>& y_pred) {
  if (y_true.size() != y_pred.size())
    throw ShapeError("ConfusionMatrix: " + std::to_string(y_true.size()) + " true labels but " +
                     std::to_string(y_pred.size()) + " predictions");
  for (std::size_t i = 0; i < y_true.size(); ++i) add(y_true[i], y_pred[i]);
}

std::size_t ConfusionMatrix::operator()(std::size_t truth, std::size_t predicted) const {
  if (truth >= n_ || predicted >= n_)
    throw IndexError("ConfusionMatrix: entry (" + std::to_string(truth) + ", " + std::to_string(predicted) +
                     ") is out of range for " + std::to_string(n_) + " classes");
  return counts_[truth * n_ + predicted];
}

std::size_t ConfusionMatrix::total() const {
  std::size_t t = 0;
  for (std::size_t c : counts_) t += c;
  return t;
}

std::size_t ConfusionMatrix::support(std::size_t c) const {
  std::size_t s = 0;
  for (std::size_t p = 0; p < n_; ++p) s += (*this)(c, p);
  return s;
}

std::size_t ConfusionMatrix::predicted_count(std::size_t c) const {
  std::size_t s = 0;
  for (std::size_t t = 0; t < n_; ++t) s += (*this)(t, c);
  return s;
}

double ConfusionMatrix::accuracy() const {
  const std::size_t n = total();
  if (n == 0) throw ValueError("ConfusionMatrix::accuracy: no examples");
  std::size_t trace = 0;
  for (std::size_t c = 0; c < n_; ++c) trace += counts_[c * n_ + c];
  return ratio(trace, n);
}

double ConfusionMatrix::precision(std::size_t c) const { return ratio((*this)(c, c), predicted_count(c)); }
double ConfusionMatrix::recall(std::size_t c) const { return ratio((*this)(c, c), support(c)); }
double ConfusionMatrix::f1(std::size_t c) const {
  // 2PR / (P + R) = 2 TP / (2 TP + FP + FN), which needs no special case when P or R is undefined.
  const std::size_t tp = (*this)(c, c);
  return ratio(2 * tp, support(c) + predicted_count(c));
}

template <class F>
double ConfusionMatrix::macro_mean(F score) const {
  double sum = 0;
  std::size_t k = 0;
  for (std::size_t c = 0; c < n_; ++c)
    if (support(c) + predicted_count(c) > 0) {
      sum += score(c);
      ++k;
    }
  return k ? sum / static_cast<double>(k) : 0.0;
}

double ConfusionMatrix::macro_precision() const {
  return macro_mean([this](std::size_t c) { return precision(c); });
}
double ConfusionMatrix::macro_recall() const {
  return macro_mean([this](std::size_t c) { return recall(c); });
}
double ConfusionMatrix::macro_f1() const {
  return macro_mean([this](std::size_t c) { return f1(c); });
}
double ConfusionMatrix::weighted_f1() const {
  double sum = 0;
  for (std::size_t c = 0; c < n_; ++c) sum += f1(c) * static_cast<double>(support(c));
  const std::size_t n = total();
  return n ? sum / static_cast<double>(n) : 0.0;
}

std::vector<std::vector<double>> ConfusionMatrix::rows(bool normalize) const {
  std::vector<std::vector<double>> out(n_, std::vector<double>(n_, 0.0));
  for (std::size_t t = 0; t < n_; ++t) {
    const std::size_t s = support(t);
    for (std::size_t p = 0; p < n_; ++p)
      out[t][p] = normalize ? ratio((*this)(t, p), s) : static_cast<double>((*this)(t, p));
  }
  return out;
}

std::string ConfusionMatrix::str(const std::vector<std::string>& class_names) const {
  const std::string corner = "true \\ pred";
  std::size_t label_w = corner.size(), cell_w = 1;
  for (std::size_t c = 0; c < n_; ++c) {
    label_w = std::max(label_w, name_of(class_names, c).size());
    cell_w = std::max(cell_w, name_of(class_names, c).size());
  }
  for (std::size_t v : counts_) cell_w = std::max(cell_w, std::to_string(v).size());
  std::string s = pad_right(corner, label_w);
  for (std::size_t p = 0; p < n_; ++p) s += " " + pad_left(name_of(class_names, p), cell_w);
  s += "\n";
  for (std::size_t t = 0; t < n_; ++t) {
    s += pad_right(name_of(class_names, t), label_w);
    for (std::size_t p = 0; p < n_; ++p) s += " " + pad_left(std::to_string((*this)(t, p)), cell_w);
    s += "\n";
  }
  return s;
}

std::string ConfusionMatrix::report(const std::vector<std::string>& class_names) const {
  std::size_t label_w = std::string("weighted avg").size();
  for (std::size_t c = 0; c < n_; ++c) label_w = std::max(label_w, name_of(class_names, c).size());
  auto line = [&](const std::string& label, const std::string& p, const std::string& r, const std::string& f,
                  const std::string& n) {
    return pad_left(label, label_w) + pad_left(p, 11) + pad_left(r, 8) + pad_left(f, 10) + pad_left(n, 9) + "\n";
  };
  std::string s = line("", "precision", "recall", "f1-score", "support") + "\n";
  for (std::size_t c = 0; c < n_; ++c)
    s += line(name_of(class_names, c), fixed(precision(c), 3), fixed(recall(c), 3), fixed(f1(c), 3),
              std::to_string(support(c)));
  const std::size_t n = total();
  double wp = 0, wr = 0;
  for (std::size_t c = 0; c < n_; ++c) {
    wp += precision(c) * static_cast<double>(support(c));
    wr += recall(c) * static_cast<double>(support(c));
  }
  const double dn = n ? static_cast<double>(n) : 1.0;
  s += "\n" + line("accuracy", "", "", n ? fixed(accuracy(), 3) : "-", std::to_string(n));
  s +=
      line("macro avg", fixed(macro_precision(), 3), fixed(macro_recall(), 3), fixed(macro_f1(), 3), std::to_string(n));
  s += line("weighted avg", fixed(wp / dn, 3), fixed(wr / dn, 3), fixed(weighted_f1(), 3), std::to_string(n));
  return s;
}

}  // namespace ad::train

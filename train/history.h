// History: the metrics of every epoch (training loss, validation accuracy, learning rate, ...), for choosing the
// best epoch, plotting learning curves and saving them as CSV.
//
//   train::History history;
//   history.add(epoch, {{"loss", train_loss}, {"acc", train_acc}, {"val_loss", vl}, {"val_acc", va}});
//   history["val_acc"];                        // one value per epoch
//   history.best_epoch("val_loss", /*maximize=*/false);
//   history.save_csv("runs/mnist.csv");        // epoch,loss,acc,val_loss,val_acc
//
// Metrics may differ between epochs (e.g. a validation score every fifth epoch); a metric missing from an epoch
// is NaN there, written "nan" in the CSV (which NumPy, pandas and data::read_csv with CsvOptions::allow_non_finite
// read back as NaN).
#pragma once
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace ad::train {

// Named values, in display order: {{"loss", 0.12}, {"acc", 0.96}}.
using Metrics = std::vector<std::pair<std::string, double>>;

class History {
 public:
  // Records the metrics of `epoch` (which must be larger than the last one recorded; ValueError otherwise).
  void add(std::size_t epoch, const Metrics& metrics);
  // The next epoch: 1 + the last one (1 for the first).
  void add(const Metrics& metrics) { add(epochs_.empty() ? 1 : epochs_.back() + 1, metrics); }

  std::size_t size() const { return epochs_.size(); }  // epochs recorded
  bool empty() const { return epochs_.empty(); }
  const std::vector<std::size_t>& epochs() const { return epochs_; }
  const std::vector<std::string>& names() const { return names_; }  // in order of first appearance
  bool has(const std::string& name) const;
  // The values of one metric, one per recorded epoch (NaN where missing). IndexError for an unknown name.
  const std::vector<double>& operator[](const std::string& name) const;
  double last(const std::string& name) const;  // the value in the last epoch
  // The epoch with the smallest (or, with maximize, largest) value, ignoring NaN; ValueError if there is none.
  std::size_t best_epoch(const std::string& name, bool maximize = false) const;
  double best(const std::string& name, bool maximize = false) const;

  // "epoch,<names...>" then one line per epoch; values with 9 significant digits (enough to restore a float).
  std::string to_csv() const;
  // Writes to_csv() atomically (temporary file + rename): a reader never sees a half-written file.
  void save_csv(const std::string& path) const;
  // Reads what save_csv writes (first column "epoch"). IOError naming the file when it does not have that layout.
  static History load_csv(const std::string& path);

 private:
  std::size_t index_of(const std::string& name) const;  // names_.size() when absent
  std::vector<std::size_t> epochs_;
  std::vector<std::string> names_;
  std::vector<std::vector<double>> values_;  // values_[metric][epoch index]
};

}  // namespace ad::train

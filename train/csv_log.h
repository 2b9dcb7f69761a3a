// CsvLog: the per-epoch metrics of a training run, kept up to date in a CSV file while training runs.
//
//   train::CsvLog log("runs/digits.csv");
//   for (epoch ...) { ...; log.log(epoch, {{"loss", l}, {"val_acc", a}}); }
//
// After every epoch the whole file is rewritten atomically (temporary file + rename, io::write_file_atomic), so
// the file is complete and parseable at any moment: it can be plotted or tailed during training, and a run that
// crashes or is interrupted leaves every finished epoch on disk. Rewriting is cheap at one line per epoch, and it
// lets a metric first logged in a later epoch become a new column (earlier epochs get "nan").
#pragma once
#include <string>

#include "train/history.h"

namespace ad::train {

class CsvLog {
 public:
  // Nothing is written until the first epoch is logged; an existing file is then replaced.
  explicit CsvLog(std::string path) : path_(std::move(path)) {}

  // Records the epoch in history() and rewrites the file. ValueError if epochs do not increase, IOError naming the
  // file when it cannot be written.
  void log(std::size_t epoch, const Metrics& metrics);
  void log(const Metrics& metrics);  // the next epoch

  const History& history() const { return history_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  History history_;
};

}  // namespace ad::train

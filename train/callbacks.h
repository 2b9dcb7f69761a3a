// The callbacks of train::fit (fit.h), named and behaving as Keras's:
//
//   EarlyStopping     stops when a monitored metric has not improved for `patience` epochs; can restore the
//                     weights of the best epoch at the end
//   ModelCheckpoint   saves the model (an .npz numpy.load reads) at the best epoch of a monitored metric and/or
//                     every N epochs
//   RunCheckpoint     saves the whole run (model, optimizer, schedule, position, data order, random generators,
//                     history, callbacks) after every N epochs and on Ctrl-C: FitOptions::resume_from continues it
//                     exactly
//   CSVLogger         keeps a CSV of the per-epoch metrics up to date (atomic rewrites)
//   ProgressBar       the progress display of train::Progress
//
// "Improved" for a monitored metric: smaller by more than min_delta (loss-like metrics), or larger (names containing
// "acc", "auc", "r2" or "f1", in mode "auto"; "min" and "max" force either).
#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "autodiff/arg.h"
#include "train/fit.h"
#include "train/progress.h"

namespace ad::train {

// Whether larger is better for `metric` under `mode` ("auto", "min" or "max"; ValueError otherwise).
bool maximize_metric(const std::string& metric, const std::string& mode);

class EarlyStoppingOptions {
  AD_ARG(std::string, monitor) = "val_loss";
  AD_ARG(double, min_delta) = 0;       // smaller changes do not count as improvement
  AD_ARG(std::size_t, patience) = 10;  // epochs without improvement before stopping
  AD_ARG(std::string, mode) = "auto";
  AD_ARG(bool, restore_best_weights) = false;  // at the end, put back the model's values of the best epoch
};

class EarlyStopping : public Callback {
 public:
  std::string name() const override { return "EarlyStopping"; }
  explicit EarlyStopping(EarlyStoppingOptions options = {});
  void on_epoch_end(FitState& st, const Metrics& logs) override;
  void on_train_end(FitState& st) override;
  void save_state(StateDict& s) const override;
  void load_state(const StateDict& s) override;

  std::size_t best_epoch() const { return best_epoch_; }  // 0 before the first epoch with the metric
  double best() const { return best_; }
  std::size_t stopped_epoch() const { return stopped_epoch_; }  // 0 when it did not stop the run

 private:
  EarlyStoppingOptions o_;
  bool maximize_;
  double best_;
  std::size_t best_epoch_ = 0, wait_ = 0, stopped_epoch_ = 0;
  NamedTensors<float> best_weights_;
};

class ModelCheckpointOptions {
  AD_ARG(std::string, monitor) = "val_loss";
  AD_ARG(std::string, mode) = "auto";
  AD_ARG(bool, save_best_only) = true;      // save when the monitored metric improves
  AD_ARG(std::size_t, every_n_epochs) = 0;  // also (or, without save_best_only, only) every N epochs; 0: never
  AD_ARG(bool, save_at_end) = false;        // also when training ends (also when interrupted)
};

// Writes nn::save_checkpoint(path, model): the model's state dict, atomically.
class ModelCheckpoint : public Callback {
 public:
  std::string name() const override { return "ModelCheckpoint"; }
  explicit ModelCheckpoint(std::string path, ModelCheckpointOptions options = {});
  void on_epoch_end(FitState& st, const Metrics& logs) override;
  void on_train_end(FitState& st) override;
  void save_state(StateDict& s) const override;
  void load_state(const StateDict& s) override;
  std::size_t best_epoch() const { return best_epoch_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  ModelCheckpointOptions o_;
  bool maximize_;
  double best_;
  std::size_t best_epoch_ = 0;
};

// Writes FitState::save_run() to `path` (io::save_state) after every `every_n_epochs` epochs, after the last epoch
// (the model as it trained, before EarlyStopping puts the best weights back, so that a longer run can continue it)
// and on Ctrl-C. Put it last among the callbacks: it saves the others' state as they leave the epoch. Each write is atomic and fsync'ed, which costs milliseconds: for runs of many short epochs,
// `min_seconds_between_writes` skips the epoch-end writes that come sooner than that after the previous one (a crash
// then loses at most that much work; Ctrl-C and the end of training always write).
class RunCheckpoint : public Callback {
 public:
  std::string name() const override { return "RunCheckpoint"; }
  explicit RunCheckpoint(std::string path, std::size_t every_n_epochs = 1, double min_seconds_between_writes = 0);
  void on_epoch_end(FitState& st, const Metrics& logs) override;
  void on_interrupt(FitState& st) override;
  void on_train_end(FitState& st) override;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::size_t every_;
  double min_seconds_, last_write_ = -1;
};

// Rewrites `path` with the history's CSV (epoch, metrics...) at most once a second and when training ends, each time
// atomically, so the file can be watched during training and is complete after it.
class CSVLogger : public Callback {
 public:
  std::string name() const override { return "CSVLogger"; }
  explicit CSVLogger(std::string path, double min_seconds_between_writes = 1.0);
  void on_epoch_end(FitState& st, const Metrics& logs) override;
  void on_train_end(FitState& st) override;

 private:
  std::string path_;
  double min_seconds_, last_write_ = -1;
};

// The display of train::Progress: a live bar on a terminal, a line per epoch elsewhere (ProgressOptions::display),
// with the epoch's and the run's ETA. print_every > 1 prints a line only every n-th epoch and the last one (runs of
// thousands of tiny epochs).
class ProgressBar : public Callback {
 public:
  std::string name() const override { return "ProgressBar"; }
  explicit ProgressBar(ProgressOptions options = {}, std::size_t print_every = 1);
  void on_epoch_begin(FitState& st) override;
  void on_batch_end(FitState& st, const Metrics& batch) override;
  void on_epoch_end(FitState& st, const Metrics& logs) override;
  void on_interrupt(FitState& st) override;

 private:
  ProgressOptions options_;
  std::size_t print_every_;
  std::unique_ptr<Progress> progress_;
};

// Any function run at the end of every epoch (for a picture every few epochs, a custom log line, ...).
class LambdaCallback : public Callback {
 public:
  std::string name() const override { return "LambdaCallback"; }
  explicit LambdaCallback(std::function<void(FitState&, const Metrics&)> on_epoch_end) : fn_(std::move(on_epoch_end)) {}
  void on_epoch_end(FitState& st, const Metrics& logs) override { fn_(st, logs); }

 private:
  std::function<void(FitState&, const Metrics&)> fn_;
};

}  // namespace ad::train

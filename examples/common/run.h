// Run: the bookkeeping every example's training loop shares, so the loop itself shows only the model.
//
//   examples::Run run("digits", options, train.size());      // creates --out, picks the display
//   for (std::size_t epoch = 1; epoch <= epochs; ++epoch) {
//     run.start_epoch(epoch);
//     for (const data::Batch& b : loader) { ...; run.step(b.size(), {{"loss", l}, {"acc", a}}); }
//     run.end_epoch({{"test_loss", tl}, {"test_acc", ta}});   // prints, appends to metrics.csv
//   }
//   run.plot_curves();                                          // loss.svg, accuracy.svg (or r2.svg)
//   examples::print_result({{"test_accuracy", ta}});          // RESULT test_accuracy=0.9722
//
// Display: train::Progress draws a live bar on a terminal and prints one summary line per epoch otherwise
// (--progress forces either). With print_every > 1 (for runs of thousands of tiny epochs) only every n-th epoch
// and the last one print a line. Whatever is printed, metrics.csv gets every epoch. It is rewritten atomically (so it
// can be watched during training) at most once a second and after the last epoch: each rewrite is flushed to disk,
// which would dominate runs of many short epochs if done every epoch. The learning rate is logged as "lr" when an
// optimizer is attached.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "data/dataset.h"
#include "data/loader.h"
#include "examples/common/setup.h"
#include "nn/module.h"
#include "optim/lr_scheduler.h"
#include "optim/optimizer.h"
#include "train/history.h"
#include "train/progress.h"

namespace examples {

class Run {
 public:
  // Creates the output directory (options.out, or "out/<name>" when empty) and opens <out>/metrics.csv.
  Run(const std::string& name, const TrainOptions& options, std::size_t samples_per_epoch, std::size_t print_every = 1);

  // When set, end_epoch logs the optimizer's current learning rate as "lr".
  void watch(const ad::optim::Optimizer<float>* optimizer) { optimizer_ = optimizer; }

  void start_epoch(std::size_t epoch);
  void step(std::size_t batch_size, const ad::train::Metrics& batch_metrics);
  // The epoch's running means of the batch metrics, then `extra`, then lr: printed and appended to metrics.csv.
  ad::train::Metrics end_epoch(const ad::train::Metrics& extra = {});

  // Writes the learning curves: loss.svg (every metric whose name ends in "loss"), accuracy.svg (names containing
  // "acc") and r2.svg (names ending in "r2"), each only when such metrics were logged. Returns the files written.
  // Legends name a metric by what precedes the suffix ("test_acc" -> "test", "xor_loss" -> "xor"), the training
  // metrics "loss", "acc", "r2" as "train"; `labels` overrides that for the metrics it names.
  std::vector<std::string> plot_curves(const std::string& title_prefix = "",
                                       const std::vector<std::pair<std::string, std::string>>& labels = {}) const;

  const ad::train::History& history() const { return history_; }
  const std::string& out_dir() const { return out_; }
  // <out>/<file>.
  std::string path(const std::string& file) const;
  // Seconds since the run was created.
  double seconds() const;
  // Seconds on a monotonic clock.
  static double clock();
  std::size_t epochs() const { return epochs_; }

 private:
  std::string name_, out_;
  std::size_t epochs_, print_every_;
  std::unique_ptr<ad::train::Progress> progress_;
  ad::train::History history_;
  double last_save_ = -1;
  const ad::optim::Optimizer<float>* optimizer_ = nullptr;
  double start_;
  std::size_t epoch_ = 0;
};

// The learning curves of a history as in Run::plot_curves, written into `dir`.
std::vector<std::string> plot_curves(const ad::train::History& history, const std::string& dir,
                                     const std::string& title_prefix,
                                     const std::vector<std::pair<std::string, std::string>>& labels = {});

// Prints "RESULT key=value ..." (values with up to 6 significant digits) as the last line of a run, for scripts.
void print_result(const std::vector<std::pair<std::string, double>>& values);

// Creates a directory and its parents (no error if it exists); std::runtime_error naming it on failure.
void make_directories(const std::string& dir);

// The classification loop shared by the examples. Binary: one logit per example, BCE with logits, threshold 0, and
// the test ROC AUC is logged too. MultiClass: one logit per class, softmax cross-entropy.
enum class Task { Binary, MultiClass };

// Trains `model` for run.epochs() epochs: one optimizer step per batch of `loader`, the schedule (if any) stepped
// once per epoch; logs the running training loss and accuracy, and after each epoch the loss and accuracy on
// `test` (evaluated in eval mode, without recording). Returns the test logits of the last epoch.
ad::Tensor fit_classifier(Task task, ad::nn::Module<float>& model, ad::optim::Optimizer<float>& opt,
                          ad::optim::LRScheduler<float>* schedule, ad::data::DataLoader& loader,
                          const ad::data::Dataset& test, Run& run);

}  // namespace examples

// Experiment: what every example run shares around train::fit, so that an example shows its data, its model and its
// pictures. It owns the output folder (--out, default out/<name>) and the standard options' behaviour:
//   - progress display, per-epoch metrics.csv, learning curves (loss.svg, accuracy.svg, r2.svg);
//   - early stopping on the validation loss (--patience; 0 turns it off), restoring the weights of the best epoch;
//   - --save PATH: the model at the best validation epoch (during training) and at the end;
//   - --load PATH: the model's weights before training (--epochs 0 only evaluates them);
//   - --resume: continues the run saved in <out>/run.npz (written at most every 10 s at an epoch end, on Ctrl-C and at the end) exactly;
//   - Ctrl-C: the batch is finished, run.npz and the pictures so far are written, the example exits with status 130.
#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "data/dataset.h"
#include "examples/common/args.h"
#include "examples/common/setup.h"
#include "nn/module.h"
#include "nn/sequential.h"
#include "optim/lr_scheduler.h"
#include "optim/optimizer.h"
#include "train/fit.h"

namespace examples {

class Experiment {
 public:
  // Creates the output folder.
  Experiment(std::string name, TrainOptions options);

  // --load: reads the model's weights (nothing without --load).
  void load(ad::nn::Module<float>& model) const;

  // Trains with the standard callbacks (and `extra` ones after them) for options.epochs epochs, validating on `val`
  // when given. With --epochs 0 it trains nothing and returns an empty result. After Ctrl-C it writes the learning
  // curves, calls on_interrupt (the example's other pictures), says how to resume, and exits with status 130.
  ad::train::FitResult fit(ad::nn::Module<float>& model, const ad::train::Objective& objective,
                           ad::optim::Optimizer<float>& optimizer, ad::optim::LRScheduler<float>* scheduler,
                           const ad::data::Dataset& train, const ad::data::Dataset* val,
                           std::vector<std::shared_ptr<ad::train::Callback>> extra = {}, std::size_t print_every = 1,
                           const std::function<void()>& on_interrupt = {});

  // Refit, as scikit-learn's GridSearchCV(refit=True) and the Keras practice of retraining on all the data: after
  // fit() chose a number of epochs on validation (chosen_epochs(); 0: nothing to refit), replaces `model` by a fresh
  // one from `make_model` (seeded with --seed, then --load applied, as before fit), with a new optimizer and
  // schedule, and trains it on the training and validation parts together for that many epochs, without
  // validation. It has its own run file (run_refit.npz, so --resume and Ctrl-C work in this phase too) and
  // metrics_refit.csv; history() stays the validated run's, for its learning curves. --epochs 0 refits nothing.
  void refit(ad::nn::Sequential<float>& model, const std::function<ad::nn::Sequential<float>()>& make_model,
             std::unique_ptr<ad::optim::Optimizer<float>>& optimizer,
             std::unique_ptr<ad::optim::LRScheduler<float>>& scheduler, const ad::train::Objective& objective,
             const ad::data::Dataset& train, const ad::data::Dataset& validation);

  // --save: writes the final model (after early stopping restored the best weights, or the refit model).
  void save(const ad::nn::Module<float>& model) const;

  // The learning curves of the last fit into the output folder; returns the files written.
  std::vector<std::string> plot_curves(const std::string& title_prefix = "",
                                       const std::vector<std::pair<std::string, std::string>>& labels = {}) const;

  const ad::train::History& history() const { return history_; }
  // The number of epochs the validated run chose: its best validation-loss epoch when early stopping restored it,
  // else all it ran (0 before fit).
  std::size_t chosen_epochs() const;
  const TrainOptions& options() const { return options_; }
  const std::string& out_dir() const { return out_; }
  std::string path(const std::string& file) const { return out_ + "/" + file; }
  double seconds() const;  // since the experiment was created

 private:
  ad::train::FitResult run(ad::nn::Module<float>& model, const ad::train::Objective& objective,
                           ad::optim::Optimizer<float>& optimizer, ad::optim::LRScheduler<float>* scheduler,
                           const ad::data::Dataset& train, const ad::data::Dataset* val, std::size_t epochs,
                           const std::string& phase, std::vector<std::shared_ptr<ad::train::Callback>> extra,
                           std::size_t print_every, const std::function<void()>& on_interrupt);

  std::string name_, out_;
  TrainOptions options_;
  ad::train::History history_;
  double start_;
};

// The learning curves of a history written into `dir`: loss.svg (metrics ending in "loss"), accuracy.svg ("acc") and
// r2.svg ("r2"), each when such metrics exist. Legends name a metric by what precedes the suffix ("val_acc" -> "val"),
// the training metrics as "train"; `labels` overrides that. `log_loss` draws the loss on a logarithmic scale.
std::vector<std::string> plot_curves(const ad::train::History& history, const std::string& dir,
                                     const std::string& title_prefix,
                                     const std::vector<std::pair<std::string, std::string>>& labels = {},
                                     bool log_loss = false);

// Registers --no-refit, for the examples that refit by default (Experiment::refit).
void add_refit_option(ArgParser& args, bool* no_refit);

// Prints "RESULT key=value ..." (values with up to 6 significant digits) as the last line of a run, for scripts.
void print_result(const std::vector<std::pair<std::string, double>>& values);

// Creates a directory and its parents (no error if it exists); std::runtime_error naming it on failure.
void make_directories(const std::string& dir);

}  // namespace examples

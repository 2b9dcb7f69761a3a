#include "examples/common/experiment.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "autodiff/random.h"
#include "examples/common/distributed.h"
#include "io/file.h"
#include "nn/checkpoint.h"
#include "plot/line_plot.h"
#include "train/callbacks.h"

namespace examples {
namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

ad::train::Display display_of(const std::string& progress) {
  if (progress == "bar") return ad::train::Display::Bar;
  if (progress == "lines") return ad::train::Display::Lines;
  return ad::train::Display::Auto;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

void make_directories(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir))
    throw std::runtime_error("cannot create the output directory '" + dir + "'" +
                             (ec ? ": " + ec.message() : std::string()));
}

Experiment::Experiment(std::string name, TrainOptions options)
    : name_(std::move(name)),
      out_(options.out.empty() ? "out/" + name_ : options.out),
      options_(std::move(options)),
      start_(now_seconds()) {
  if (is_main_process()) make_directories(out_);
}

double Experiment::seconds() const { return now_seconds() - start_; }

std::size_t Experiment::chosen_epochs() const {
  if (history_.empty()) return 0;
  if (options_.patience > 0 && history_.has(options_.monitor)) {
    const std::vector<double>& v = history_[options_.monitor];
    // A run whose validation loss was never finite (it diverged) chose nothing: no refit.
    if (std::none_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); })) return 0;
    // The same rule as EarlyStopping's mode "auto": accuracies are maximised, losses minimised.
    return history_.best_epoch(options_.monitor, options_.monitor.find("acc") != std::string::npos);
  }
  return history_.epochs().back();
}

void add_refit_option(ArgParser& args, bool* no_refit) {
  args.add_flag("no-refit", no_refit,
                "keep the model of the best validation epoch; by default a model is then trained on the training "
                "and validation parts together for that many epochs (scikit-learn's refit), and that one is tested");
}

void Experiment::load(ad::nn::Module<float>& model) const {
  if (options_.load.empty()) return;
  ad::nn::load_checkpoint(options_.load, model);
  std::cout << name_ << ": loaded the model from " << options_.load << "\n";
}

void Experiment::save(const ad::nn::Module<float>& model) const {
  if (options_.save.empty() || !is_main_process()) return;
  ad::nn::save_checkpoint(options_.save, model);
  std::cout << "wrote " << options_.save << " (the model)\n";
}

ad::train::FitResult Experiment::fit(ad::nn::Module<float>& model, const ad::train::Objective& objective,
                                     ad::optim::Optimizer<float>& optimizer, ad::optim::LRScheduler<float>* scheduler,
                                     const ad::data::Dataset& train, const ad::data::Dataset* val,
                                     std::vector<std::shared_ptr<ad::train::Callback>> extra, std::size_t print_every,
                                     const std::function<void()>& on_interrupt) {
  if (options_.epochs == 0) return {};
  ad::train::FitResult r =
      run(model, objective, optimizer, scheduler, train, val, static_cast<std::size_t>(options_.epochs), "",
          std::move(extra), print_every, on_interrupt);
  history_ = r.history;
  return r;
}

void Experiment::refit(ad::nn::Sequential<float>& model, const std::function<ad::nn::Sequential<float>()>& make_model,
                       std::unique_ptr<ad::optim::Optimizer<float>>& optimizer,
                       std::unique_ptr<ad::optim::LRScheduler<float>>& scheduler, const ad::train::Objective& objective,
                       const ad::data::Dataset& train, const ad::data::Dataset& validation) {
  const std::size_t epochs = chosen_epochs();
  if (options_.epochs == 0 || epochs == 0) return;
  ad::manual_seed(options_.seed);  // an initialisation of its own, the same when resumed
  scheduler.reset();               // it refers to the optimizer, which refers to the model: replaced in reverse order
  optimizer.reset();
  model = make_model();
  load(model);
  optimizer = make_optimizer(options_, model.parameters());
  scheduler = make_scheduler(options_.schedule, *optimizer, static_cast<int>(epochs));
  const ad::data::Dataset both = ad::data::concat(train, validation);
  std::cout << name_ << ": refit on the training and validation parts (" << both.size() << " examples) for " << epochs
            << " epochs, the validated run's best\n";
  run(model, objective, *optimizer, scheduler.get(), both, nullptr, epochs, "refit", {}, 1, {});
}

ad::train::FitResult Experiment::run(ad::nn::Module<float>& model, const ad::train::Objective& objective,
                                     ad::optim::Optimizer<float>& optimizer, ad::optim::LRScheduler<float>* scheduler,
                                     const ad::data::Dataset& train, const ad::data::Dataset* val, std::size_t epochs,
                                     const std::string& phase, std::vector<std::shared_ptr<ad::train::Callback>> extra,
                                     std::size_t print_every, const std::function<void()>& on_interrupt) {
  namespace tr = ad::train;
  const std::string suffix = phase.empty() ? "" : "_" + phase;
  const std::string run_file = path("run" + suffix + ".npz");
  // Distributed: every rank trains; only rank 0 prints and writes (progress, CSV log, checkpoints, run file).
  const std::unique_ptr<tr::DataParallel> data_parallel = make_data_parallel(model);
  const bool writes = is_main_process();
  std::vector<std::shared_ptr<tr::Callback>> callbacks;
  tr::ProgressOptions po;
  po.display = display_of(options_.progress);
  if (writes) callbacks.push_back(std::make_shared<tr::ProgressBar>(po, print_every));
  if (writes) callbacks.push_back(std::make_shared<tr::CSVLogger>(path("metrics" + suffix + ".csv")));
  if (val && options_.patience > 0)
    callbacks.push_back(std::make_shared<tr::EarlyStopping>(
        tr::EarlyStoppingOptions().monitor(options_.monitor).patience(options_.patience).restore_best_weights(true)));
  if (writes && val && !options_.save.empty())
    callbacks.push_back(
        std::make_shared<tr::ModelCheckpoint>(options_.save, tr::ModelCheckpointOptions().monitor(options_.monitor)));
  callbacks.insert(callbacks.end(), extra.begin(), extra.end());
  // Last: it saves the others' state. At most every 10 s (and on Ctrl-C and at the end): an fsync'ed write per epoch
  // would dominate runs of many tiny epochs (gates: 1500 epochs of 4 examples).
  if (writes) callbacks.push_back(std::make_shared<tr::RunCheckpoint>(run_file, 1, 10.0));

  auto fit_options = tr::FitOptions()
                         .epochs(epochs)
                         .batch_size(options_.batch_size)
                         .loader({/*shuffle=*/true, /*drop_last=*/false, options_.seed})
                         .validation(val)
                         .eval_batch_size(options_.eval_batch_size)
                         .scheduler(scheduler)
                         .callbacks(callbacks)
                         .data_parallel(data_parallel.get());
  if (!options_.resume && phase.empty() && writes) {
    // A fresh run: a later phase's file from an earlier run in this folder must not be resumed with it.
    std::error_code ec;
    std::filesystem::remove(path("run_refit.npz"), ec);
  }
  if (options_.resume) {
    // A later phase that had not started when the run was interrupted starts now.
    if (ad::io::file_exists(run_file)) {
      fit_options.resume_from(run_file);
      std::cout << name_ << ": resuming the run saved in " << run_file << "\n";
    } else if (phase.empty()) {
      throw std::runtime_error("--resume: there is no run to continue in " + run_file);
    }
  }
  tr::FitResult r = tr::fit(model, objective, optimizer, train, fit_options);
  if (r.interrupted) {
    if (phase.empty()) history_ = r.history;
    std::cout << "\n"
              << name_ << ": interrupted; the run so far is saved in " << run_file << " (continue it with --resume)\n";
    for (const auto& f : plot_curves()) std::cout << "wrote " << f << "\n";
    if (on_interrupt) on_interrupt();
    std::cout.flush();
    std::exit(130);  // the shell's status for a program ended by Ctrl-C
  }
  return r;
}

std::vector<std::string> Experiment::plot_curves(const std::string& title_prefix,
                                                 const std::vector<std::pair<std::string, std::string>>& labels) const {
  if (!is_main_process()) return {};
  return examples::plot_curves(history_, out_, title_prefix.empty() ? name_ : title_prefix, labels);
}

std::vector<std::string> plot_curves(const ad::train::History& history, const std::string& dir,
                                     const std::string& prefix,
                                     const std::vector<std::pair<std::string, std::string>>& labels, bool log_loss) {
  const auto legend = [&](const std::string& metric) -> std::string {
    for (const auto& [name, label] : labels)
      if (name == metric) return label;
    if (metric == "loss" || metric == "acc" || metric == "r2") return "train";
    for (const std::string suffix : {"_loss", "_acc", "_r2"})
      if (ends_with(metric, suffix) && metric.size() > suffix.size())
        return metric.substr(0, metric.size() - suffix.size());
    return metric;
  };
  struct Figure {
    std::string file, title, y_label;
    bool (*selects)(const std::string&);
    bool log;
  };
  const Figure figures[] = {
      {"loss.svg", "loss per epoch", "loss", [](const std::string& n) { return ends_with(n, "loss"); }, log_loss},
      {"accuracy.svg", "accuracy per epoch", "accuracy",
       [](const std::string& n) { return n.find("acc") != std::string::npos; }, false},
      {"r2.svg", "R² per epoch", "R²", [](const std::string& n) { return ends_with(n, "r2"); }, false},
  };
  std::vector<std::string> written;
  if (history.empty()) return written;
  for (const Figure& f : figures) {
    std::vector<ad::plot::Series> series;
    for (const auto& metric : history.names())
      if (f.selects(metric)) series.push_back({legend(metric), history[metric]});
    if (series.empty()) continue;
    ad::plot::LinePlotOptions po;
    po.title = prefix + ": " + f.title;
    po.y_label = f.y_label;
    po.log_y = f.log;
    ad::plot::save_line_plot(dir + "/" + f.file, series, po);
    written.push_back(dir + "/" + f.file);
  }
  return written;
}

void print_result(const std::vector<std::pair<std::string, double>>& values) {
  std::string line = "RESULT";
  for (const auto& [key, value] : values) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", value);
    line += " " + key + "=" + buf;
  }
  std::cout << line << std::endl;
}

}  // namespace examples

#include "examples/common/run.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <system_error>

#include "data/one_hot.h"
#include "nn/loss.h"
#include "plot/line_plot.h"
#include "train/accuracy.h"
#include "train/format.h"
#include "train/roc_auc.h"

namespace examples {

namespace train = ad::train;

namespace {

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

train::Display display_of(const std::string& progress) {
  if (progress == "bar") return train::Display::Bar;
  if (progress == "lines") return train::Display::Lines;
  return train::Display::Auto;
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

Run::Run(const std::string& name, const TrainOptions& options, std::size_t samples_per_epoch, std::size_t print_every)
    : name_(name),
      out_(options.out.empty() ? "out/" + name : options.out),
      epochs_(static_cast<std::size_t>(options.epochs)),
      print_every_(print_every == 0 ? 1 : print_every),
      start_(now_seconds()) {
  make_directories(out_);
  train::ProgressOptions po;
  // Printing only every n-th epoch is done here; the progress display then only accumulates the running means.
  po.display = print_every_ > 1 ? train::Display::Silent : display_of(options.progress);
  progress_ = std::make_unique<train::Progress>(epochs_, samples_per_epoch, po);
}

std::string Run::path(const std::string& file) const { return out_ + "/" + file; }

double Run::seconds() const { return now_seconds() - start_; }

double Run::clock() { return now_seconds(); }

void Run::start_epoch(std::size_t epoch) {
  epoch_ = epoch;
  progress_->start_epoch(epoch);
}

void Run::step(std::size_t batch_size, const train::Metrics& batch_metrics) {
  progress_->step(batch_size, batch_metrics);
}

train::Metrics Run::end_epoch(const train::Metrics& extra) {
  train::Metrics shown = extra;
  if (optimizer_) shown.emplace_back("lr", optimizer_->lr());
  train::Metrics m = progress_->end_epoch(shown);
  history_.add(epoch_, m);
  if (epoch_ >= epochs_ || now_seconds() - last_save_ >= 1.0) {
    history_.save_csv(path("metrics.csv"));
    last_save_ = now_seconds();
  }
  if (print_every_ > 1 && (epoch_ % print_every_ == 0 || epoch_ == epochs_ || epoch_ == 1)) {
    std::string line = "epoch " + std::to_string(epoch_) + "/" + std::to_string(epochs_);
    for (const auto& [key, value] : m) line += " " + key + " " + train::format_metric(key, value);
    std::cout << line << std::endl;
  }
  return m;
}

std::vector<std::string> Run::plot_curves(const std::string& title_prefix,
                                          const std::vector<std::pair<std::string, std::string>>& labels) const {
  return examples::plot_curves(history_, out_, title_prefix.empty() ? name_ : title_prefix, labels);
}

std::vector<std::string> plot_curves(const train::History& history, const std::string& dir, const std::string& prefix,
                                     const std::vector<std::pair<std::string, std::string>>& labels) {
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
  };
  const Figure figures[] = {
      {"loss.svg", "loss per epoch", "loss", [](const std::string& n) { return ends_with(n, "loss"); }},
      {"accuracy.svg", "accuracy per epoch", "accuracy",
       [](const std::string& n) { return n.find("acc") != std::string::npos; }},
      {"r2.svg", "R² per epoch", "R²", [](const std::string& n) { return ends_with(n, "r2"); }},
  };
  std::vector<std::string> written;
  for (const Figure& f : figures) {
    std::vector<ad::plot::Series> series;
    for (const auto& metric : history.names())
      if (f.selects(metric)) series.push_back({legend(metric), history[metric]});
    if (series.empty()) continue;
    ad::plot::LinePlotOptions po;
    po.title = prefix + ": " + f.title;
    po.y_label = f.y_label;
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

ad::Tensor fit_classifier(Task task, ad::nn::Module<float>& model, ad::optim::Optimizer<float>& opt,
                          ad::optim::LRScheduler<float>* schedule, ad::data::DataLoader& loader,
                          const ad::data::Dataset& test, Run& run) {
  using ad::Tensor;
  const bool binary = task == Task::Binary;
  const Tensor test_target = binary ? ad::data::binary_targets(test.labels) : Tensor();
  auto loss_of = [&](const Tensor& logits, const std::vector<std::size_t>& labels, const Tensor& target) {
    return binary ? ad::nn::binary_cross_entropy_with_logits(
                        logits, target.defined() ? target : ad::data::binary_targets(labels))
                  : ad::nn::cross_entropy(logits, labels);
  };
  auto accuracy_of = [&](const std::vector<std::size_t>& labels, const Tensor& logits) {
    return binary ? ad::train::accuracy(labels, logits, 0.0f) : ad::train::accuracy(labels, logits);
  };
  Tensor test_logits;
  for (std::size_t epoch = 1; epoch <= run.epochs(); ++epoch) {
    run.start_epoch(epoch);
    for (const ad::data::Batch& b : loader) {
      Tensor logits = model(b.X);
      Tensor loss = loss_of(logits, b.labels, Tensor());
      opt.zero_grad();
      loss.backward();
      opt.step();
      run.step(b.size(), {{"loss", loss.item()}, {"acc", accuracy_of(b.labels, logits.detach())}});
    }
    if (schedule) schedule->step();
    test_logits = predict(model, test);
    ad::train::Metrics m = {{"test_loss", loss_of(test_logits, test.labels, test_target).item()},
                            {"test_acc", accuracy_of(test.labels, test_logits)}};
    if (binary) m.emplace_back("test_auc", ad::train::roc_auc(test.labels, test_logits));
    run.end_epoch(m);
  }
  return test_logits;
}

}  // namespace examples

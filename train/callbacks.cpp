#include "train/callbacks.h"

#include <chrono>
#include <cmath>
#include <limits>

#include "autodiff/error.h"
#include "io/state.h"
#include "nn/checkpoint.h"

namespace ad::train {
namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

// The monitored value of an epoch, or NaN when the logs lack it (e.g. no validation data): no improvement then.
double value_of(const Metrics& logs, const std::string& name) {
  for (const auto& [n, v] : logs)
    if (n == name) return v;
  return std::numeric_limits<double>::quiet_NaN();
}

bool improves(double v, double best, double min_delta, bool maximize) {
  if (std::isnan(v)) return false;
  if (std::isnan(best)) return true;
  return maximize ? v > best + min_delta : v < best - min_delta;
}

NamedTensors<float> copy_of(const NamedTensors<float>& state) {
  NamedTensors<float> out;
  for (const auto& [name, t] : state) out.emplace_back(name, t.detach().clone());
  return out;
}

}  // namespace

bool maximize_metric(const std::string& metric, const std::string& mode) {
  if (mode == "min") return false;
  if (mode == "max") return true;
  if (mode != "auto") throw ValueError("monitor mode must be \"auto\", \"min\" or \"max\", got \"" + mode + "\"");
  return contains(metric, "acc") || contains(metric, "auc") || contains(metric, "r2") || contains(metric, "f1");
}

// ---- EarlyStopping -----------------------------------------------------------------------------------------------

EarlyStopping::EarlyStopping(EarlyStoppingOptions options)
    : o_(std::move(options)),
      maximize_(maximize_metric(o_.monitor(), o_.mode())),
      best_(std::numeric_limits<double>::quiet_NaN()) {
  if (!(o_.min_delta() >= 0)) throw ValueError("EarlyStopping: min_delta must be >= 0");
}

void EarlyStopping::on_epoch_end(FitState& st, const Metrics& logs) {
  const double v = value_of(logs, o_.monitor());
  if (improves(v, best_, o_.min_delta(), maximize_)) {
    best_ = v;
    best_epoch_ = st.epoch;
    wait_ = 0;
    if (o_.restore_best_weights()) best_weights_ = copy_of(st.model.state_dict());
    return;
  }
  if (++wait_ >= o_.patience()) {  // as Keras: `patience` epochs without improvement, then stop
    st.stop = true;
    stopped_epoch_ = st.epoch;
  }
}

void EarlyStopping::on_train_end(FitState& st) {
  if (!o_.restore_best_weights() || best_weights_.empty() || st.interrupted) return;
  NoGradGuard g;
  const NamedTensors<float> now = st.model.state_dict();
  for (std::size_t i = 0; i < now.size(); ++i) Tensor(now[i].second).copy_(best_weights_[i].second);
}

void EarlyStopping::save_state(StateDict& s) const {
  s.set("best", best_);
  s.set("best_epoch", static_cast<std::int64_t>(best_epoch_));
  s.set("wait", static_cast<std::int64_t>(wait_));
  s.set("stopped_epoch", static_cast<std::int64_t>(stopped_epoch_));
  for (const auto& [name, t] : best_weights_) s.set("best_weights." + name, t);
}

void EarlyStopping::load_state(const StateDict& s) {
  const char* who = "EarlyStopping (resume)";
  best_ = s.real("best", who);
  best_epoch_ = static_cast<std::size_t>(s.integer("best_epoch", who));
  wait_ = static_cast<std::size_t>(s.integer("wait", who));
  stopped_epoch_ = static_cast<std::size_t>(s.integer("stopped_epoch", who));
  best_weights_.clear();
  const StateDict weights = s.with_prefix_removed("best_weights.");
  for (const auto& [name, v] : weights.entries()) best_weights_.emplace_back(name, weights.tensor<float>(name, who));
}

// ---- ModelCheckpoint ---------------------------------------------------------------------------------------------

ModelCheckpoint::ModelCheckpoint(std::string path, ModelCheckpointOptions options)
    : path_(std::move(path)),
      o_(std::move(options)),
      maximize_(maximize_metric(o_.monitor(), o_.mode())),
      best_(std::numeric_limits<double>::quiet_NaN()) {}

void ModelCheckpoint::on_epoch_end(FitState& st, const Metrics& logs) {
  bool save = o_.every_n_epochs() > 0 && st.epoch % o_.every_n_epochs() == 0;
  if (o_.save_best_only()) {
    const double v = value_of(logs, o_.monitor());
    if (improves(v, best_, 0, maximize_)) {
      best_ = v;
      best_epoch_ = st.epoch;
      save = true;
    }
  }
  if (save) nn::save_checkpoint(path_, st.model);
}

void ModelCheckpoint::on_train_end(FitState& st) {
  if (o_.save_at_end()) nn::save_checkpoint(path_, st.model);
}

void ModelCheckpoint::save_state(StateDict& s) const {
  s.set("best", best_);
  s.set("best_epoch", static_cast<std::int64_t>(best_epoch_));
}

void ModelCheckpoint::load_state(const StateDict& s) {
  best_ = s.real("best", "ModelCheckpoint (resume)");
  best_epoch_ = static_cast<std::size_t>(s.integer("best_epoch", "ModelCheckpoint (resume)"));
}

// ---- RunCheckpoint -----------------------------------------------------------------------------------------------

RunCheckpoint::RunCheckpoint(std::string path, std::size_t every_n_epochs, double min_seconds_between_writes)
    : path_(std::move(path)), every_(every_n_epochs), min_seconds_(min_seconds_between_writes) {
  if (every_ == 0) throw ValueError("RunCheckpoint: every_n_epochs must be at least 1");
  if (!(min_seconds_ >= 0)) throw ValueError("RunCheckpoint: min_seconds_between_writes must be >= 0");
}
void RunCheckpoint::on_epoch_end(FitState& st, const Metrics&) {
  const bool last = st.stop || st.epoch >= st.options.epochs();  // always written: the state to continue from
  const double t = now();
  if (!last && (st.epoch % every_ != 0 || (last_write_ >= 0 && t - last_write_ < min_seconds_))) return;
  io::save_state(path_, st.save_run());
  last_write_ = t;
}
void RunCheckpoint::on_interrupt(FitState& st) { io::save_state(path_, st.save_run()); }
// Nothing at the end: the last epoch was written by on_epoch_end, before other callbacks' on_train_end change the
// model (EarlyStopping's restore); a run resumed after its end trains nothing and leaves the file as it is.
void RunCheckpoint::on_train_end(FitState&) {}

// ---- CSVLogger ---------------------------------------------------------------------------------------------------

CSVLogger::CSVLogger(std::string path, double min_seconds_between_writes)
    : path_(std::move(path)), min_seconds_(min_seconds_between_writes) {}

void CSVLogger::on_epoch_end(FitState& st, const Metrics&) {
  const double t = now();
  if (last_write_ >= 0 && t - last_write_ < min_seconds_) return;
  st.history.save_csv(path_);
  last_write_ = t;
}

void CSVLogger::on_train_end(FitState& st) {
  if (!st.history.empty()) st.history.save_csv(path_);
}

// ---- ProgressBar -------------------------------------------------------------------------------------------------

ProgressBar::ProgressBar(ProgressOptions options, std::size_t print_every)
    : options_(std::move(options)), print_every_(print_every ? print_every : 1) {}

void ProgressBar::on_epoch_begin(FitState& st) {
  if (!progress_) progress_ = std::make_unique<Progress>(st.options.epochs(), st.samples_per_epoch, options_);
  progress_->start_epoch(st.epoch);
}

void ProgressBar::on_batch_end(FitState& st, const Metrics& batch) {
  if (progress_) progress_->step(st.last_batch_size, batch);
}

void ProgressBar::on_epoch_end(FitState& st, const Metrics& logs) {
  if (!progress_) return;
  const bool last = st.epoch >= st.options.epochs() || st.stop;
  // Skipped epochs print nothing: on a terminal the next epoch's bar is drawn over this one's.
  if (st.epoch % print_every_ == 0 || last || st.epoch == 1) progress_->end_epoch_with(logs);
}

void ProgressBar::on_interrupt(FitState&) {
  if (progress_) progress_->interrupt();
}

}  // namespace ad::train

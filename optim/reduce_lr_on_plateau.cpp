#include "optim/reduce_lr_on_plateau.h"

#include <algorithm>
#include <limits>

#include "autodiff/error.h"
#include "optim/detail.h"

namespace ad::optim {

ReduceLROnPlateauOptions& ReduceLROnPlateauOptions::mode(PlateauMode v) {
  mode_ = v;
  return *this;
}

ReduceLROnPlateauOptions& ReduceLROnPlateauOptions::factor(double v) {
  detail::check_in_unit("ReduceLROnPlateauOptions", "factor", v);
  factor_ = v;
  return *this;
}

ReduceLROnPlateauOptions& ReduceLROnPlateauOptions::patience(std::size_t v) {
  patience_ = v;
  return *this;
}

ReduceLROnPlateauOptions& ReduceLROnPlateauOptions::threshold(double v) {
  detail::check_ge("ReduceLROnPlateauOptions", "threshold", v, 0.0);
  threshold_ = v;
  return *this;
}

ReduceLROnPlateauOptions& ReduceLROnPlateauOptions::threshold_mode(ThresholdMode v) {
  threshold_mode_ = v;
  return *this;
}

ReduceLROnPlateauOptions& ReduceLROnPlateauOptions::cooldown(std::size_t v) {
  cooldown_ = v;
  return *this;
}

ReduceLROnPlateauOptions& ReduceLROnPlateauOptions::min_lr(double v) {
  detail::check_ge("ReduceLROnPlateauOptions", "min_lr", v, 0.0);
  min_lr_ = v;
  return *this;
}

ReduceLROnPlateauOptions& ReduceLROnPlateauOptions::eps(double v) {
  detail::check_ge("ReduceLROnPlateauOptions", "eps", v, 0.0);
  eps_ = v;
  return *this;
}

// The worst possible metric, so that the first one is always an improvement.
static double initial_best(PlateauMode mode) {
  const double inf = std::numeric_limits<double>::infinity();
  return mode == PlateauMode::Min ? inf : -inf;
}

template <class T>
ReduceLROnPlateau<T>::ReduceLROnPlateau(Optimizer<T>& optimizer, ReduceLROnPlateauOptions options)
    : optimizer_(&optimizer), options_(options), best_(initial_best(options.mode())), last_lr_(optimizer.lr()) {}

template <class T>
bool ReduceLROnPlateau<T>::is_better(double metric) const {
  const double th = options_.threshold();
  const bool rel = options_.threshold_mode() == ThresholdMode::Rel;
  if (options_.mode() == PlateauMode::Min) return metric < (rel ? best_ * (1.0 - th) : best_ - th);
  return metric > (rel ? best_ * (1.0 + th) : best_ + th);
}

template <class T>
void ReduceLROnPlateau<T>::step(double metric) {
  ++last_epoch_;
  if (is_better(metric)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    ++num_bad_epochs_;
  }
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    num_bad_epochs_ = 0;  // bad epochs during the cooldown do not count
  }
  if (num_bad_epochs_ > options_.patience()) {
    const double old_lr = optimizer_->lr();
    const double new_lr = std::max(old_lr * options_.factor(), options_.min_lr());
    if (old_lr - new_lr > options_.eps()) optimizer_->set_lr(new_lr);
    cooldown_counter_ = options_.cooldown();
    num_bad_epochs_ = 0;
  }
  last_lr_ = optimizer_->lr();
}

template <class T>
StateDict ReduceLROnPlateau<T>::state_dict() const {
  StateDict dict;
  dict.set("last_epoch", static_cast<std::int64_t>(last_epoch_));
  dict.set("best", best_);
  dict.set("num_bad_epochs", static_cast<std::int64_t>(num_bad_epochs_));
  dict.set("cooldown_counter", static_cast<std::int64_t>(cooldown_counter_));
  return dict;
}

template <class T>
void ReduceLROnPlateau<T>::load_state_dict(const StateDict& dict) {
  const std::string who = "ReduceLROnPlateau::load_state_dict";
  using detail::Kind;
  detail::match_entries<T>(dict,
                           {{"last_epoch", Kind::Integer, {}},
                            {"best", Kind::Real, {}},
                            {"num_bad_epochs", Kind::Integer, {}},
                            {"cooldown_counter", Kind::Integer, {}}},
                           who);
  auto count = [&](const char* name) {
    const std::int64_t v = dict.integer(name, who);
    if (v < 0) throw ValueError(who + ": entry '" + name + "' is negative (" + std::to_string(v) + ")");
    return static_cast<std::uint64_t>(v);
  };
  const std::uint64_t last_epoch = count("last_epoch");
  const double best = dict.real("best", who);
  const std::uint64_t num_bad_epochs = count("num_bad_epochs");
  const std::uint64_t cooldown_counter = count("cooldown_counter");
  last_epoch_ = last_epoch;
  best_ = best;
  num_bad_epochs_ = num_bad_epochs;
  cooldown_counter_ = cooldown_counter;
  last_lr_ = optimizer_->lr();
}

template class ReduceLROnPlateau<float>;
template class ReduceLROnPlateau<double>;

}  // namespace ad::optim

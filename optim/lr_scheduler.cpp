#include "optim/lr_scheduler.h"

#include <cmath>

#include "autodiff/error.h"
#include "optim/detail.h"

namespace ad::optim {

template <class T>
LRScheduler<T>::LRScheduler(Optimizer<T>& optimizer, std::string name)
    : optimizer_(&optimizer), name_(std::move(name)), base_lr_(optimizer.lr()), last_lr_(optimizer.lr()) {}

template <class T>
void LRScheduler<T>::step() {
  const double lr = lr_at(last_epoch_ + 1);
  optimizer_->set_lr(lr);  // throws on a negative rate before anything changes here
  ++last_epoch_;
  last_lr_ = lr;
}

template <class T>
StateDict LRScheduler<T>::state_dict() const {
  StateDict dict;
  dict.set("base_lr", base_lr_);
  dict.set("last_epoch", static_cast<std::int64_t>(last_epoch_));
  return dict;
}

template <class T>
void LRScheduler<T>::load_state_dict(const StateDict& dict) {
  const std::string who = name_ + "::load_state_dict";
  using detail::Kind;
  detail::match_entries<T>(dict, {{"base_lr", Kind::Real, {}}, {"last_epoch", Kind::Integer, {}}}, who);
  const double base_lr = dict.real("base_lr", who);
  const std::int64_t saved_epoch = dict.integer("last_epoch", who);
  if (saved_epoch < 0) throw ValueError(who + ": entry 'last_epoch' is negative (" + std::to_string(saved_epoch) + ")");
  const auto last_epoch = static_cast<std::uint64_t>(saved_epoch);
  if (!(base_lr >= 0.0 && std::isfinite(base_lr)))
    throw ValueError(who + ": entry 'base_lr' holds an invalid learning rate " + detail::fmt(base_lr));

  const double saved_base = base_lr_;
  base_lr_ = base_lr;  // lr_at reads base_lr_
  const double lr = lr_at(last_epoch);
  if (!(lr >= 0.0)) {
    base_lr_ = saved_base;
    throw ValueError(who + ": the restored schedule gives an invalid learning rate " + detail::fmt(lr));
  }
  optimizer_->set_lr(lr);
  last_epoch_ = last_epoch;
  last_lr_ = lr;
}

template class LRScheduler<float>;
template class LRScheduler<double>;

}  // namespace ad::optim

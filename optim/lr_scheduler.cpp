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
NamedTensors<T> LRScheduler<T>::state_dict() const {
  NamedTensors<T> dict;
  dict.emplace_back("base_lr", detail::pack_f64<T>(base_lr_));
  dict.emplace_back("last_epoch", detail::pack_u64<T>(last_epoch_));
  return dict;
}

template <class T>
void LRScheduler<T>::load_state_dict(const NamedTensors<T>& dict) {
  const std::string who = name_ + "::load_state_dict";
  const auto src =
      detail::match_entries(dict, {{"base_lr", detail::scalar_shape()}, {"last_epoch", detail::scalar_shape()}}, who);
  const double base_lr = detail::unpack_f64(*src[0], who, "base_lr");
  const std::uint64_t last_epoch = detail::unpack_u64(*src[1], who, "last_epoch");
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

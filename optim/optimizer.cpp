#include "optim/optimizer.h"

#include <cmath>

#include "autodiff/error.h"
#include "optim/detail.h"

namespace ad::optim {

template <class T>
Optimizer<T>::Optimizer(std::vector<TensorT<T>> params, double lr, std::string name)
    : params_(std::move(params)), steps_(params_.size(), 0), buffers_(params_.size()), lr_(lr), name_(std::move(name)) {
  detail::check_lr(name_.c_str(), lr);
  detail::check_params(name_, params_);
}

template <class T>
std::size_t Optimizer<T>::add_state(const std::string& buffer, T init) {
  buffer_names_.push_back(buffer);
  for (std::size_t i = 0; i < params_.size(); ++i) buffers_[i].push_back(TensorT<T>::full(params_[i].shape(), init));
  return buffer_names_.size() - 1;
}

template <class T>
void Optimizer<T>::step() {
  for (std::size_t i = 0; i < params_.size(); ++i) {
    TensorT<T>& p = params_[i];
    const TensorT<T> g = p.grad();
    if (!g.defined()) continue;
    update(i, p.mutable_data(), g.data(), p.numel(), ++steps_[i]);
  }
}

template <class T>
void Optimizer<T>::zero_grad(bool set_to_none) {
  for (TensorT<T>& p : params_) p.zero_grad(set_to_none);
}

template <class T>
void Optimizer<T>::set_lr(double lr) {
  detail::check_lr(name_.c_str(), lr);
  lr_ = lr;
}

template <class T>
std::uint64_t Optimizer<T>::step_count(std::size_t i) const {
  if (i >= steps_.size())
    throw IndexError(name_ + "::step_count: parameter index " + std::to_string(i) + " out of range [0, " +
                     std::to_string(steps_.size()) + ")");
  return steps_[i];
}

template <class T>
StateDict Optimizer<T>::state_dict() const {
  StateDict dict;
  dict.set("lr", lr_);
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const std::string prefix = "state." + std::to_string(i) + ".";
    dict.set(prefix + "step", static_cast<std::int64_t>(steps_[i]));
    for (std::size_t k = 0; k < buffer_names_.size(); ++k)
      dict.set(prefix + buffer_names_[k], detail::copy_of(buffers_[i][k]));
  }
  return dict;
}

template <class T>
void Optimizer<T>::load_state_dict(const StateDict& dict) {
  const std::string who = name_ + "::load_state_dict";
  using detail::Kind;
  std::vector<detail::Expected> expected{{"lr", Kind::Real, {}}};
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const std::string prefix = "state." + std::to_string(i) + ".";
    expected.push_back({prefix + "step", Kind::Integer, {}});
    for (const std::string& b : buffer_names_) expected.push_back({prefix + b, Kind::Tensor, params_[i].shape()});
  }
  detail::match_entries<T>(dict, expected, who);

  // Check every scalar before writing anything.
  const double lr = dict.real("lr", who);
  if (!(lr >= 0.0 && std::isfinite(lr)))
    throw ValueError(who + ": entry 'lr' holds an invalid learning rate " + detail::fmt(lr));
  std::vector<std::uint64_t> steps(params_.size());
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const std::string name = "state." + std::to_string(i) + ".step";
    const std::int64_t s = dict.integer(name, who);
    if (s < 0) throw ValueError(who + ": entry '" + name + "' holds a negative step count " + std::to_string(s));
    steps[i] = static_cast<std::uint64_t>(s);
  }
  lr_ = lr;
  steps_ = std::move(steps);
  for (std::size_t i = 0; i < params_.size(); ++i)
    for (std::size_t k = 0; k < buffer_names_.size(); ++k)
      buffers_[i][k].copy_(dict.tensor<T>("state." + std::to_string(i) + "." + buffer_names_[k], who));
}

template class Optimizer<float>;
template class Optimizer<double>;

}  // namespace ad::optim

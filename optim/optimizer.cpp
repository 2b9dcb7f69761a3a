#include "optim/optimizer.h"

#include <cmath>
#include <unordered_set>

#include "autodiff/error.h"
#include "optim/detail.h"

namespace ad::optim {

template <class T>
Optimizer<T>::Optimizer(std::vector<TensorT<T>> params, double lr, std::string name)
    : params_(std::move(params)), steps_(params_.size(), 0), buffers_(params_.size()), lr_(lr), name_(std::move(name)) {
  detail::check_lr(name_.c_str(), lr);
  std::unordered_set<const void*> seen;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const TensorT<T>& p = params_[i];
    if (!p.defined()) throw ValueError(name_ + ": parameter " + std::to_string(i) + " is an undefined tensor");
    if (!p.is_leaf())
      throw ValueError(name_ + ": parameter " + std::to_string(i) + " is not a leaf tensor (it was produced by '" +
                       p.grad_fn_name() + "'); optimize the leaf it was computed from");
    if (!seen.insert(p.impl_ptr()).second)
      throw ValueError(name_ + ": parameter " + std::to_string(i) + " appears more than once in the list");
  }
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
NamedTensors<T> Optimizer<T>::state_dict() const {
  NamedTensors<T> dict;
  dict.reserve(1 + params_.size() * (1 + buffer_names_.size()));
  dict.emplace_back("lr", detail::pack_f64<T>(lr_));
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const std::string prefix = "state." + std::to_string(i) + ".";
    dict.emplace_back(prefix + "step", detail::pack_u64<T>(steps_[i]));
    for (std::size_t k = 0; k < buffer_names_.size(); ++k)
      dict.emplace_back(prefix + buffer_names_[k], detail::copy_of(buffers_[i][k]));
  }
  return dict;
}

template <class T>
void Optimizer<T>::load_state_dict(const NamedTensors<T>& dict) {
  const std::string who = name_ + "::load_state_dict";
  std::vector<std::pair<std::string, Shape>> expected;
  expected.reserve(1 + params_.size() * (1 + buffer_names_.size()));
  expected.emplace_back("lr", detail::scalar_shape());
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const std::string prefix = "state." + std::to_string(i) + ".";
    expected.emplace_back(prefix + "step", detail::scalar_shape());
    for (const std::string& b : buffer_names_) expected.emplace_back(prefix + b, params_[i].shape());
  }
  const std::vector<const TensorT<T>*> src = detail::match_entries(dict, expected, who);

  // Decode and check every scalar before writing anything.
  const double lr = detail::unpack_f64(*src[0], who, "lr");
  if (!(lr >= 0.0 && std::isfinite(lr)))
    throw ValueError(who + ": entry 'lr' holds an invalid learning rate " + detail::fmt(lr));
  std::vector<std::uint64_t> steps(params_.size());
  const std::size_t per_param = 1 + buffer_names_.size();
  for (std::size_t i = 0; i < params_.size(); ++i)
    steps[i] = detail::unpack_u64(*src[1 + i * per_param], who, expected[1 + i * per_param].first);

  lr_ = lr;
  steps_ = std::move(steps);
  for (std::size_t i = 0; i < params_.size(); ++i)
    for (std::size_t k = 0; k < buffer_names_.size(); ++k) buffers_[i][k].copy_(*src[1 + i * per_param + 1 + k]);
}

template class Optimizer<float>;
template class Optimizer<double>;

}  // namespace ad::optim

#include "optim/adagrad.h"

#include <cmath>

#include "optim/detail.h"

namespace ad::optim {

AdagradOptions::AdagradOptions(double lr) { this->lr(lr); }

AdagradOptions& AdagradOptions::lr(double v) {
  detail::check_lr("AdagradOptions", v);
  lr_ = v;
  return *this;
}

AdagradOptions& AdagradOptions::lr_decay(double v) {
  detail::check_ge("AdagradOptions", "lr_decay", v, 0.0);
  lr_decay_ = v;
  return *this;
}

AdagradOptions& AdagradOptions::weight_decay(double v) {
  detail::check_ge("AdagradOptions", "weight decay", v, 0.0);
  weight_decay_ = v;
  return *this;
}

AdagradOptions& AdagradOptions::initial_accumulator_value(double v) {
  detail::check_ge("AdagradOptions", "initial_accumulator_value", v, 0.0);
  initial_accumulator_value_ = v;
  return *this;
}

AdagradOptions& AdagradOptions::eps(double v) {
  detail::check_ge("AdagradOptions", "eps", v, 0.0);
  eps_ = v;
  return *this;
}

template <class T>
Adagrad<T>::Adagrad(std::vector<TensorT<T>> params, AdagradOptions options)
    : Optimizer<T>(std::move(params), options.lr(), "Adagrad"), options_(options) {
  this->add_state("sum", static_cast<T>(options.initial_accumulator_value()));
}

template <class T>
void Adagrad<T>::update(std::size_t param, T* p, const T* g, std::size_t n, std::uint64_t step) {
  const T lr_t = static_cast<T>(this->lr() / (1.0 + static_cast<double>(step - 1) * options_.lr_decay()));
  const T wd = static_cast<T>(options_.weight_decay());
  const T eps = static_cast<T>(options_.eps());
  T* s = this->state(param, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const T d = g[i] + wd * p[i];
    s[i] += d * d;
    p[i] -= lr_t * (d / (std::sqrt(s[i]) + eps));
  }
}

template class Adagrad<float>;
template class Adagrad<double>;

}  // namespace ad::optim

#include "optim/adagrad_momentum.h"

#include <cmath>

#include "optim/detail.h"

namespace ad::optim {

AdagradMomentumOptions::AdagradMomentumOptions(double lr) { this->lr(lr); }

AdagradMomentumOptions& AdagradMomentumOptions::lr(double v) {
  detail::check_lr("AdagradMomentumOptions", v);
  lr_ = v;
  return *this;
}

AdagradMomentumOptions& AdagradMomentumOptions::momentum(double v) {
  detail::check_ge("AdagradMomentumOptions", "momentum", v, 0.0);
  momentum_ = v;
  return *this;
}

AdagradMomentumOptions& AdagradMomentumOptions::eps(double v) {
  detail::check_ge("AdagradMomentumOptions", "eps", v, 0.0);
  eps_ = v;
  return *this;
}

AdagradMomentumOptions& AdagradMomentumOptions::weight_decay(double v) {
  detail::check_ge("AdagradMomentumOptions", "weight decay", v, 0.0);
  weight_decay_ = v;
  return *this;
}

template <class T>
AdagradMomentum<T>::AdagradMomentum(std::vector<TensorT<T>> params, AdagradMomentumOptions options)
    : Optimizer<T>(std::move(params), options.lr(), "AdagradMomentum"), options_(options) {
  sum_ = this->add_state("sum");
  if (options.momentum() > 0.0) momentum_buffer_ = this->add_state("momentum_buffer");
}

template <class T>
void AdagradMomentum<T>::update(std::size_t param, T* p, const T* g, std::size_t n, std::uint64_t /*step*/) {
  const T lr = static_cast<T>(this->lr());
  const T wd = static_cast<T>(options_.weight_decay());
  const T eps = static_cast<T>(options_.eps());
  const T mu = static_cast<T>(options_.momentum());
  T* s = this->state(param, sum_);
  if (options_.momentum() == 0.0) {
    // v = lr·g/(√G + ε) and p ← p − v: Adagrad's loop, so the two agree bit for bit.
    for (std::size_t i = 0; i < n; ++i) {
      const T d = g[i] + wd * p[i];
      s[i] += d * d;
      p[i] -= lr * (d / (std::sqrt(s[i]) + eps));
    }
    return;
  }
  T* v = this->state(param, momentum_buffer_);
  for (std::size_t i = 0; i < n; ++i) {
    const T d = g[i] + wd * p[i];
    s[i] += d * d;
    v[i] = mu * v[i] + lr * (d / (std::sqrt(s[i]) + eps));
    p[i] -= v[i];
  }
}

template class AdagradMomentum<float>;
template class AdagradMomentum<double>;

}  // namespace ad::optim

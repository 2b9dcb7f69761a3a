#include "optim/rmsprop.h"

#include <cmath>

#include "optim/detail.h"

namespace ad::optim {

RMSpropOptions::RMSpropOptions(double lr) { this->lr(lr); }

RMSpropOptions& RMSpropOptions::lr(double v) {
  detail::check_lr("RMSpropOptions", v);
  lr_ = v;
  return *this;
}

RMSpropOptions& RMSpropOptions::alpha(double v) {
  detail::check_in_unit("RMSpropOptions", "alpha", v);
  alpha_ = v;
  return *this;
}

RMSpropOptions& RMSpropOptions::eps(double v) {
  detail::check_ge("RMSpropOptions", "eps", v, 0.0);
  eps_ = v;
  return *this;
}

RMSpropOptions& RMSpropOptions::weight_decay(double v) {
  detail::check_ge("RMSpropOptions", "weight decay", v, 0.0);
  weight_decay_ = v;
  return *this;
}

RMSpropOptions& RMSpropOptions::momentum(double v) {
  detail::check_ge("RMSpropOptions", "momentum", v, 0.0);
  momentum_ = v;
  return *this;
}

RMSpropOptions& RMSpropOptions::centered(bool on) {
  centered_ = on;
  return *this;
}

template <class T>
RMSprop<T>::RMSprop(std::vector<TensorT<T>> params, RMSpropOptions options)
    : Optimizer<T>(std::move(params), options.lr(), "RMSprop"), options_(options) {
  square_avg_ = this->add_state("square_avg");
  if (options.momentum() > 0.0) momentum_buffer_ = this->add_state("momentum_buffer");
  if (options.centered()) grad_avg_ = this->add_state("grad_avg");
}

template <class T>
void RMSprop<T>::update(std::size_t param, T* p, const T* g, std::size_t n, std::uint64_t /*step*/) {
  const T lr = static_cast<T>(this->lr());
  const T alpha = static_cast<T>(options_.alpha());
  const T one_minus_alpha = T(1) - alpha;
  const T eps = static_cast<T>(options_.eps());
  const T wd = static_cast<T>(options_.weight_decay());
  const T mu = static_cast<T>(options_.momentum());
  const bool centered = options_.centered();
  const bool momentum = options_.momentum() > 0.0;
  T* v = this->state(param, square_avg_);
  T* m = centered ? this->state(param, grad_avg_) : nullptr;
  T* b = momentum ? this->state(param, momentum_buffer_) : nullptr;
  // The two flags are loop-invariant: the branches are predicted perfectly (and usually unswitched).
  for (std::size_t i = 0; i < n; ++i) {
    const T d = g[i] + wd * p[i];
    v[i] = alpha * v[i] + one_minus_alpha * d * d;
    T denom;
    if (centered) {
      m[i] = alpha * m[i] + one_minus_alpha * d;
      denom = std::sqrt(v[i] - m[i] * m[i]) + eps;
    } else {
      denom = std::sqrt(v[i]) + eps;
    }
    if (momentum) {
      b[i] = mu * b[i] + d / denom;
      p[i] -= lr * b[i];
    } else {
      p[i] -= lr * (d / denom);
    }
  }
}

template class RMSprop<float>;
template class RMSprop<double>;

}  // namespace ad::optim

#include "optim/adam.h"

#include <cmath>

#include "optim/detail.h"

namespace ad::optim {

AdamOptions::AdamOptions(double lr) { this->lr(lr); }

AdamOptions::AdamOptions(double lr, double weight_decay, const char* who) : who_(who) {
  this->lr(lr);
  this->weight_decay(weight_decay);
}

AdamOptions& AdamOptions::lr(double v) {
  detail::check_lr(who_, v);
  lr_ = v;
  return *this;
}

AdamOptions& AdamOptions::betas(double beta1, double beta2) {
  detail::check_in_unit(who_, "beta1", beta1);
  detail::check_in_unit(who_, "beta2", beta2);
  beta1_ = beta1;
  beta2_ = beta2;
  return *this;
}

AdamOptions& AdamOptions::eps(double v) {
  detail::check_ge(who_, "eps", v, 0.0);
  eps_ = v;
  return *this;
}

AdamOptions& AdamOptions::weight_decay(double v) {
  detail::check_ge(who_, "weight decay", v, 0.0);
  weight_decay_ = v;
  return *this;
}

template <class T>
Adam<T>::Adam(std::vector<TensorT<T>> params, AdamOptions options)
    : Adam(std::move(params), options, /*decoupled_weight_decay=*/false, "Adam") {}

template <class T>
Adam<T>::Adam(std::vector<TensorT<T>> params, const AdamOptions& options, bool decoupled_weight_decay, const char* name)
    : Optimizer<T>(std::move(params), options.lr(), name), options_(options), decoupled_(decoupled_weight_decay) {
  this->add_state("exp_avg");
  this->add_state("exp_avg_sq");
}

template <class T>
void Adam<T>::update(std::size_t param, T* p, const T* g, std::size_t n, std::uint64_t step) {
  const auto [beta1, beta2] = options_.betas();
  // The bias corrections 1 - beta^t depend only on t, which all parameters usually share: two pow() calls per
  // step instead of per parameter (they cost as much as the whole update of a small bias vector).
  if (step != cached_step_) {
    cached_step_ = step;
    bias_correction1_ = 1.0 - std::pow(beta1, static_cast<double>(step));
    bias_correction2_ = 1.0 - std::pow(beta2, static_cast<double>(step));
  }
  const double bias_correction1 = bias_correction1_, bias_correction2 = bias_correction2_;
  const double lr = this->lr();
  const T step_size = static_cast<T>(lr / bias_correction1);
  const T bc2_sqrt = static_cast<T>(std::sqrt(bias_correction2));
  const T b1 = static_cast<T>(beta1), one_minus_b1 = static_cast<T>(1.0 - beta1);
  const T b2 = static_cast<T>(beta2), one_minus_b2 = static_cast<T>(1.0 - beta2);
  const T eps = static_cast<T>(options_.eps());
  // Adam: λ·p joins the gradient; AdamW: p shrinks by the factor 1 − lr·λ before the Adam step.
  const T l2 = decoupled_ ? T(0) : static_cast<T>(options_.weight_decay());
  const T shrink = decoupled_ ? static_cast<T>(1.0 - lr * options_.weight_decay()) : T(1);
  T* m = this->state(param, 0);
  T* v = this->state(param, 1);
  for (std::size_t i = 0; i < n; ++i) {
    const T d = g[i] + l2 * p[i];
    m[i] = b1 * m[i] + one_minus_b1 * d;
    v[i] = b2 * v[i] + one_minus_b2 * d * d;
    const T denom = std::sqrt(v[i]) / bc2_sqrt + eps;
    p[i] = p[i] * shrink - step_size * (m[i] / denom);
  }
}

template class Adam<float>;
template class Adam<double>;

}  // namespace ad::optim

#include "optim/adamw.h"

#include "optim/detail.h"

namespace ad::optim {

AdamWOptions::AdamWOptions(double lr) { this->lr(lr); }

AdamWOptions& AdamWOptions::lr(double v) {
  detail::check_ge("AdamWOptions", "learning rate", v, 0.0);
  lr_ = v;
  return *this;
}

AdamWOptions& AdamWOptions::betas(double beta1, double beta2) {
  detail::check_in_unit("AdamWOptions", "beta1", beta1);
  detail::check_in_unit("AdamWOptions", "beta2", beta2);
  beta1_ = beta1;
  beta2_ = beta2;
  return *this;
}

AdamWOptions& AdamWOptions::eps(double v) {
  detail::check_ge("AdamWOptions", "eps", v, 0.0);
  eps_ = v;
  return *this;
}

AdamWOptions& AdamWOptions::weight_decay(double v) {
  detail::check_ge("AdamWOptions", "weight decay", v, 0.0);
  weight_decay_ = v;
  return *this;
}

// The shared Adam rule with the decay decoupled from the gradient (see Adam<T>::update).
static AdamOptions as_adam_options(const AdamWOptions& o) {
  return AdamOptions(o.lr()).betas(o.betas().first, o.betas().second).eps(o.eps()).weight_decay(o.weight_decay());
}

template <class T>
AdamW<T>::AdamW(std::vector<TensorT<T>> params, AdamWOptions options)
    : Adam<T>(std::move(params), as_adam_options(options), /*decoupled_weight_decay=*/true, "AdamW"),
      options_(options) {}

template class AdamW<float>;
template class AdamW<double>;

}  // namespace ad::optim

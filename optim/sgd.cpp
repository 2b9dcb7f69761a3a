#include "optim/sgd.h"

#include "autodiff/error.h"
#include "optim/detail.h"

namespace ad::optim {

SGDOptions::SGDOptions(double lr) { this->lr(lr); }

SGDOptions& SGDOptions::lr(double v) {
  detail::check_lr("SGDOptions", v);
  lr_ = v;
  return *this;
}

SGDOptions& SGDOptions::momentum(double v) {
  detail::check_ge("SGDOptions", "momentum", v, 0.0);
  momentum_ = v;
  return *this;
}

SGDOptions& SGDOptions::kind(MomentumKind v) {
  kind_ = v;
  return *this;
}

SGDOptions& SGDOptions::nesterov(bool on) { return kind(on ? MomentumKind::Nesterov : MomentumKind::Classic); }

SGDOptions& SGDOptions::weight_decay(double v) {
  detail::check_ge("SGDOptions", "weight decay", v, 0.0);
  weight_decay_ = v;
  return *this;
}

template <class T>
SGD<T>::SGD(std::vector<TensorT<T>> params, SGDOptions options)
    : Optimizer<T>(std::move(params), options.lr(), "SGD"), options_(options) {
  if (options.kind() == MomentumKind::Nesterov && options.momentum() == 0.0)
    throw ValueError("SGD: Nesterov momentum needs momentum > 0, got 0");
  if (options.kind() == MomentumKind::Convex)
    detail::check_in_closed_unit("SGD", "momentum of the convex (EMA) form", options.momentum());
  if (options.momentum() != 0.0) this->add_state("momentum_buffer");
}

template <class T>
void SGD<T>::update(std::size_t param, T* p, const T* g, std::size_t n, std::uint64_t /*step*/) {
  const T lr = static_cast<T>(this->lr());
  const T wd = static_cast<T>(options_.weight_decay());
  const T mu = static_cast<T>(options_.momentum());
  if (options_.momentum() == 0.0) {
    for (std::size_t i = 0; i < n; ++i) p[i] -= lr * (g[i] + wd * p[i]);
    return;
  }
  T* b = this->state(param, 0);
  switch (options_.kind()) {
    case MomentumKind::Classic:
      for (std::size_t i = 0; i < n; ++i) {
        const T d = g[i] + wd * p[i];
        b[i] = mu * b[i] + d;
        p[i] -= lr * b[i];
      }
      break;
    case MomentumKind::Nesterov:
      for (std::size_t i = 0; i < n; ++i) {
        const T d = g[i] + wd * p[i];
        b[i] = mu * b[i] + d;
        p[i] -= lr * (d + mu * b[i]);
      }
      break;
    case MomentumKind::Convex: {
      const T one_minus_mu = T(1) - mu;
      for (std::size_t i = 0; i < n; ++i) {
        const T d = g[i] + wd * p[i];
        b[i] = mu * b[i] + one_minus_mu * d;
        p[i] -= lr * b[i];
      }
      break;
    }
  }
}

template class SGD<float>;
template class SGD<double>;

}  // namespace ad::optim

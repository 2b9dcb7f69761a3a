#include "optim/exponential_lr.h"

#include <cmath>

#include "optim/detail.h"

namespace ad::optim {

template <class T>
ExponentialLR<T>::ExponentialLR(Optimizer<T>& optimizer, double gamma)
    : LRScheduler<T>(optimizer, "ExponentialLR"), gamma_(gamma) {
  detail::check_ge("ExponentialLR", "gamma", gamma, 0.0);
}

template <class T>
double ExponentialLR<T>::lr_at(std::uint64_t epoch) const {
  return this->base_lr() * std::pow(gamma_, static_cast<double>(epoch));
}

template class ExponentialLR<float>;
template class ExponentialLR<double>;

}  // namespace ad::optim

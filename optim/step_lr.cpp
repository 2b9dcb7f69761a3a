#include "optim/step_lr.h"

#include <cmath>

#include "optim/detail.h"

namespace ad::optim {

template <class T>
StepLR<T>::StepLR(Optimizer<T>& optimizer, std::size_t step_size, double gamma)
    : LRScheduler<T>(optimizer, "StepLR"), step_size_(step_size), gamma_(gamma) {
  detail::check_ge("StepLR", "step_size", static_cast<double>(step_size), 1.0);
  detail::check_ge("StepLR", "gamma", gamma, 0.0);
}

template <class T>
double StepLR<T>::lr_at(std::uint64_t epoch) const {
  return this->base_lr() * std::pow(gamma_, static_cast<double>(epoch / step_size_));
}

template class StepLR<float>;
template class StepLR<double>;

}  // namespace ad::optim

#include "optim/cosine_annealing_lr.h"

#include <cmath>

#include "optim/detail.h"

namespace ad::optim {

template <class T>
CosineAnnealingLR<T>::CosineAnnealingLR(Optimizer<T>& optimizer, std::size_t T_max, double eta_min)
    : LRScheduler<T>(optimizer, "CosineAnnealingLR"), T_max_(T_max), eta_min_(eta_min) {
  detail::check_ge("CosineAnnealingLR", "T_max", static_cast<double>(T_max), 1.0);
  detail::check_ge("CosineAnnealingLR", "eta_min", eta_min, 0.0);
}

template <class T>
double CosineAnnealingLR<T>::lr_at(std::uint64_t epoch) const {
  const double pi = 3.14159265358979323846;
  const double phase = pi * static_cast<double>(epoch) / static_cast<double>(T_max_);
  return eta_min_ + (this->base_lr() - eta_min_) * (1.0 + std::cos(phase)) / 2.0;
}

template class CosineAnnealingLR<float>;
template class CosineAnnealingLR<double>;

}  // namespace ad::optim

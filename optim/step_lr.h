// StepLR: multiply the learning rate by gamma every step_size epochs.
//
//   lr(e) = base_lr · gamma^⌊e / step_size⌋
//
// Why: a piecewise-constant schedule, the classic recipe for SGD (e.g. divide by 10 at fixed epochs): a large rate
// makes fast progress early, a smaller one then settles into the minimum instead of bouncing around it.
#pragma once
#include <cstddef>

#include "optim/lr_scheduler.h"

namespace ad::optim {

template <class T = float>
class StepLR : public LRScheduler<T> {
 public:
  // Throws ValueError if step_size is 0 or gamma is negative or NaN.
  StepLR(Optimizer<T>& optimizer, std::size_t step_size, double gamma = 0.1);

  double lr_at(std::uint64_t epoch) const override;
  std::size_t step_size() const { return step_size_; }
  double gamma() const { return gamma_; }

 private:
  std::size_t step_size_;
  double gamma_;
};

}  // namespace ad::optim

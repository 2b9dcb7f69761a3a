// ExponentialLR: multiply the learning rate by gamma every epoch.
//
//   lr(e) = base_lr · gamma^e
//
// Why: a smooth geometric decay; the rate halves every ln 2 / ln(1/gamma) epochs.
#pragma once

#include "optim/lr_scheduler.h"

namespace ad::optim {

template <class T = float>
class ExponentialLR : public LRScheduler<T> {
 public:
  // Throws ValueError if gamma is negative or NaN.
  ExponentialLR(Optimizer<T>& optimizer, double gamma);

  double lr_at(std::uint64_t epoch) const override;
  double gamma() const { return gamma_; }

 private:
  double gamma_;
};

}  // namespace ad::optim

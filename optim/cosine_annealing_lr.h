// CosineAnnealingLR: anneal the learning rate from base_lr to eta_min along half a cosine over T_max epochs
// (Loshchilov & Hutter, SGDR, without restarts).
//
//   lr(e) = eta_min + (base_lr − eta_min) · (1 + cos(π·e / T_max)) / 2
//
// Why: the rate stays near base_lr for a while, falls fastest mid-way and flattens out near eta_min, spending
// more epochs at both ends than a linear decay. Past T_max the formula continues, as PyTorch's closed form does:
// the rate rises back to base_lr at e = 2·T_max (a period of 2·T_max), so set T_max to the length of training.
#pragma once
#include <cstddef>

#include "optim/lr_scheduler.h"

namespace ad::optim {

template <class T = float>
class CosineAnnealingLR : public LRScheduler<T> {
 public:
  // Throws ValueError if T_max is 0 or eta_min is negative or NaN.
  CosineAnnealingLR(Optimizer<T>& optimizer, std::size_t T_max, double eta_min = 0.0);

  double lr_at(std::uint64_t epoch) const override;
  std::size_t T_max() const { return T_max_; }
  double eta_min() const { return eta_min_; }

 private:
  std::size_t T_max_;
  double eta_min_;
};

}  // namespace ad::optim

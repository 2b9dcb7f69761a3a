// LRScheduler<T>: the base of the learning-rate schedules indexed by epoch (StepLR, ExponentialLR,
// CosineAnnealingLR), like torch.optim.lr_scheduler.LRScheduler.
//
// A schedule is a closed-form function lr(e) of the epoch e (the number of step() calls so far) and of base_lr, the
// optimizer's learning rate when the scheduler is created; lr(0) = base_lr. Call step() once per epoch, after that
// epoch's optimizer steps:
//
//   optim::SGD opt(params, 0.1);
//   optim::StepLR sched(opt, /*step_size=*/30, /*gamma=*/0.1);
//   for (int epoch = 0; epoch < 100; ++epoch) { train_one_epoch(opt); sched.step(); }
//
// step() sets the optimizer's learning rate to lr(e) (a rate set by hand in between is overwritten). Being closed
// form, the schedule depends only on (base_lr, e): its state dict holds exactly those two, "base_lr" (a real) and
// "last_epoch" (an integer). load_state_dict() restores them and sets the
// optimizer's learning rate to lr(last_epoch); the schedule's own parameters (step_size, gamma, ...) come from the
// constructor, as with the optimizers' options.
#pragma once
#include <cstdint>
#include <string>

#include "autodiff/state_dict.h"
#include "optim/optimizer.h"

namespace ad::optim {

template <class T = float>
class LRScheduler {
 public:
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;
  virtual ~LRScheduler() = default;

  // e ← e + 1, then the optimizer's learning rate ← lr(e).
  void step();
  // The learning rate this scheduler set last (base_lr before the first step()).
  double get_last_lr() const { return last_lr_; }
  std::uint64_t last_epoch() const { return last_epoch_; }
  double base_lr() const { return base_lr_; }
  // lr(e) for any epoch e, without changing anything.
  virtual double lr_at(std::uint64_t epoch) const = 0;
  Optimizer<T>& optimizer() const { return *optimizer_; }
  const std::string& name() const { return name_; }

  StateDict state_dict() const;
  // Throws ValueError on wrong names, kinds or values, having changed nothing.
  void load_state_dict(const StateDict& dict);

 protected:
  LRScheduler(Optimizer<T>& optimizer, std::string name);

 private:
  Optimizer<T>* optimizer_;
  std::string name_;
  double base_lr_;
  double last_lr_;
  std::uint64_t last_epoch_ = 0;
};

}  // namespace ad::optim

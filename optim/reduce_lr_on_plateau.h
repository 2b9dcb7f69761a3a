// ReduceLROnPlateau: multiply the learning rate by `factor` when a monitored metric (validation loss, accuracy)
// has stopped improving for more than `patience` epochs (like torch.optim.lr_scheduler.ReduceLROnPlateau).
//
// step(metric), once per epoch:
//   better = metric < best·(1 − threshold)     mode Min, ThresholdMode::Rel
//            metric < best − threshold         mode Min, ThresholdMode::Abs
//            metric > best·(1 + threshold)     mode Max, ThresholdMode::Rel
//            metric > best + threshold         mode Max, ThresholdMode::Abs
//   if better: best ← metric, bad ← 0   else bad ← bad + 1            (best starts at +∞ for Min, −∞ for Max)
//   if cooldown_counter > 0: cooldown_counter ← cooldown_counter − 1, bad ← 0
//   if bad > patience: lr ← max(lr·factor, min_lr) (only if that lowers it by more than eps),
//                      cooldown_counter ← cooldown, bad ← 0
//
// Why: the schedule follows the training instead of a fixed calendar. The threshold ignores improvements too small
// to matter (noise); the cooldown leaves the new rate a few epochs to show its effect before counting bad epochs
// again; min_lr and eps stop reductions that would no longer change anything. A NaN metric is never better.
//
// State dict: "last_epoch", "best", "num_bad_epochs", "cooldown_counter" (exact 64-bit scalars, see detail.h).
// The learning rate itself lives in the optimizer's state dict: load that first, then this one.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "autodiff/state_dict.h"
#include "optim/optimizer.h"

namespace ad::optim {

enum class PlateauMode { Min, Max };
enum class ThresholdMode { Rel, Abs };

// Setters throw ValueError on factor outside [0, 1), or a negative (or NaN) threshold, min_lr or eps.
class ReduceLROnPlateauOptions {
 public:
  ReduceLROnPlateauOptions() = default;

  ReduceLROnPlateauOptions& mode(PlateauMode v);
  ReduceLROnPlateauOptions& factor(double v);
  ReduceLROnPlateauOptions& patience(std::size_t v);
  ReduceLROnPlateauOptions& threshold(double v);
  ReduceLROnPlateauOptions& threshold_mode(ThresholdMode v);
  ReduceLROnPlateauOptions& cooldown(std::size_t v);
  ReduceLROnPlateauOptions& min_lr(double v);
  ReduceLROnPlateauOptions& eps(double v);

  PlateauMode mode() const { return mode_; }
  double factor() const { return factor_; }
  std::size_t patience() const { return patience_; }
  double threshold() const { return threshold_; }
  ThresholdMode threshold_mode() const { return threshold_mode_; }
  std::size_t cooldown() const { return cooldown_; }
  double min_lr() const { return min_lr_; }
  double eps() const { return eps_; }

 private:
  PlateauMode mode_ = PlateauMode::Min;
  double factor_ = 0.1;
  std::size_t patience_ = 10;
  double threshold_ = 1e-4;
  ThresholdMode threshold_mode_ = ThresholdMode::Rel;
  std::size_t cooldown_ = 0;
  double min_lr_ = 0.0;
  double eps_ = 1e-8;
};

template <class T = float>
class ReduceLROnPlateau {
 public:
  ReduceLROnPlateau(Optimizer<T>& optimizer, ReduceLROnPlateauOptions options = {});
  ReduceLROnPlateau(const ReduceLROnPlateau&) = delete;
  ReduceLROnPlateau& operator=(const ReduceLROnPlateau&) = delete;

  // One epoch's metric (see the rule above).
  void step(double metric);
  // The optimizer's learning rate after the last step() (its rate at construction before any).
  double get_last_lr() const { return last_lr_; }
  std::uint64_t last_epoch() const { return last_epoch_; }
  double best() const { return best_; }
  std::uint64_t num_bad_epochs() const { return num_bad_epochs_; }
  std::uint64_t cooldown_counter() const { return cooldown_counter_; }
  bool in_cooldown() const { return cooldown_counter_ > 0; }
  const ReduceLROnPlateauOptions& options() const { return options_; }
  Optimizer<T>& optimizer() const { return *optimizer_; }

  StateDict state_dict() const;
  // Throws ValueError / ShapeError on wrong names, shapes or values, having changed nothing.
  void load_state_dict(const StateDict& dict);

 private:
  bool is_better(double metric) const;

  Optimizer<T>* optimizer_;
  ReduceLROnPlateauOptions options_;
  double best_;
  double last_lr_;
  std::uint64_t last_epoch_ = 0;
  std::uint64_t num_bad_epochs_ = 0;
  std::uint64_t cooldown_counter_ = 0;
};

}  // namespace ad::optim

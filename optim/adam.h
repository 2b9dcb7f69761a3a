// Adam: momentum on the gradient and RMSprop-style scaling, both bias-corrected (Kingma & Ba 2015).
//
// Each step t (t = 1, 2, ... for this parameter), with g = ∇f(p) + λ·p (λ = weight_decay, L2 added to the gradient):
//
//   m ← β1·m + (1 − β1)·g                  ("exp_avg")
//   v ← β2·v + (1 − β2)·g²                 ("exp_avg_sq")
//   m̂ = m / (1 − β1^t),  v̂ = v / (1 − β2^t)
//   p ← p − lr · m̂ / (√v̂ + ε)
//
// Why: m is a smoothed gradient (momentum), v a smoothed squared gradient, so the step is roughly lr times the
// gradient's sign-to-noise ratio per coordinate: invariant to the gradient's scale and bounded by about lr. m and v
// start at zero, which biases them toward zero early on; dividing by 1 − β^t (the total weight of the average so far)
// removes that bias, so the first step is exactly lr·g/(|g| + ε) rather than a step shrunk by 1 − β1.
// Computed as PyTorch does: p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε).
//
// L2 weight decay added to the gradient is rescaled by √v̂ like the rest of the gradient, so it does not act as a
// plain shrinkage of the weights; AdamW (adamw.h) applies the decay to the weights directly instead.
#pragma once
#include <initializer_list>
#include <utility>
#include <vector>

#include "optim/optimizer.h"

namespace ad::optim {

// Setters throw ValueError on a negative (or NaN) learning rate, eps or weight decay, or betas outside [0, 1).
class AdamOptions {
 public:
  AdamOptions(double lr = 1e-3);  // implicit, so Adam(params, 1e-2) works

  AdamOptions& lr(double v);
  AdamOptions& betas(double beta1, double beta2);
  AdamOptions& eps(double v);
  AdamOptions& weight_decay(double v);

  double lr() const { return lr_; }
  std::pair<double, double> betas() const { return {beta1_, beta2_}; }
  double eps() const { return eps_; }
  double weight_decay() const { return weight_decay_; }

 protected:
  // For AdamWOptions: the same settings with another default weight decay and name in error messages.
  AdamOptions(double lr, double weight_decay, const char* who);

 private:
  const char* who_ = "AdamOptions";
  double lr_ = 1e-3;
  double beta1_ = 0.9;
  double beta2_ = 0.999;
  double eps_ = 1e-8;
  double weight_decay_ = 0.0;
};

template <class T = float>
class Adam : public Optimizer<T> {
 public:
  Adam(std::vector<TensorT<T>> params, AdamOptions options = {});

  // The options given to the constructor; the current learning rate is lr().
  const AdamOptions& options() const { return options_; }

 protected:
  // For AdamW: the same moments, with the weight decay applied to p (decoupled) instead of added to g.
  Adam(std::vector<TensorT<T>> params, const AdamOptions& options, bool decoupled_weight_decay, const char* name);
  void update(std::size_t param, T* p, const T* g, std::size_t n, std::uint64_t step) override;

 private:
  AdamOptions options_;
  bool decoupled_ = false;
  // 1 - beta1^t and 1 - beta2^t for t = cached_step_ (options_ are fixed after construction).
  std::uint64_t cached_step_ = 0;
  double bias_correction1_ = 0, bias_correction2_ = 0;
};

// Deduces T from a braced list of parameters too: Adam opt({w, b}, ...).
template <class T>
Adam(std::initializer_list<TensorT<T>>, AdamOptions = {}) -> Adam<T>;

}  // namespace ad::optim

// AdamW: Adam with decoupled weight decay (Loshchilov & Hutter 2019).
//
// Each step t, with g = ∇f(p) (the weight decay λ is NOT added to the gradient):
//
//   p ← p · (1 − lr·λ)                     (decay applied to the weights directly)
//   m ← β1·m + (1 − β1)·g                  ("exp_avg")
//   v ← β2·v + (1 − β2)·g²                 ("exp_avg_sq")
//   p ← p − lr · m̂ / (√v̂ + ε),  m̂ = m / (1 − β1^t),  v̂ = v / (1 − β2^t)
//
// Why: in Adam an L2 term λ·p added to g is divided by √v̂ like the rest of the gradient, so weights with large
// gradients are barely regularised and the decay's strength is tangled with the adaptive scaling. AdamW shrinks every
// weight by the same factor 1 − lr·λ (what weight decay means for plain SGD) and keeps m and v free of the penalty.
// Default λ = 0.01, as in PyTorch. The state dict has the same entries as Adam's.
#pragma once
#include <utility>
#include <initializer_list>
#include <vector>

#include "optim/adam.h"

namespace ad::optim {

// Setters throw ValueError on a negative (or NaN) learning rate, eps or weight decay, or betas outside [0, 1).
class AdamWOptions {
 public:
  AdamWOptions(double lr = 1e-3);  // implicit, so AdamW(params, 1e-2) works

  AdamWOptions& lr(double v);
  AdamWOptions& betas(double beta1, double beta2);
  AdamWOptions& eps(double v);
  AdamWOptions& weight_decay(double v);

  double lr() const { return lr_; }
  std::pair<double, double> betas() const { return {beta1_, beta2_}; }
  double eps() const { return eps_; }
  double weight_decay() const { return weight_decay_; }

 private:
  double lr_ = 1e-3;
  double beta1_ = 0.9;
  double beta2_ = 0.999;
  double eps_ = 1e-8;
  double weight_decay_ = 1e-2;
};

template <class T = float>
class AdamW : public Adam<T> {
 public:
  AdamW(std::vector<TensorT<T>> params, AdamWOptions options = {});

  // The options given to the constructor; the current learning rate is lr().
  const AdamWOptions& options() const { return options_; }

 private:
  AdamWOptions options_;
};

// Deduces T from a braced list of parameters too: AdamW opt({w, b}, ...).
template <class T>
AdamW(std::initializer_list<TensorT<T>>, AdamWOptions = {}) -> AdamW<T>;

}  // namespace ad::optim

// Adagrad: per-coordinate learning rates from the accumulated squared gradients (Duchi, Hazan & Singer 2011).
//
// Each step t (t = 1, 2, ... for this parameter), with g = ∇f(p) + λ·p (λ = weight_decay, L2 added to the gradient):
//
//   lr_t = lr / (1 + (t − 1)·lr_decay)
//   s    ← s + g²                          (s starts at initial_accumulator_value; "sum" in the state dict)
//   p    ← p − lr_t · g / (√s + ε)
//
// Why: a coordinate that has seen large gradients gets small steps and a rarely excited one keeps large steps, so
// badly scaled coordinates are evened out without tuning a rate per coordinate. Because s only grows, the effective
// rate decays like 1/√t: fine for convex problems, often too fast for long non-convex training (RMSprop's fix).
// This is PyTorch's rule (ε outside the root, default 1e-10); the course writes (s + 1e-8)^(−1/2), ε inside.
#pragma once
#include <initializer_list>
#include <vector>

#include "optim/optimizer.h"

namespace ad::optim {

// Setters throw ValueError on a negative (or NaN) value.
class AdagradOptions {
 public:
  AdagradOptions(double lr = 1e-2);  // implicit, so Adagrad(params, 0.1) works

  AdagradOptions& lr(double v);
  AdagradOptions& lr_decay(double v);
  AdagradOptions& weight_decay(double v);
  AdagradOptions& initial_accumulator_value(double v);
  AdagradOptions& eps(double v);

  double lr() const { return lr_; }
  double lr_decay() const { return lr_decay_; }
  double weight_decay() const { return weight_decay_; }
  double initial_accumulator_value() const { return initial_accumulator_value_; }
  double eps() const { return eps_; }

 private:
  double lr_ = 1e-2;
  double lr_decay_ = 0.0;
  double weight_decay_ = 0.0;
  double initial_accumulator_value_ = 0.0;
  double eps_ = 1e-10;
};

template <class T = float>
class Adagrad : public Optimizer<T> {
 public:
  Adagrad(std::vector<TensorT<T>> params, AdagradOptions options = {});

  // The options given to the constructor; the current learning rate is lr().
  const AdagradOptions& options() const { return options_; }

 protected:
  void update(std::size_t param, T* p, const T* g, std::size_t n, std::uint64_t step) override;

 private:
  AdagradOptions options_;
};

// Deduces T from a braced list of parameters too: Adagrad opt({w, b}, ...).
template <class T>
Adagrad(std::initializer_list<TensorT<T>>, AdagradOptions = {}) -> Adagrad<T>;

}  // namespace ad::optim

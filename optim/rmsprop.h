// RMSprop: divide each coordinate's step by a running root mean square of its recent gradients (Hinton 2012).
//
// Each step, with g = ∇f(p) + λ·p (λ = weight_decay, L2 added to the gradient) and α = alpha:
//
//   v ← α·v + (1 − α)·g²                      ("square_avg")
//   centered:   m ← α·m + (1 − α)·g;  d = √(v − m²) + ε      ("grad_avg", only when centered)
//   otherwise:  d = √v + ε
//   momentum μ > 0:  b ← μ·b + g/d;  p ← p − lr·b             ("momentum_buffer", only when μ > 0)
//   otherwise:       p ← p − lr·g/d
//
// All buffers start at zero. Why: like Adagrad the step is normalised per coordinate by the gradient's scale, but the
// scale is an exponential moving average over roughly 1/(1 − α) steps instead of a sum over all of them, so the
// effective rate adapts to the current region instead of decaying forever. The centered variant normalises by an
// estimate of the gradient's variance instead of its raw second moment. This is PyTorch's rule; the course's version
// keeps one scalar v per weight tensor (the squared norm of its gradient), starts it at 1 and has no ε.
#pragma once
#include <initializer_list>
#include <vector>

#include "optim/optimizer.h"

namespace ad::optim {

// Setters throw ValueError on a negative (or NaN) value, or alpha outside [0, 1).
class RMSpropOptions {
 public:
  RMSpropOptions(double lr = 1e-2);  // implicit, so RMSprop(params, 1e-3) works

  RMSpropOptions& lr(double v);
  RMSpropOptions& alpha(double v);
  RMSpropOptions& eps(double v);
  RMSpropOptions& weight_decay(double v);
  RMSpropOptions& momentum(double v);
  RMSpropOptions& centered(bool on);

  double lr() const { return lr_; }
  double alpha() const { return alpha_; }
  double eps() const { return eps_; }
  double weight_decay() const { return weight_decay_; }
  double momentum() const { return momentum_; }
  bool centered() const { return centered_; }

 private:
  double lr_ = 1e-2;
  double alpha_ = 0.99;
  double eps_ = 1e-8;
  double weight_decay_ = 0.0;
  double momentum_ = 0.0;
  bool centered_ = false;
};

template <class T = float>
class RMSprop : public Optimizer<T> {
 public:
  RMSprop(std::vector<TensorT<T>> params, RMSpropOptions options = {});

  // The options given to the constructor; the current learning rate is lr().
  const RMSpropOptions& options() const { return options_; }

 protected:
  void update(std::size_t param, T* p, const T* g, std::size_t n, std::uint64_t step) override;

 private:
  RMSpropOptions options_;
  std::size_t square_avg_ = 0, momentum_buffer_ = 0, grad_avg_ = 0;  // state buffer indices
};

// Deduces T from a braced list of parameters too: RMSprop opt({w, b}, ...).
template <class T>
RMSprop(std::initializer_list<TensorT<T>>, RMSpropOptions = {}) -> RMSprop<T>;

}  // namespace ad::optim

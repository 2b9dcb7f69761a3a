// SGD: (stochastic) gradient descent, plain or with one of three momentum rules.
//
// Each step, with g = ∇f(p) + λ·p (λ = weight_decay: the gradient of the L2 penalty λ/2·|p|², added to the
// gradient) and μ = momentum:
//
//   momentum 0 (plain gradient descent)   p ← p − lr·g
//   MomentumKind::Classic (heavy ball)    b ← μ·b + g            p ← p − lr·b
//   MomentumKind::Nesterov                b ← μ·b + g            p ← p − lr·(g + μ·b)
//   MomentumKind::Convex                  b ← μ·b + (1 − μ)·g    p ← p − lr·b
//
// The buffer b ("momentum_buffer" in the state dict, present only when μ > 0) starts at zero, so the first step
// takes b = g (Classic, Nesterov: PyTorch's first step) or b = (1 − μ)·g (Convex).
//
// Why momentum: along a direction where the gradient keeps its sign the steps add up (Classic reaches lr·g/(1 − μ)),
// while components that flip sign from step to step cancel, which damps the zig-zag across narrow valleys.
// Classic and Nesterov are PyTorch's rules (dampening 0): Nesterov adds the look-ahead term μ·b, the gradient
// correction of Nesterov's accelerated method rewritten in terms of the current parameters. Convex is the course's
// convex combination ΔW_t = (1 − η)·ΔW_{t−1} + η·∇ with η = 1 − μ (the course's eta = 0.7 is momentum(0.3)):
// b is an exponential moving average of the gradients, so the step keeps the scale of lr·g whatever μ is and the
// learning rate needs no retuning when μ changes.
#pragma once
#include <initializer_list>
#include <vector>

#include "optim/optimizer.h"

namespace ad::optim {

enum class MomentumKind { Classic, Nesterov, Convex };

// Options with fluent setters: SGDOptions(0.1).momentum(0.9).kind(MomentumKind::Nesterov). Setters throw
// ValueError on a negative (or NaN) learning rate, momentum or weight decay.
class SGDOptions {
 public:
  SGDOptions(double lr = 1e-3);  // implicit, so SGD(params, 0.1) works

  SGDOptions& lr(double v);
  SGDOptions& momentum(double v);
  SGDOptions& kind(MomentumKind v);
  SGDOptions& nesterov(bool on);  // kind(Nesterov) or kind(Classic), as LibTorch's nesterov flag
  SGDOptions& weight_decay(double v);

  double lr() const { return lr_; }
  double momentum() const { return momentum_; }
  MomentumKind kind() const { return kind_; }
  bool nesterov() const { return kind_ == MomentumKind::Nesterov; }
  double weight_decay() const { return weight_decay_; }

 private:
  double lr_ = 1e-3;
  double momentum_ = 0.0;
  MomentumKind kind_ = MomentumKind::Classic;
  double weight_decay_ = 0.0;
};

template <class T = float>
class SGD : public Optimizer<T> {
 public:
  // Besides the option checks: throws ValueError if Nesterov has momentum 0 (it would be plain descent, as PyTorch
  // refuses too) or Convex has momentum > 1 (1 − μ would be negative).
  SGD(std::vector<TensorT<T>> params, SGDOptions options = {});

  // The options given to the constructor; the current learning rate is lr().
  const SGDOptions& options() const { return options_; }

 protected:
  void update(std::size_t param, T* p, const T* g, std::size_t n, std::uint64_t step) override;

 private:
  SGDOptions options_;
};

// Deduces T from a braced list of parameters too: SGD opt({w, b}, ...).
template <class T>
SGD(std::initializer_list<TensorT<T>>, SGDOptions = {}) -> SGD<T>;

}  // namespace ad::optim

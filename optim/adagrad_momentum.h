// AdagradMomentum: Adagrad's per-coordinate scaling with momentum on the scaled step (the course's AdagradMomentum
// scheduler, FYS-STK4155 lecture notes, "Building an object-oriented neural network code").
//
// Each step, with g = ∇f(p) + λ·p (λ = weight_decay, L2 added to the gradient) and μ = momentum:
//
//   G ← G + g²                          (elementwise, summed over all steps; "sum" in the state dict)
//   v ← μ·v + lr · g / (√G + ε)         ("momentum_buffer", only when μ > 0)
//   p ← p − v
//
// G and v start at zero. Why: Adagrad evens out badly scaled coordinates, but its steps shrink like 1/√t because G
// only grows; the momentum buffer adds up the scaled steps along a direction where the gradient keeps its sign (up to
// 1/(1 − μ) times one step) and cancels components that flip sign from step to step, which damps the zig-zag across
// narrow valleys. With μ = 0 it is Adagrad with ε outside the square root: optim::Adagrad with lr_decay 0 and the
// same eps, step for step (the course's plain Adagrad writes (G + 1e-8)^(−1/2), ε inside).
// The course's code accumulates the matrix G ← G + g gᵀ and divides by δ + √diag(G) (δ = 1e-8): for a weight matrix
// that is one accumulator per row, the row's sum of squares over all its columns, shared by the whole row. This
// library keeps one accumulator per element, like torch.optim.Adagrad and optim::Adagrad; the two agree on a
// parameter of shape (n, 1).
#pragma once
#include <initializer_list>
#include <vector>

#include "optim/optimizer.h"

namespace ad::optim {

// Options with fluent setters: AdagradMomentumOptions(0.01).momentum(0.9). Setters throw ValueError on a negative
// (or NaN) value.
class AdagradMomentumOptions {
 public:
  AdagradMomentumOptions(double lr = 1e-2);  // implicit, so AdagradMomentum(params, 0.1) works

  AdagradMomentumOptions& lr(double v);
  AdagradMomentumOptions& momentum(double v);
  AdagradMomentumOptions& eps(double v);
  AdagradMomentumOptions& weight_decay(double v);

  double lr() const { return lr_; }
  double momentum() const { return momentum_; }
  double eps() const { return eps_; }
  double weight_decay() const { return weight_decay_; }

 private:
  double lr_ = 1e-2;
  double momentum_ = 0.9;
  double eps_ = 1e-8;
  double weight_decay_ = 0.0;
};

template <class T = float>
class AdagradMomentum : public Optimizer<T> {
 public:
  AdagradMomentum(std::vector<TensorT<T>> params, AdagradMomentumOptions options = {});

  // The options given to the constructor; the current learning rate is lr().
  const AdagradMomentumOptions& options() const { return options_; }

 protected:
  void update(std::size_t param, T* p, const T* g, std::size_t n, std::uint64_t step) override;

 private:
  AdagradMomentumOptions options_;
  std::size_t sum_ = 0, momentum_buffer_ = 0;  // state buffer indices
};

// Deduces T from a braced list of parameters too: AdagradMomentum opt({w, b}, ...).
template <class T>
AdagradMomentum(std::initializer_list<TensorT<T>>, AdagradMomentumOptions = {}) -> AdagradMomentum<T>;

}  // namespace ad::optim

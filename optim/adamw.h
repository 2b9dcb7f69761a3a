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
#include <initializer_list>
#include <utility>
#include <vector>

#include "optim/adam.h"

namespace ad::optim {

// AdamW's options are Adam's (same setters and validation) with weight decay 0.01 by default, as in PyTorch.
class AdamWOptions : public AdamOptions {
 public:
  AdamWOptions(double lr = 1e-3) : AdamOptions(lr, 1e-2, "AdamWOptions") {}  // implicit: AdamW(params, 1e-2)
};

template <class T = float>
class AdamW : public Adam<T> {
 public:
  AdamW(std::vector<TensorT<T>> params, AdamOptions options = AdamWOptions());
  // AdamW(params, 1e-2): a bare learning rate gets AdamW's defaults (weight decay 0.01), not Adam's.
  AdamW(std::vector<TensorT<T>> params, double lr) : AdamW(std::move(params), AdamWOptions(lr)) {}
};

// Deduces T from a braced list of parameters too: AdamW opt({w, b}, ...).
template <class T>
AdamW(std::initializer_list<TensorT<T>>, AdamOptions = AdamWOptions()) -> AdamW<T>;

}  // namespace ad::optim

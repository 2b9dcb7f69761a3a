// Gradient clipping, applied between backward() and step() (like torch.nn.utils.clip_grad_*_).
// Both modify the gradients of `params` in place and skip parameters that have no gradient.
//
//   loss.backward();
//   double norm = optim::clip_grad_norm_(params, 1.0);   // the norm before clipping, worth logging
//   opt.step();
#pragma once
#include <limits>
#include <vector>

#include "autodiff/tensor.h"

namespace ad::optim {

// g ← clamp(g, −clip_value, clip_value) elementwise. Bounds each coordinate's step but changes the gradient's
// direction. Throws ValueError if clip_value is negative or NaN.
template <class T>
void clip_grad_value_(const std::vector<TensorT<T>>& params, double clip_value);

// Rescales all gradients together so that their global norm is at most max_norm, keeping their direction:
//
//   total = (Σ over every gradient element of |g|^q)^(1/q)     q = norm_type (2: Euclidean; infinity: max |g|)
//   if total > max_norm:  g ← g · max_norm / (total + 1e-6)    (the 1e-6, as in PyTorch, guards total ≈ 0)
//
// The norm is taken over all parameters at once (as if their gradients were concatenated into one vector), not per
// tensor, so the relative sizes of the layers' gradients are preserved. Returns `total`, the norm before clipping,
// accumulated in double. A NaN or infinite total leaves the gradients unchanged (scaling would only spread the NaN);
// check the returned value to catch it. Throws ValueError if max_norm is negative or norm_type is not positive.
template <class T>
double clip_grad_norm_(const std::vector<TensorT<T>>& params, double max_norm, double norm_type = 2.0);

}  // namespace ad::optim

// Gradient checking: compares the Jacobian computed by backward() with central finite differences,
//   J_num[i][j] = (f_i(x + eps e_j) - f_i(x - eps e_j)) / (2 eps),
// element by element, passing where |J - J_num| <= atol + rtol |J_num|. Use double precision (TensorD):
// central differences have error O(eps^2) + O(machine eps / eps), ~1e-10 in double with eps = 1e-6. In float the
// rounding term is ~1e-7 / eps: with the default eps = 1e-6 the numeric Jacobian is mostly noise, and no eps makes it
// better than ~1e-3. gradcheck<float> still runs (it may pass on gentle functions with a large eps and loose
// tolerances), but its result carries a `warning` saying so; the library prints nothing itself.
//
//   auto x = TensorD::randn({3, 4}, true);
//   auto r = gradcheck<double>([](const std::vector<TensorD>& v) { return tanh(v[0]).sum(1); }, {x});
//   if (!r.ok) std::cerr << r.report;
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "autodiff/grad.h"
#include "autodiff/tensor.h"

namespace ad {

struct GradcheckOptions {
  double eps = 1e-6;   // finite-difference step
  double atol = 1e-5;  // absolute tolerance
  double rtol = 1e-3;  // relative tolerance
};

struct GradcheckResult {
  bool ok = true;
  double max_abs_error = 0;  // largest |analytic - numeric| over all Jacobian entries
  std::size_t checked = 0;   // number of Jacobian entries compared
  std::string report;        // on failure: the worst entry (input, element, output, both values)
  // Non-empty when the check is unreliable whatever its outcome: for gradcheck<float>, "gradcheck<float>: float is
  // too coarse for finite differences ...; use double inputs (TensorD, gradcheck<double>)". Also appended to report.
  std::string warning;
  explicit operator bool() const { return ok; }
};

// Checks d f(inputs) / d inputs for every input that requires grad. f must be deterministic and must not modify
// its inputs. The inputs' values are perturbed during the check and restored afterwards; their .grad is reset.
template <class T>
GradcheckResult gradcheck(const std::function<TensorT<T>(const std::vector<TensorT<T>>&)>& f,
                          const std::vector<TensorT<T>>& inputs, const GradcheckOptions& options = {});

// Second order (torch.autograd.gradgradcheck): checks the gradient of the gradient. With random v of f's output
// shape (or the given grad_outputs), the function (inputs, v) -> ad::grad(f(inputs), inputs, v, create_graph) (the
// gradients of the inputs that require grad, flattened and concatenated; zeros where the output does not depend on
// an input) goes through gradcheck, comparing its backward, which runs through the recorded first-order backward of
// every op, with finite differences of the analytic gradient. Checks d2f/dx2 and d2f/(dx dv).
template <class T>
GradcheckResult gradgradcheck(const std::function<TensorT<T>(const std::vector<TensorT<T>>&)>& f,
                              const std::vector<TensorT<T>>& inputs, const GradcheckOptions& options = {},
                              const TensorT<T>& grad_outputs = {});

}  // namespace ad

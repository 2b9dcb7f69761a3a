// LBFGS: limited-memory BFGS, a quasi-Newton method (Nocedal 1980; Liu & Nocedal 1989), as torch.optim.LBFGS of
// PyTorch 1.13, step for step: the same iterations, tests, counters and line search, the same roundings (below).
//
// All parameters form one flat vector x (in the order given, each parameter's values in order; a parameter that has
// no gradient contributes zeros to the gradient g). L-BFGS keeps the last m pairs (s_k, y_k), m <= history_size,
//
//   s_k = x_{k+1} − x_k = t_k·d_k   (the step taken)      y_k = g_{k+1} − g_k   (the change of the gradient it caused)
//
// and moves along d = −H·g, where H approximates the inverse Hessian without being formed: the two-loop recursion
//
//   q ← −g;  for k = newest … oldest:  α_k = ρ_k·s_kᵀq,  q ← q − α_k·y_k          (ρ_k = 1 / y_kᵀs_k)
//   r ← γ·q  (γ = y_kᵀs_k / y_kᵀy_k of the newest pair: the scale of the initial H0 = γ·I)
//   for k = oldest … newest:  β_k = ρ_k·y_kᵀr,  r ← r + (α_k − β_k)·s_k;   d = r
//
// applies BFGS's rank-two updates to H0 one pair at a time (O(m·n) work, 2·m·n memory). A pair enters the history
// only when y_kᵀs_k > 1e-10 (positive curvature keeps H positive definite, so d is a descent direction); the oldest
// pair is dropped when history_size are kept. The first iteration ever is steepest descent, d = −g, with step
// t = min(1, 1/‖g‖₁)·lr; later iterations take t = lr, or the step of the line search.
//
// step(closure) runs up to max_iter such iterations (it is a whole optimisation run, not one update). The closure
// must clear the gradients, compute the loss, call backward() and return the loss; LBFGS calls it whenever it needs
// f and g at the current parameters (always with gradient recording on, even under a NoGradGuard):
//
//   optim::LBFGS<double> opt({x, y}, optim::LBFGSOptions().line_search_fn("strong_wolfe"));
//   auto closure = [&] { opt.zero_grad(); TensorD loss = f(x, y); loss.backward(); return loss.item(); };
//   for (int i = 0; i < 10; ++i) opt.step(closure);
//
// One step(): evaluate f, g (1 evaluation). Stop at once if max|g| <= tolerance_grad. Then per iteration: the
// direction d (above), the step length t, and stop if the directional derivative gᵀd > −tolerance_change. Then
//  - line_search_fn "" (none): x ← x + t·d, and re-evaluate f, g unless this was the last iteration (max_iter);
//  - line_search_fn "strong_wolfe": search t along d for the strong Wolfe conditions
//      f(x + t·d) <= f(x) + c1·t·gᵀd   and   |g(x + t·d)ᵀd| <= c2·|gᵀd|      (c1 = 1e-4, c2 = 0.9),
//    bracketing then zooming with safeguarded cubic interpolation (at most 25 evaluations after the first; the
//    zoom ends when the bracket is shorter than 1e-9 / max|d|: PyTorch does not pass tolerance_change to its line
//    search), and take x ← x + t·d.
// After each iteration it stops, in this order: after max_iter iterations; once this step() has made max_eval or
// more evaluations (checked only here, so a line search can overshoot it); when max|g| <= tolerance_grad; when
// max|t·d| <= tolerance_change; when |f − f_previous| < tolerance_change.
//
// step() returns the loss of its first evaluation (at the parameters it started from), as PyTorch does.
//
// Scalar type: float or double as the other optimizers. With float, the scalars PyTorch holds as 0-d float32 tensors
// (dot products, ρ, γ, gᵀd, the line search's arithmetic with them) are float and the others (losses, Python
// numbers) double, as in PyTorch. Tensor.add_(v, alpha) is fused (one rounding), as PyTorch's kernel. Dot products
// are OpenBLAS's ?dot, as torch.dot's, so both libraries round them alike on one machine whatever kernels OpenBLAS
// picked for it. ‖g‖₁ is summed in the order of PyTorch's single-threaded CPU sum with 256-bit vectors (its AVX2 and
// default kernels); PyTorch splits sums of more than 32768 elements across threads, so beyond that the first step
// length may differ in its last bits.
//
// Not an Optimizer<T> subclass: Optimizer::step() updates each parameter on its own from its gradient, while LBFGS
// needs the loss again at trial points and couples all parameters through its history. The learning-rate
// schedulers, which take an Optimizer<T>&, do not apply; set_lr() can be called between steps.
//
// state_dict(): the global state PyTorch keeps (under its first parameter, hence "state.0."): "lr" (a real),
// "state.0.func_evals" and "state.0.n_iter" (integers: evaluations and iterations over all step() calls), and once
// an iteration has run: "state.0.d" (the last direction), "state.0.t" (its step length, a real),
// "state.0.old_dirs.<k>" and "state.0.old_stps.<k>" (y_k and s_k, oldest first, k < m), "state.0.ro.<k>" (ρ_k, 0-d
// tensors), "state.0.H_diag" (γ, a real), "state.0.prev_flat_grad" (g at the last iteration's start),
// "state.0.prev_loss" (f there, a real), and from the second iteration on "state.0.al.<k>" (the α_k of the last
// two-loop, 0-d tensors; overwritten before they are read, kept as PyTorch keeps them). Flat vectors are 1-D
// tensors of the total parameter count. load_state_dict() restores it into an LBFGS over parameters of the same
// total size, after which step() continues bit for bit; it throws ValueError (names, values, a history longer than
// history_size) or ShapeError (shapes), having changed nothing.
#pragma once
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "autodiff/state_dict.h"
#include "autodiff/tensor.h"

namespace ad::optim {

// PyTorch's defaults. Setters throw ValueError naming the option: a negative, infinite or NaN learning rate;
// max_iter, max_eval or history_size below 1; a negative (or NaN) tolerance; a line search other than "" / "none"
// (no line search) and "strong_wolfe".
class LBFGSOptions {
 public:
  LBFGSOptions(double lr = 1.0);  // implicit, so LBFGS(params, 0.5) works

  LBFGSOptions& lr(double v);
  LBFGSOptions& max_iter(int v);
  LBFGSOptions& max_eval(int v);  // default: max_iter * 5 / 4 (integer division)
  LBFGSOptions& tolerance_grad(double v);
  LBFGSOptions& tolerance_change(double v);
  LBFGSOptions& history_size(int v);
  LBFGSOptions& line_search_fn(const std::string& v);

  double lr() const { return lr_; }
  int max_iter() const { return max_iter_; }
  int max_eval() const { return max_eval_ > 0 ? max_eval_ : max_iter_ * 5 / 4; }
  double tolerance_grad() const { return tolerance_grad_; }
  double tolerance_change() const { return tolerance_change_; }
  int history_size() const { return history_size_; }
  const std::string& line_search_fn() const { return line_search_fn_; }  // "" or "strong_wolfe"

 private:
  double lr_ = 1.0;
  int max_iter_ = 20;
  int max_eval_ = 0;  // 0: not set, derived from max_iter
  double tolerance_grad_ = 1e-7;
  double tolerance_change_ = 1e-9;
  int history_size_ = 100;
  std::string line_search_fn_;
};

template <class T = float>
class LBFGS {
 public:
  using value_type = T;

  // Throws ValueError if the list is empty, or a parameter is undefined, not a leaf, or given twice.
  LBFGS(std::vector<TensorT<T>> params, LBFGSOptions options = {});
  LBFGS(const LBFGS&) = delete;
  LBFGS& operator=(const LBFGS&) = delete;

  // Up to max_iter L-BFGS iterations (see above); returns the loss the closure returned first.
  T step(const std::function<T()>& closure);
  // Drops the gradients (set_to_none, the default) or fills them with zeros.
  void zero_grad(bool set_to_none = true);

  // The learning rate of the next step(); set_lr throws ValueError on a negative, infinite or NaN rate.
  double lr() const { return lr_; }
  void set_lr(double lr);

  const std::vector<TensorT<T>>& params() const { return params_; }
  const LBFGSOptions& options() const { return options_; }  // as given; the current learning rate is lr()
  const std::string& name() const { return name_; }         // "LBFGS"
  // Closure evaluations and iterations over all step() calls (PyTorch's state "func_evals" and "n_iter").
  std::int64_t func_evals() const { return func_evals_; }
  std::int64_t n_iter() const { return n_iter_; }

  StateDict state_dict() const;
  void load_state_dict(const StateDict& dict);

 private:
  std::vector<T> gather_flat_grad() const;
  void add_to_params(double t, const std::vector<T>& d);  // x ← x + t·d
  void set_params(const std::vector<T>& x);               // x ← given flat values

  std::vector<TensorT<T>> params_;
  LBFGSOptions options_;
  double lr_;
  std::string name_ = "LBFGS";
  std::size_t numel_ = 0;  // length of the flat vector

  // PyTorch's state (names as in its state dict).
  std::int64_t func_evals_ = 0;
  std::int64_t n_iter_ = 0;
  std::vector<T> d_;                                 // last direction (empty before the first iteration)
  double t_ = 0;                                     // its step length
  std::vector<std::vector<T>> old_dirs_, old_stps_;  // y_k, s_k, oldest first
  std::vector<T> ro_;                                // ρ_k
  T h_diag_ = T(1);                                  // γ
  std::vector<T> prev_flat_grad_;
  double prev_loss_ = 0;
  std::vector<T> al_;  // α_k, history_size of them once created (second iteration)
};

// Deduces T from a braced list of parameters too: LBFGS opt({x, y}, ...).
template <class T>
LBFGS(std::initializer_list<TensorT<T>>, LBFGSOptions = {}) -> LBFGS<T>;

}  // namespace ad::optim

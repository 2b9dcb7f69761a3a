#include "optim/lbfgs.h"

#include <cblas.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "autodiff/error.h"
#include "autodiff/tape.h"
#include "optim/detail.h"

// Rounding: this file is compiled with -ffp-contract=off (optim/CMakeLists.txt), so every a·b + c below rounds twice
// unless written std::fma, which is where PyTorch's kernels fuse (Tensor.add_(other, alpha) computes
// fma(alpha, other, self), on its scalar and its vector path alike).

namespace ad::optim {

namespace {

// ---- Scalars as PyTorch's Python code holds them -------------------------------------------------------------------
// A value of lbfgs.py is either a Python number (double) or a 0-d tensor of the parameters' dtype T (a dot product,
// a reduction, and whatever is computed from one). An operation involving a tensor rounds the Python number to T
// and computes in T; one between two Python numbers computes in double. With T = double both are double arithmetic.
template <class T>
struct Num {
  double v;
  bool tensor;
};
template <class T>
Num<T> py(double v) {
  return {v, false};
}
template <class T>
Num<T> ten(T v) {
  return {static_cast<double>(v), true};
}

template <class T, class Op>
Num<T> apply(Num<T> a, Num<T> b, Op op) {
  if (a.tensor || b.tensor) return {static_cast<double>(T(op(static_cast<T>(a.v), static_cast<T>(b.v)))), true};
  return {op(a.v, b.v), false};
}
template <class T>
Num<T> operator+(Num<T> a, Num<T> b) {
  return apply(a, b, [](auto x, auto y) { return x + y; });
}
template <class T>
Num<T> operator-(Num<T> a, Num<T> b) {
  return apply(a, b, [](auto x, auto y) { return x - y; });
}
template <class T>
Num<T> operator*(Num<T> a, Num<T> b) {
  return apply(a, b, [](auto x, auto y) { return x * y; });
}
template <class T>
Num<T> operator/(Num<T> a, Num<T> b) {
  return apply(a, b, [](auto x, auto y) { return x / y; });
}
template <class T>
Num<T> operator-(Num<T> a) {
  return {-a.v, a.tensor};
}
template <class T>
Num<T> abs(Num<T> a) {
  return {std::abs(a.v), a.tensor};
}
template <class T>
Num<T> sqrt(Num<T> a) {
  return a.tensor ? ten<T>(std::sqrt(static_cast<T>(a.v))) : py<T>(std::sqrt(a.v));
}

// Comparisons, in T when a tensor takes part.
template <class T, class Cmp>
bool compare(Num<T> a, Num<T> b, Cmp cmp) {
  if (a.tensor || b.tensor) return cmp(static_cast<T>(a.v), static_cast<T>(b.v));
  return cmp(a.v, b.v);
}
template <class T>
bool operator<(Num<T> a, Num<T> b) {
  return compare(a, b, [](auto x, auto y) { return x < y; });
}
template <class T>
bool operator<=(Num<T> a, Num<T> b) {
  return compare(a, b, [](auto x, auto y) { return x <= y; });
}
template <class T>
bool operator>(Num<T> a, Num<T> b) {
  return compare(a, b, [](auto x, auto y) { return x > y; });
}
template <class T>
bool operator>=(Num<T> a, Num<T> b) {
  return compare(a, b, [](auto x, auto y) { return x >= y; });
}
// Python's max(a, b) and min(a, b): the first argument unless the second is strictly larger (smaller).
template <class T>
Num<T> pymax(Num<T> a, Num<T> b) {
  return b > a ? b : a;
}
template <class T>
Num<T> pymin(Num<T> a, Num<T> b) {
  return b < a ? b : a;
}

// ---- Vector operations, rounded as PyTorch's CPU kernels ---------------------------------------------------------
template <class T>
T dot(const std::vector<T>& a, const std::vector<T>& b) {
  // torch.dot calls BLAS ?dot (the same OpenBLAS as ours); its own loop only beyond BLAS's int range.
  const std::size_t n = a.size();
  if (n <= static_cast<std::size_t>(INT_MAX)) {
    if constexpr (std::is_same_v<T, float>)
      return cblas_sdot(static_cast<int>(n), a.data(), 1, b.data(), 1);
    else
      return cblas_ddot(static_cast<int>(n), a.data(), 1, b.data(), 1);
  }
  T s = 0;
  for (std::size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

// max_i |v_i|, NaN if any v_i is NaN (torch.max propagates NaN).
template <class T>
T max_abs(const std::vector<T>& v) {
  T m = 0;
  for (const T x : v) {
    const T a = std::abs(x);
    if (std::isnan(a)) return a;
    if (a > m) m = a;
  }
  return m;
}

// max_i |t·d_i| with t rounded to T first, as d.mul(t).abs().max().
template <class T>
T max_abs_scaled(const std::vector<T>& d, T t) {
  T m = 0;
  for (const T x : d) {
    const T a = std::abs(x * t);
    if (std::isnan(a)) return a;
    if (a > m) m = a;
  }
  return m;
}

// Σ_i |v_i| in the order of PyTorch's CPU sum (cascade_sum of aten/src/ATen/native/cpu/SumKernel.cpp, one thread):
// the values are read in units of W lanes (256-bit vectors, or single values when there are fewer than a vector's
// worth); units 4c..4c+3 of each row of 4 go to 4 accumulators, which every 16 rows (2^level_power in general) are
// added into a second level, every 256 rows into a third, and so on, keeping the partial sums of similar magnitude;
// the levels, then the 4 accumulators, then the leftover values, then the lanes are added up at the end.
std::int64_t ceil_log2(std::int64_t x) {
  if (x <= 2) return 1;
  std::int64_t bits = 0;
  for (std::uint64_t v = static_cast<std::uint64_t>(x - 1); v != 0; v >>= 1) ++bits;
  return bits;
}

template <class T, std::size_t W>
using Lanes = std::array<T, W>;

template <class T, std::size_t W>
void add_lanes(Lanes<T, W>& acc, const Lanes<T, W>& x) {
  for (std::size_t k = 0; k < W; ++k) acc[k] += x[k];
}

// row_sum of SumKernel.cpp over `count` units, unit(i) giving unit i.
template <class T, std::size_t W, class Unit>
Lanes<T, W> row_sum(const Unit& unit, std::int64_t count) {
  constexpr std::int64_t ilp = 4, levels = 4;
  const std::int64_t rows = count / ilp;
  const std::int64_t level_power = std::max<std::int64_t>(4, ceil_log2(rows) / levels);
  const std::int64_t level_step = std::int64_t(1) << level_power, level_mask = level_step - 1;
  Lanes<T, W> acc[levels][ilp] = {};
  std::int64_t i = 0;
  for (; i + level_step <= rows;) {
    for (std::int64_t j = 0; j < level_step; ++j, ++i)
      for (std::int64_t k = 0; k < ilp; ++k) add_lanes(acc[0][k], unit(i * ilp + k));
    for (std::int64_t j = 1; j < levels; ++j) {
      for (std::int64_t k = 0; k < ilp; ++k) {
        add_lanes(acc[j][k], acc[j - 1][k]);
        acc[j - 1][k] = {};
      }
      if ((i & (level_mask << (j * level_power))) != 0) break;
    }
  }
  for (; i < rows; ++i)
    for (std::int64_t k = 0; k < ilp; ++k) add_lanes(acc[0][k], unit(i * ilp + k));
  for (std::int64_t j = 1; j < levels; ++j)
    for (std::int64_t k = 0; k < ilp; ++k) add_lanes(acc[0][k], acc[j][k]);
  for (std::int64_t u = rows * ilp; u < count; ++u) add_lanes(acc[0][0], unit(u));
  for (std::int64_t k = 1; k < ilp; ++k) add_lanes(acc[0][0], acc[0][k]);
  return acc[0][0];
}

template <class T>
T sum_abs(const std::vector<T>& v) {
  constexpr std::size_t W = 32 / sizeof(T);  // lanes of a 256-bit vector
  const std::int64_t n = static_cast<std::int64_t>(v.size());
  if (n < static_cast<std::int64_t>(W)) {
    const auto unit = [&](std::int64_t i) { return Lanes<T, 1>{std::abs(v[i])}; };
    return T(0) + row_sum<T, 1>(unit, n)[0];
  }
  const std::int64_t units = n / static_cast<std::int64_t>(W);
  const auto unit = [&](std::int64_t u) {
    Lanes<T, W> x;
    for (std::size_t k = 0; k < W; ++k) x[k] = std::abs(v[u * W + k]);
    return x;
  };
  const Lanes<T, W> lanes = row_sum<T, W>(unit, units);
  T total = 0;
  for (std::int64_t i = units * static_cast<std::int64_t>(W); i < n; ++i) total += std::abs(v[i]);
  for (std::size_t k = 0; k < W; ++k) total += lanes[k];
  return T(0) + total;
}

// ---- The strong Wolfe line search (PyTorch's _strong_wolfe and _cubic_interpolate, from minFunc / torch7) ---------

// The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1, g2, clamped to [lo, hi] (by default the
// interval between x1 and x2); the midpoint of [lo, hi] when the cubic has no minimum:
//   d1 = g1 + g2 − 3·(f1 − f2)/(x1 − x2),  d2 = √(d1² − g1·g2)
//   x = x2 − (x2 − x1)·(g2 + d2 − d1)/(g2 − g1 + 2·d2)     (for x1 <= x2; x1 and x2 swap roles otherwise)
template <class T>
Num<T> cubic_interpolate(Num<T> x1, Num<T> f1, Num<T> g1, Num<T> x2, Num<T> f2, Num<T> g2, const Num<T>* lo_hi) {
  const Num<T> lo = lo_hi ? lo_hi[0] : (x1 <= x2 ? x1 : x2);
  const Num<T> hi = lo_hi ? lo_hi[1] : (x1 <= x2 ? x2 : x1);
  const Num<T> three = py<T>(3), two = py<T>(2);
  const Num<T> d1 = g1 + g2 - three * (f1 - f2) / (x1 - x2);
  const Num<T> d2_square = d1 * d1 - g1 * g2;
  if (d2_square >= py<T>(0)) {
    const Num<T> d2 = sqrt(d2_square);
    const Num<T> min_pos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + two * d2))
                                    : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + two * d2));
    return pymin(pymax(min_pos, lo), hi);
  }
  return (lo + hi) / py<T>(2);
}

// A point of the line search: step t, loss f, gradient g and slope gtd = gᵀd there.
template <class T>
struct Point {
  Num<T> t;
  Num<T> f;
  std::vector<T> g;
  Num<T> gtd;
};

template <class T>
struct LineSearchResult {
  double f;
  std::vector<T> g;
  Num<T> t;
  std::int64_t evals;
};

// Finds t with f(x + t·d) <= f + c1·t·gtd (sufficient decrease) and |g(x + t·d)ᵀd| <= −c2·gtd (curvature), starting
// from t. Bracketing: try t, t grown by cubic extrapolation within [t + 0.01·(t − t_prev), 10·t], until the
// conditions hold or an interval [t_prev, t] must contain such a point (f rose, or the slope turned non-negative).
// Zoom: shrink the interval by cubic interpolation, moved 10% of its length inside when it lands too close to an
// end twice in a row (or on or beyond an end); stop when the interval is shorter than tolerance_change / max|d|.
// At most max_ls evaluations after the first. Returns the lowest point found (the one satisfying the conditions when
// found) and the number of evaluations.
template <class T, class Evaluate>
LineSearchResult<T> strong_wolfe(const Evaluate& evaluate, Num<T> t, const std::vector<T>& d, double f_start,
                                 const std::vector<T>& g_start, T gtd_start) {
  const Num<T> c1 = py<T>(1e-4), c2 = py<T>(0.9), tolerance_change = py<T>(1e-9);
  constexpr int max_ls = 25;
  const Num<T> f = py<T>(f_start), gtd = ten<T>(gtd_start);
  const Num<T> d_norm = ten<T>(max_abs(d));
  const auto eval_at = [&](Num<T> step) {
    auto [loss, grad] = evaluate(step.v);
    const T slope = dot(grad, d);
    return Point<T>{step, py<T>(loss), std::move(grad), ten<T>(slope)};
  };
  // f(x + t·d) above the line f + c1·t·gtd: not a sufficient decrease.
  const auto armijo_fails = [&](const Point<T>& p) { return p.f > f + c1 * p.t * gtd; };
  const auto curvature_holds = [&](const Point<T>& p) { return abs(p.gtd) <= -c2 * gtd; };

  Point<T> now = eval_at(t);
  std::int64_t evals = 1;
  Point<T> prev{py<T>(0), f, g_start, gtd};
  std::vector<Point<T>> bracket;  // one point (done) or two
  bool done = false;
  int ls_iter = 0;
  while (ls_iter < max_ls) {
    if (armijo_fails(now) || (ls_iter > 1 && now.f >= prev.f)) {
      bracket = {prev, now};
      break;
    }
    if (curvature_holds(now)) {
      bracket = {now};
      done = true;
      break;
    }
    if (now.gtd >= py<T>(0)) {
      bracket = {prev, now};
      break;
    }
    // Extrapolate: the cubic's minimiser, at least 1% beyond t and at most 10·t.
    const Num<T> bounds[2] = {now.t + py<T>(0.01) * (now.t - prev.t), now.t * py<T>(10)};
    const Num<T> next = cubic_interpolate(prev.t, prev.f, prev.gtd, now.t, now.f, now.gtd, bounds);
    prev = std::move(now);
    now = eval_at(next);
    ++evals;
    ++ls_iter;
  }
  if (ls_iter == max_ls) bracket = {Point<T>{py<T>(0), f, g_start, gtd}, now};  // out of evaluations: no zoom

  // Zoom: bracket[low] is the lower of the two ends.
  bool insufficient_progress = false;
  std::size_t low = bracket.size() == 1 || bracket[0].f <= bracket[1].f ? 0 : 1, high = 1 - low;
  while (!done && ls_iter < max_ls) {
    if (abs(bracket[1].t - bracket[0].t) * d_norm < tolerance_change) break;
    Num<T> next = cubic_interpolate(bracket[0].t, bracket[0].f, bracket[0].gtd, bracket[1].t, bracket[1].f,
                                    bracket[1].gtd, static_cast<const Num<T>*>(nullptr));
    // Keep the trial point at least 10% of the interval away from its ends when it came close twice in a row or
    // fell on or outside an end.
    const Num<T> hi = pymax(bracket[0].t, bracket[1].t), lo = pymin(bracket[0].t, bracket[1].t);
    const Num<T> eps = py<T>(0.1) * (hi - lo);
    if (pymin(hi - next, next - lo) < eps) {
      if (insufficient_progress || next >= hi || next <= lo) {
        next = abs(next - hi) < abs(next - lo) ? hi - eps : lo + eps;
        insufficient_progress = false;
      } else {
        insufficient_progress = true;
      }
    } else {
      insufficient_progress = false;
    }
    now = eval_at(next);
    ++evals;
    ++ls_iter;
    if (armijo_fails(now) || now.f >= bracket[low].f) {
      // Not lower than the low end: it becomes the high end.
      bracket[high] = std::move(now);
      low = bracket[0].f <= bracket[1].f ? 0 : 1;
      high = 1 - low;
    } else {
      if (curvature_holds(now)) {
        done = true;
      } else if (now.gtd * (bracket[high].t - bracket[low].t) >= py<T>(0)) {
        // The slope points at the high end: the minimum lies on the other side, the old low end is the new high.
        bracket[high] = bracket[low];
      }
      bracket[low] = std::move(now);
    }
  }
  Point<T>& best = bracket[low];
  return {best.f.v, std::move(best.g), best.t, evals};
}

}  // namespace

// ---- Options ---------------------------------------------------------------------------------------------------------

LBFGSOptions::LBFGSOptions(double lr) { this->lr(lr); }

LBFGSOptions& LBFGSOptions::lr(double v) {
  detail::check_lr("LBFGSOptions", v);
  lr_ = v;
  return *this;
}

LBFGSOptions& LBFGSOptions::max_iter(int v) {
  detail::check_ge("LBFGSOptions", "max_iter", v, 1.0);
  max_iter_ = v;
  return *this;
}

LBFGSOptions& LBFGSOptions::max_eval(int v) {
  detail::check_ge("LBFGSOptions", "max_eval", v, 1.0);
  max_eval_ = v;
  return *this;
}

LBFGSOptions& LBFGSOptions::tolerance_grad(double v) {
  detail::check_ge("LBFGSOptions", "tolerance_grad", v, 0.0);
  tolerance_grad_ = v;
  return *this;
}

LBFGSOptions& LBFGSOptions::tolerance_change(double v) {
  detail::check_ge("LBFGSOptions", "tolerance_change", v, 0.0);
  tolerance_change_ = v;
  return *this;
}

LBFGSOptions& LBFGSOptions::history_size(int v) {
  detail::check_ge("LBFGSOptions", "history_size", v, 1.0);
  history_size_ = v;
  return *this;
}

LBFGSOptions& LBFGSOptions::line_search_fn(const std::string& v) {
  if (v == "" || v == "none")
    line_search_fn_.clear();
  else if (v == "strong_wolfe")
    line_search_fn_ = v;
  else
    throw ValueError("LBFGSOptions: line_search_fn must be \"strong_wolfe\" or \"\" (no line search), got \"" + v +
                     "\"");
  return *this;
}

// ---- LBFGS -----------------------------------------------------------------------------------------------------------

template <class T>
LBFGS<T>::LBFGS(std::vector<TensorT<T>> params, LBFGSOptions options)
    : params_(std::move(params)), options_(std::move(options)), lr_(options_.lr()) {
  if (params_.empty()) throw ValueError(name_ + ": got an empty parameter list");
  detail::check_params(name_, params_);
  for (const TensorT<T>& p : params_) numel_ += p.numel();
  if (numel_ == 0) throw ValueError(name_ + ": the parameters have no elements");
}

template <class T>
void LBFGS<T>::zero_grad(bool set_to_none) {
  for (TensorT<T>& p : params_) p.zero_grad(set_to_none);
}

template <class T>
void LBFGS<T>::set_lr(double lr) {
  detail::check_lr(name_.c_str(), lr);
  lr_ = lr;
}

template <class T>
std::vector<T> LBFGS<T>::gather_flat_grad() const {
  std::vector<T> flat(numel_, T(0));
  std::size_t offset = 0;
  for (const TensorT<T>& p : params_) {
    const TensorT<T> g = p.grad();
    if (g.defined()) std::copy(g.data(), g.data() + p.numel(), flat.begin() + offset);
    offset += p.numel();
  }
  return flat;
}

template <class T>
void LBFGS<T>::add_to_params(double t, const std::vector<T>& d) {
  const T step = static_cast<T>(t);
  std::size_t offset = 0;
  for (TensorT<T>& p : params_) {
    T* x = p.mutable_data();
    for (std::size_t i = 0; i < p.numel(); ++i) x[i] = std::fma(step, d[offset + i], x[i]);
    offset += p.numel();
  }
}

template <class T>
void LBFGS<T>::set_params(const std::vector<T>& flat) {
  std::size_t offset = 0;
  for (TensorT<T>& p : params_) {
    std::copy(flat.begin() + offset, flat.begin() + offset + p.numel(), p.mutable_data());
    offset += p.numel();
  }
}

template <class T>
T LBFGS<T>::step(const std::function<T()>& closure) {
  GradModeGuard grad_on(true);  // records even under a NoGradGuard (torch.enable_grad()): the closure calls backward()
  const double lr = lr_;
  const int max_iter = options_.max_iter(), max_eval = options_.max_eval();
  const std::size_t history_size = static_cast<std::size_t>(options_.history_size());
  const T tolerance_grad = static_cast<T>(options_.tolerance_grad());
  const double tolerance_change = options_.tolerance_change();
  const T tolerance_change_t = static_cast<T>(tolerance_change);
  const bool line_search = !options_.line_search_fn().empty();

  const T orig_loss = closure();
  double loss = static_cast<double>(orig_loss);
  std::int64_t current_evals = 1;
  ++func_evals_;
  std::vector<T> flat_grad = gather_flat_grad();
  bool opt_cond = max_abs(flat_grad) <= tolerance_grad;
  if (opt_cond) return orig_loss;

  Num<T> t = py<T>(t_);
  int n_iter = 0;
  while (n_iter < max_iter) {
    ++n_iter;
    ++n_iter_;

    // The direction d.
    if (n_iter_ == 1) {
      d_.resize(numel_);
      for (std::size_t i = 0; i < numel_; ++i) d_[i] = -flat_grad[i];
      old_dirs_.clear();
      old_stps_.clear();
      ro_.clear();
      h_diag_ = T(1);
    } else {
      // The pair of the last iteration: y = g − g_prev, s = t·d.
      std::vector<T> y(numel_), s(numel_);
      const T t_last = static_cast<T>(t.v);
      for (std::size_t i = 0; i < numel_; ++i) {
        y[i] = flat_grad[i] - prev_flat_grad_[i];
        s[i] = d_[i] * t_last;
      }
      const T ys = dot(y, s);
      if (ys > static_cast<T>(1e-10)) {
        if (old_dirs_.size() == history_size) {
          old_dirs_.erase(old_dirs_.begin());
          old_stps_.erase(old_stps_.begin());
          ro_.erase(ro_.begin());
        }
        ro_.push_back(T(1) / ys);
        h_diag_ = ys / dot(y, y);  // γ = yᵀs / yᵀy
        old_dirs_.push_back(std::move(y));
        old_stps_.push_back(std::move(s));
      }
      // Two-loop recursion: d = −H·g.
      const std::size_t num_old = old_dirs_.size();
      if (al_.empty()) al_.assign(history_size, T(0));
      std::vector<T> q(numel_);
      for (std::size_t i = 0; i < numel_; ++i) q[i] = -flat_grad[i];
      for (std::size_t k = num_old; k-- > 0;) {
        al_[k] = dot(old_stps_[k], q) * ro_[k];
        const T minus_al = -al_[k];
        const std::vector<T>& yk = old_dirs_[k];
        for (std::size_t i = 0; i < numel_; ++i) q[i] = std::fma(minus_al, yk[i], q[i]);
      }
      for (std::size_t i = 0; i < numel_; ++i) q[i] = q[i] * h_diag_;
      for (std::size_t k = 0; k < num_old; ++k) {
        const T be = dot(old_dirs_[k], q) * ro_[k];
        const T coef = al_[k] - be;
        const std::vector<T>& sk = old_stps_[k];
        for (std::size_t i = 0; i < numel_; ++i) q[i] = std::fma(coef, sk[i], q[i]);
      }
      d_ = std::move(q);
    }
    prev_flat_grad_ = flat_grad;
    prev_loss_ = loss;

    // The step length: min(1, 1/‖g‖₁)·lr on the first iteration ever (g is not scaled yet), lr after.
    if (n_iter_ == 1) {
      const Num<T> inv_l1 = ten<T>(T(1) / sum_abs(flat_grad));
      t = pymin(py<T>(1.0), inv_l1) * py<T>(lr);
    } else {
      t = py<T>(lr);
    }

    // Directional derivative gᵀd: stop unless d descends by more than tolerance_change.
    const T gtd = dot(flat_grad, d_);
    if (gtd > -tolerance_change_t) break;

    std::int64_t ls_func_evals = 0;
    if (line_search) {
      const std::vector<T> x_init = [&] {
        std::vector<T> x(numel_);
        std::size_t offset = 0;
        for (const TensorT<T>& p : params_) {
          std::copy(p.data(), p.data() + p.numel(), x.begin() + offset);
          offset += p.numel();
        }
        return x;
      }();
      // f and g at x + step·d; the parameters are back at x afterwards.
      const auto evaluate = [&](double step) {
        add_to_params(step, d_);
        const double f = static_cast<double>(closure());
        std::vector<T> g = gather_flat_grad();
        set_params(x_init);
        return std::make_pair(f, std::move(g));
      };
      LineSearchResult<T> r = strong_wolfe<T>(evaluate, t, d_, loss, flat_grad, gtd);
      loss = r.f;
      flat_grad = std::move(r.g);
      t = r.t;
      ls_func_evals = r.evals;
      add_to_params(t.v, d_);
      opt_cond = max_abs(flat_grad) <= tolerance_grad;
    } else {
      add_to_params(t.v, d_);
      // The last iteration does not evaluate at its end point (with a stochastic loss it would be wasted); the next
      // step() evaluates there first.
      if (n_iter != max_iter) {
        loss = static_cast<double>(closure());
        flat_grad = gather_flat_grad();
        opt_cond = max_abs(flat_grad) <= tolerance_grad;
        ls_func_evals = 1;
      }
    }
    current_evals += ls_func_evals;
    func_evals_ += ls_func_evals;

    if (n_iter == max_iter) break;
    if (current_evals >= max_eval) break;
    if (opt_cond) break;
    if (max_abs_scaled(d_, static_cast<T>(t.v)) <= tolerance_change_t) break;  // the step no longer moves x
    if (std::abs(loss - prev_loss_) < tolerance_change) break;                 // nor f
  }
  t_ = t.v;
  return orig_loss;
}

// ---- State dict ------------------------------------------------------------------------------------------------------

template <class T>
StateDict LBFGS<T>::state_dict() const {
  const auto flat = [](const std::vector<T>& v) { return TensorT<T>::from(v, Shape{v.size()}); };
  StateDict dict;
  dict.set("lr", lr_);
  dict.set("state.0.func_evals", func_evals_);
  dict.set("state.0.n_iter", n_iter_);
  if (n_iter_ == 0) return dict;
  dict.set("state.0.d", flat(d_));
  dict.set("state.0.t", t_);
  for (std::size_t k = 0; k < old_dirs_.size(); ++k) {
    const std::string i = std::to_string(k);
    dict.set("state.0.old_dirs." + i, flat(old_dirs_[k]));
    dict.set("state.0.old_stps." + i, flat(old_stps_[k]));
    dict.set("state.0.ro." + i, TensorT<T>::scalar(ro_[k]));
  }
  dict.set("state.0.H_diag", static_cast<double>(h_diag_));
  dict.set("state.0.prev_flat_grad", flat(prev_flat_grad_));
  dict.set("state.0.prev_loss", prev_loss_);
  if (!al_.empty())
    for (std::size_t k = 0; k < old_dirs_.size(); ++k)
      dict.set("state.0.al." + std::to_string(k), TensorT<T>::scalar(al_[k]));
  return dict;
}

template <class T>
void LBFGS<T>::load_state_dict(const StateDict& dict) {
  const std::string who = name_ + "::load_state_dict";
  using detail::Kind;
  const std::int64_t n_iter = dict.integer("state.0.n_iter", who);
  const std::int64_t func_evals = dict.integer("state.0.func_evals", who);
  if (n_iter < 0) throw ValueError(who + ": entry 'state.0.n_iter' holds a negative count " + std::to_string(n_iter));
  if (func_evals < 0)
    throw ValueError(who + ": entry 'state.0.func_evals' holds a negative count " + std::to_string(func_evals));
  std::size_t m = 0;  // history length: the old_dirs.<k> entries present, k = 0, 1, ...
  while (dict.contains("state.0.old_dirs." + std::to_string(m))) ++m;
  const std::size_t history_size = static_cast<std::size_t>(options_.history_size());
  if (m > history_size)
    throw ValueError(who + ": the state dict holds " + std::to_string(m) + " history pairs, more than history_size " +
                     std::to_string(history_size));

  const Shape flat{numel_};
  std::vector<detail::Expected> expected{
      {"lr", Kind::Real, {}}, {"state.0.func_evals", Kind::Integer, {}}, {"state.0.n_iter", Kind::Integer, {}}};
  if (n_iter > 0) {
    expected.push_back({"state.0.d", Kind::Tensor, flat});
    expected.push_back({"state.0.t", Kind::Real, {}});
    for (std::size_t k = 0; k < m; ++k) {
      const std::string i = std::to_string(k);
      expected.push_back({"state.0.old_dirs." + i, Kind::Tensor, flat});
      expected.push_back({"state.0.old_stps." + i, Kind::Tensor, flat});
      expected.push_back({"state.0.ro." + i, Kind::Tensor, Shape{}});
    }
    expected.push_back({"state.0.H_diag", Kind::Real, {}});
    expected.push_back({"state.0.prev_flat_grad", Kind::Tensor, flat});
    expected.push_back({"state.0.prev_loss", Kind::Real, {}});
    if (n_iter > 1)
      for (std::size_t k = 0; k < m; ++k)
        expected.push_back({"state.0.al." + std::to_string(k), Kind::Tensor, Shape{}});
  }
  detail::match_entries<T>(dict, expected, who);
  const double lr = dict.real("lr", who);
  if (!(lr >= 0.0 && std::isfinite(lr)))
    throw ValueError(who + ": entry 'lr' holds an invalid learning rate " + detail::fmt(lr));

  // Everything is checked: write.
  const auto vec = [&](const std::string& name) {
    const TensorT<T>& t = dict.tensor<T>(name, who);
    return std::vector<T>(t.data(), t.data() + t.numel());
  };
  const auto scalar = [&](const std::string& name) { return dict.tensor<T>(name, who).data()[0]; };
  lr_ = lr;
  func_evals_ = func_evals;
  n_iter_ = n_iter;
  d_.clear();
  t_ = 0;
  old_dirs_.clear();
  old_stps_.clear();
  ro_.clear();
  h_diag_ = T(1);
  prev_flat_grad_.clear();
  prev_loss_ = 0;
  al_.clear();
  if (n_iter == 0) return;
  d_ = vec("state.0.d");
  t_ = dict.real("state.0.t", who);
  for (std::size_t k = 0; k < m; ++k) {
    const std::string i = std::to_string(k);
    old_dirs_.push_back(vec("state.0.old_dirs." + i));
    old_stps_.push_back(vec("state.0.old_stps." + i));
    ro_.push_back(scalar("state.0.ro." + i));
  }
  h_diag_ = static_cast<T>(dict.real("state.0.H_diag", who));
  prev_flat_grad_ = vec("state.0.prev_flat_grad");
  prev_loss_ = dict.real("state.0.prev_loss", who);
  if (n_iter > 1) {
    al_.assign(history_size, T(0));
    for (std::size_t k = 0; k < m; ++k) al_[k] = scalar("state.0.al." + std::to_string(k));
  }
}

template class LBFGS<float>;
template class LBFGS<double>;

}  // namespace ad::optim

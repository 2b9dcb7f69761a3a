#include "optim/clip_grad.h"

#include <algorithm>
#include <cmath>

#include "optim/detail.h"

namespace ad::optim {

template <class T>
void clip_grad_value_(const std::vector<TensorT<T>>& params, double clip_value) {
  detail::check_ge("clip_grad_value_", "clip_value", clip_value, 0.0);
  const T hi = static_cast<T>(clip_value), lo = -hi;
  for (const TensorT<T>& p : params) {
    TensorT<T> g = p.grad();
    if (!g.defined()) continue;
    T* d = g.mutable_data();
    for (std::size_t i = 0, n = g.numel(); i < n; ++i) d[i] = std::min(std::max(d[i], lo), hi);
  }
}

template <class T>
double clip_grad_norm_(const std::vector<TensorT<T>>& params, double max_norm, double norm_type) {
  detail::check_ge("clip_grad_norm_", "max_norm", max_norm, 0.0);
  detail::check_gt("clip_grad_norm_", "norm_type", norm_type, 0.0);
  const bool inf_norm = std::isinf(norm_type);
  double acc = 0.0;  // Σ|g|^q, or max |g| for the infinity norm
  for (const TensorT<T>& p : params) {
    const TensorT<T> g = p.grad();
    if (!g.defined()) continue;
    const T* d = g.data();
    const std::size_t n = g.numel();
    if (inf_norm) {
      for (std::size_t i = 0; i < n; ++i) {
        const double a = std::abs(static_cast<double>(d[i]));
        if (a > acc || std::isnan(a)) acc = a;  // a NaN, once taken, is never replaced (a > NaN is false)
      }
    } else if (norm_type == 2.0) {
      for (std::size_t i = 0; i < n; ++i) acc += static_cast<double>(d[i]) * static_cast<double>(d[i]);
    } else {
      for (std::size_t i = 0; i < n; ++i) acc += std::pow(std::abs(static_cast<double>(d[i])), norm_type);
    }
  }
  const double total = inf_norm ? acc : norm_type == 2.0 ? std::sqrt(acc) : std::pow(acc, 1.0 / norm_type);
  if (!std::isfinite(total) || !(total > max_norm)) return total;

  const T scale = static_cast<T>(max_norm / (total + 1e-6));
  for (const TensorT<T>& p : params) {
    TensorT<T> g = p.grad();
    if (!g.defined()) continue;
    T* d = g.mutable_data();
    for (std::size_t i = 0, n = g.numel(); i < n; ++i) d[i] *= scale;
  }
  return total;
}

template void clip_grad_value_<float>(const std::vector<TensorT<float>>&, double);
template void clip_grad_value_<double>(const std::vector<TensorT<double>>&, double);
template double clip_grad_norm_<float>(const std::vector<TensorT<float>>&, double, double);
template double clip_grad_norm_<double>(const std::vector<TensorT<double>>&, double, double);

}  // namespace ad::optim

#include "nn/init.h"

#include <cmath>
#include <random>
#include <string>

#include "autodiff/random.h"
#include "autodiff/tape.h"

namespace ad::nn::init {
namespace {

// Fills t with draws of `dist` (over double, then rounded to T: the same stream of draws for float and double).
template <class T, class Dist>
TensorT<T> fill_from(TensorT<T> t, Dist dist) {
  NoGradGuard no_grad;
  T* p = t.mutable_data();
  auto& gen = generator();
  for (std::size_t i = 0, n = t.numel(); i < n; ++i) p[i] = static_cast<T>(dist(gen));
  return t;
}

}  // namespace

double calculate_gain(Nonlinearity nonlinearity, double param) {
  switch (nonlinearity) {
    case Nonlinearity::Linear:
    case Nonlinearity::Sigmoid: return 1.0;
    case Nonlinearity::Tanh: return 5.0 / 3.0;
    case Nonlinearity::ReLU: return std::sqrt(2.0);
    case Nonlinearity::LeakyReLU: return std::sqrt(2.0 / (1.0 + param * param));
  }
  return 1.0;
}

template <class T>
Fans compute_fans(const TensorT<T>& t) {
  const Shape& s = t.shape();
  if (s.rank() < 2)
    throw ValueError("nn::init: fan_in and fan_out need a tensor of rank >= 2 (in, out, ...), got shape " + s.str());
  std::size_t receptive = 1;
  for (std::size_t d = 2; d < s.rank(); ++d) receptive *= s[d];
  return {s[0] * receptive, s[1] * receptive};
}

template <class T>
TensorT<T> constant_(TensorT<T> t, double value) {
  NoGradGuard no_grad;
  t.fill_(static_cast<T>(value));
  return t;
}
template <class T>
TensorT<T> zeros_(TensorT<T> t) {
  return constant_(t, 0.0);
}
template <class T>
TensorT<T> ones_(TensorT<T> t) {
  return constant_(t, 1.0);
}

template <class T>
TensorT<T> uniform_(TensorT<T> t, double lo, double hi) {
  if (!(lo <= hi))
    throw ValueError("init::uniform_: lower bound " + std::to_string(lo) + " exceeds upper bound " +
                     std::to_string(hi));
  if (lo == hi) return constant_(t, lo);
  return fill_from(t, std::uniform_real_distribution<double>(lo, hi));
}

template <class T>
TensorT<T> normal_(TensorT<T> t, double mean, double std) {
  if (!(std >= 0)) throw ValueError("init::normal_: standard deviation must be >= 0, got " + std::to_string(std));
  if (std == 0) return constant_(t, mean);
  return fill_from(t, std::normal_distribution<double>(mean, std));
}

template <class T>
TensorT<T> xavier_uniform_(TensorT<T> t, double gain) {
  const Fans f = compute_fans(t);
  const double a = gain * std::sqrt(6.0 / double(f.fan_in + f.fan_out));
  return uniform_(t, -a, a);
}

template <class T>
TensorT<T> xavier_normal_(TensorT<T> t, double gain) {
  const Fans f = compute_fans(t);
  return normal_(t, 0.0, gain * std::sqrt(2.0 / double(f.fan_in + f.fan_out)));
}

namespace {
template <class T>
double kaiming_std(const TensorT<T>& t, double a, FanMode mode) {
  const Fans f = compute_fans(t);
  const std::size_t fan = mode == FanMode::FanIn ? f.fan_in : f.fan_out;
  if (fan == 0)
    throw ValueError("nn::init::kaiming: initialisation of a tensor with a zero fan, shape " + t.shape().str());
  return calculate_gain(Nonlinearity::LeakyReLU, a) / std::sqrt(double(fan));
}
}  // namespace

template <class T>
TensorT<T> kaiming_uniform_(TensorT<T> t, double a, FanMode mode) {
  // A uniform U(-b, b) has variance b^2 / 3, so b = sqrt(3) * std.
  const double b = std::sqrt(3.0) * kaiming_std(t, a, mode);
  return uniform_(t, -b, b);
}

template <class T>
TensorT<T> kaiming_normal_(TensorT<T> t, double a, FanMode mode) {
  return normal_(t, 0.0, kaiming_std(t, a, mode));
}

#define AD_NN_INIT_INSTANTIATE(T)                                       \
  template Fans compute_fans<T>(const TensorT<T>&);                     \
  template TensorT<T> constant_<T>(TensorT<T>, double);                 \
  template TensorT<T> zeros_<T>(TensorT<T>);                            \
  template TensorT<T> ones_<T>(TensorT<T>);                             \
  template TensorT<T> uniform_<T>(TensorT<T>, double, double);          \
  template TensorT<T> normal_<T>(TensorT<T>, double, double);           \
  template TensorT<T> xavier_uniform_<T>(TensorT<T>, double);           \
  template TensorT<T> xavier_normal_<T>(TensorT<T>, double);            \
  template TensorT<T> kaiming_uniform_<T>(TensorT<T>, double, FanMode); \
  template TensorT<T> kaiming_normal_<T>(TensorT<T>, double, FanMode);
AD_NN_INIT_INSTANTIATE(float)
AD_NN_INIT_INSTANTIATE(double)
#undef AD_NN_INIT_INSTANTIATE

}  // namespace ad::nn::init

// Parameter initialisers (like torch.nn.init). Each fills a tensor in place with values drawn from this thread's
// generator (ad::generator(), seeded by ad::manual_seed), so a seeded run initialises identically every time.
// The writes happen under NoGradGuard and are not recorded on the tape; they bump the tensor's version, so a graph
// that saved the old values refuses to backpropagate through them. Each returns its argument (a handle sharing the
// same storage), so calls can be chained.
//
// Fans follow this library's weight layout (in, out), the transpose of PyTorch's (out, in): for a tensor of shape
// (d0, d1, d2, ...), fan_in = d0 * r and fan_out = d1 * r with r = d2 * d3 * ... (1 for a matrix).
//
//   Xavier/Glorot (Glorot & Bengio 2010): keeps the variance of activations and of gradients roughly constant through
//     layers with a symmetric, unit-slope activation (tanh, sigmoid around 0): Var(w) = gain^2 * 2 / (fan_in + fan_out).
//     uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out));  normal: N(0, gain^2 * 2 / (fan_in + fan_out)).
//   He/Kaiming (He et al. 2015): a ReLU zeroes half of its inputs, so the variance must double to compensate:
//     Var(w) = gain^2 / fan with gain = sqrt(2 / (1 + a^2)) (a = negative slope of a leaky ReLU; 0 for ReLU).
//     uniform: U(-b, b) with b = gain * sqrt(3 / fan);  normal: N(0, gain^2 / fan), i.e. std sqrt(2 / fan_in) for ReLU.
#pragma once
#include <cstddef>

#include "autodiff/tensor.h"

namespace ad::nn::init {

// Which fan Kaiming initialisation preserves: fan_in keeps the forward activations' variance, fan_out the
// backward gradients'.
enum class FanMode { FanIn, FanOut };

// The nonlinearity a layer feeds, for calculate_gain (same values as torch.nn.init.calculate_gain).
enum class Nonlinearity { Linear, Sigmoid, Tanh, ReLU, LeakyReLU };

// Recommended gain: 1 for linear and sigmoid, 5/3 for tanh, sqrt(2) for ReLU, sqrt(2 / (1 + slope^2)) for a leaky
// ReLU with negative slope `param`.
double calculate_gain(Nonlinearity nonlinearity, double param = 0.01);

struct Fans {
  std::size_t fan_in, fan_out;
};
// Fans of a tensor of rank >= 2 in the (in, out, ...) layout; ValueError for rank < 2.
template <class T>
Fans compute_fans(const TensorT<T>& t);

// clang-format off
template <class T> TensorT<T> constant_(TensorT<T> t, double value);
template <class T> TensorT<T> zeros_(TensorT<T> t);
template <class T> TensorT<T> ones_(TensorT<T> t);
// U(lo, hi); ValueError unless lo <= hi.
template <class T> TensorT<T> uniform_(TensorT<T> t, double lo = 0.0, double hi = 1.0);
// N(mean, std^2); ValueError unless std >= 0.
template <class T> TensorT<T> normal_(TensorT<T> t, double mean = 0.0, double std = 1.0);


template <class T> TensorT<T> xavier_uniform_(TensorT<T> t, double gain = 1.0);
template <class T> TensorT<T> xavier_normal_(TensorT<T> t, double gain = 1.0);
template <class T>
TensorT<T> kaiming_uniform_(TensorT<T> t, double a = 0.0, FanMode mode = FanMode::FanIn);
template <class T>
TensorT<T> kaiming_normal_(TensorT<T> t, double a = 0.0, FanMode mode = FanMode::FanIn);

// The same initialisers under their other common names.
template <class T> TensorT<T> glorot_uniform_(TensorT<T> t, double gain = 1.0) { return xavier_uniform_(t, gain); }
template <class T> TensorT<T> glorot_normal_(TensorT<T> t, double gain = 1.0) { return xavier_normal_(t, gain); }
template <class T>
TensorT<T> he_uniform_(TensorT<T> t, double a = 0.0, FanMode mode = FanMode::FanIn) {
  return kaiming_uniform_(t, a, mode);
}
template <class T>
TensorT<T> he_normal_(TensorT<T> t, double a = 0.0, FanMode mode = FanMode::FanIn) {
  return kaiming_normal_(t, a, mode);
}
// clang-format on

}  // namespace ad::nn::init

#include "nn/dropout.h"

#include <random>
#include <sstream>

#include "autodiff/random.h"

namespace ad::nn {
namespace {
void check_p(double p, const char* who) {
  if (!(p >= 0.0 && p < 1.0)) {
    std::ostringstream os;
    os << who << ": drop probability must be in [0, 1), got " << p;
    throw ValueError(os.str());
  }
}
}  // namespace

namespace {
// mask_i = 1/(1-p) with probability 1-p, else 0.
template <class T>
TensorT<T> draw_mask(const Shape& shape, double p) {
  TensorT<T> mask = TensorT<T>::empty(shape);
  T* m = mask.mutable_data();
  const T scale = static_cast<T>(1.0 / (1.0 - p));
  std::uniform_real_distribution<double> u(0.0, 1.0);
  auto& gen = generator();
  for (std::size_t i = 0, n = mask.numel(); i < n; ++i) m[i] = u(gen) < p ? T(0) : scale;
  return mask;
}
}  // namespace

template <class T>
TensorT<T> dropout(const TensorT<T>& x, double p, bool training) {
  check_p(p, "dropout");
  if (!training || p == 0.0) return x;
  // The mask is a constant of the graph, so the gradient is g * mask.
  return x * draw_mask<T>(x.shape(), p);
}

template <class T>
TensorT<T> dropout2d(const TensorT<T>& x, double p, bool training) {
  check_p(p, "dropout2d");
  if (x.dim() != 3 && x.dim() != 4)
    throw ShapeError("dropout2d: expected a 4-D input (N, C, H, W) or a 3-D one (C, H, W), got shape " +
                     x.shape().str());
  if (!training || p == 0.0) return x;
  // One draw per channel map, broadcast over its pixels: mask of shape (N, C, 1, 1) or (C, 1, 1).
  Shape ms = x.shape();
  ms[ms.rank() - 1] = 1, ms[ms.rank() - 2] = 1;
  return x * draw_mask<T>(ms, p);
}

template <class T>
Dropout<T>::Dropout(double p) : p(p) {
  check_p(p, "Dropout");
}

template <class T>
TensorT<T> Dropout<T>::forward(const TensorT<T>& x) {
  return dropout(x, p, this->is_training());
}

template <class T>
std::string Dropout<T>::extra_repr() const {
  std::ostringstream os;
  os << "p=" << p;
  return os.str();
}

template <class T>
Dropout2d<T>::Dropout2d(double p) : p(p) {
  check_p(p, "Dropout2d");
}

template <class T>
TensorT<T> Dropout2d<T>::forward(const TensorT<T>& x) {
  return dropout2d(x, p, this->is_training());
}

template <class T>
std::string Dropout2d<T>::extra_repr() const {
  std::ostringstream os;
  os << "p=" << p;
  return os.str();
}

template TensorT<float> dropout<float>(const TensorT<float>&, double, bool);
template TensorT<float> dropout2d<float>(const TensorT<float>&, double, bool);
template TensorT<double> dropout2d<double>(const TensorT<double>&, double, bool);
template TensorT<double> dropout<double>(const TensorT<double>&, double, bool);
template class Dropout<float>;
template class Dropout<double>;
template class Dropout2d<float>;
template class Dropout2d<double>;

}  // namespace ad::nn

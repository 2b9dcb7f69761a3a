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

template <class T>
TensorT<T> dropout(const TensorT<T>& x, double p, bool training) {
  check_p(p, "dropout");
  if (!training || p == 0.0) return x;
  // mask_i = 1/(1-p) with probability 1-p, else 0: a constant of the graph, so the gradient is g * mask.
  TensorT<T> mask = TensorT<T>::empty(x.shape());
  T* m = mask.mutable_data();
  const T scale = static_cast<T>(1.0 / (1.0 - p));
  std::uniform_real_distribution<double> u(0.0, 1.0);
  auto& gen = generator();
  for (std::size_t i = 0, n = mask.numel(); i < n; ++i) m[i] = u(gen) < p ? T(0) : scale;
  return x * mask;
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

template TensorT<float> dropout<float>(const TensorT<float>&, double, bool);
template TensorT<double> dropout<double>(const TensorT<double>&, double, bool);
template class Dropout<float>;
template class Dropout<double>;

}  // namespace ad::nn

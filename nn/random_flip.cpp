#include "nn/random_flip.h"

#include <random>
#include <sstream>
#include <vector>

#include "autodiff/random.h"

namespace ad::nn {

template <class T>
RandomHorizontalFlip<T>::RandomHorizontalFlip(double p) : p(p) {
  if (!(p >= 0.0 && p <= 1.0)) {
    std::ostringstream os;
    os << "RandomHorizontalFlip: probability must be in [0, 1], got " << p;
    throw ValueError(os.str());
  }
}

template <class T>
TensorT<T> RandomHorizontalFlip<T>::forward(const TensorT<T>& x) {
  if (x.dim() < 2)
    throw ShapeError(this->describe() + ": expected a batch of images (N, ..., W), got shape " + x.shape().str());
  if (!this->is_training() || p == 0.0) return x;
  // A permutation of the elements: within each flipped image, column j of every row reads column W - 1 - j. As a
  // gather (index_select on the flattened batch) it is differentiable like any other.
  const std::size_t n = x.shape()[0], w = x.shape()[x.dim() - 1], per = n ? x.numel() / n : 0;
  std::vector<std::size_t> idx(x.numel());
  std::uniform_real_distribution<double> u(0.0, 1.0);
  auto& gen = generator();
  for (std::size_t i = 0; i < n; ++i) {
    const bool flip = u(gen) < p;
    for (std::size_t k = 0; k < per; ++k) {
      const std::size_t col = k % w, row = k - col;
      idx[i * per + k] = i * per + row + (flip ? w - 1 - col : col);
    }
  }
  return reshape(index_select(reshape(x, Shape{x.numel()}), 0, idx), x.shape());
}

template <class T>
std::string RandomHorizontalFlip<T>::extra_repr() const {
  std::ostringstream os;
  os << "p=" << p;
  return os.str();
}

template class RandomHorizontalFlip<float>;
template class RandomHorizontalFlip<double>;

}  // namespace ad::nn

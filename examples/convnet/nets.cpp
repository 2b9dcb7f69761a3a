#include "examples/convnet/nets.h"

namespace cnn {
using namespace ad::nn;

template <class T>
Sequential<T> mnist_net() {
  return Sequential(Unflatten<T>(1, {1, 28, 28}), Conv2d<T>(1, 32, 3), ReLU<T>(), Conv2d<T>(32, 64, 3), ReLU<T>(),
                    MaxPool2d<T>(2), Dropout<T>(0.25), Flatten<T>(), Linear<T>(9216, 128), ReLU<T>(), Dropout<T>(0.5),
                    Linear<T>(128, 10));
}

template <class T>
Sequential<T> lenet5() {
  return Sequential(Unflatten<T>(1, {1, 28, 28}), Conv2d<T>(1, 6, 5, 1, 2), ReLU<T>(), MaxPool2d<T>(2),
                    Conv2d<T>(6, 16, 5), ReLU<T>(), MaxPool2d<T>(2), Flatten<T>(), Linear<T>(400, 120), ReLU<T>(),
                    Linear<T>(120, 84), ReLU<T>(), Linear<T>(84, 10));
}

template <class T>
Sequential<T> make_net(const std::string& name) {
  if (name == "mnist") return mnist_net<T>();
  if (name == "lenet5") return lenet5<T>();
  throw ad::ValueError("cnn: unknown network \"" + name + "\" (choices: mnist, lenet5)");
}

template Sequential<float> mnist_net<float>();
template Sequential<double> mnist_net<double>();
template Sequential<float> lenet5<float>();
template Sequential<double> lenet5<double>();
template Sequential<float> make_net<float>(const std::string&);
template Sequential<double> make_net<double>(const std::string&);

}  // namespace cnn

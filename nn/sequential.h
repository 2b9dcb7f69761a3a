// Sequential: a chain of modules applied in order, y = f_n(... f_2(f_1(x))). The layers are registered as the
// submodules "0", "1", ..., so parameter names read "0.weight", "2.bias", as in PyTorch.
//
//   auto model = nn::Sequential(nn::Linear(2, 4), nn::Tanh(), nn::Linear(4, 1));          // Sequential<float>
//   auto model_d = nn::Sequential(nn::Linear<double>(2, 4), nn::Tanh<double>());          // Sequential<double>
//
// Layers are taken by value (a temporary, or std::move of a named module) or as std::shared_ptr (to share one
// layer between models, or to keep a typed handle to it).
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "nn/module.h"

namespace ad::nn {

namespace detail {
template <class M>
struct module_arg {  // a module passed by value
  using type = std::decay_t<M>;
};
template <class M>
struct module_arg<std::shared_ptr<M>> {  // a module passed by shared_ptr
  using type = M;
};
// The module type of an argument of Sequential's constructor or push_back.
template <class A>
using module_arg_t = typename module_arg<std::decay_t<A>>::type;
template <class A, class T>
constexpr bool is_module_arg_v = std::is_base_of_v<Module<T>, module_arg_t<A>>;
}  // namespace detail

template <class T = float>
class Sequential : public Module<T> {
 public:
  Sequential() = default;
  template <class... Ms, class = std::enable_if_t<(sizeof...(Ms) > 0) && (detail::is_module_arg_v<Ms, T> && ...)>>
  explicit Sequential(Ms&&... layers) {
    (push_back(std::forward<Ms>(layers)), ...);
  }

  // Appends a layer, registered under the name of its position.
  template <class M>
  Sequential& push_back(M&& layer) {
    using Mod = detail::module_arg_t<M>;
    static_assert(std::is_base_of_v<Module<T>, Mod>,
                  "Sequential<T>::push_back: the layer must be a Module<T> with the same scalar type T");
    if constexpr (std::is_same_v<std::decay_t<M>, std::shared_ptr<Mod>>) {
      return append(std::shared_ptr<Module<T>>(std::forward<M>(layer)));
    } else {
      static_assert(!std::is_lvalue_reference_v<M>,
                    "Sequential: modules cannot be copied; pass a temporary, std::move(layer), or a std::shared_ptr");
      return append(std::make_shared<Mod>(std::forward<M>(layer)));
    }
  }

  TensorT<T> forward(const TensorT<T>& x) override;
  std::string name() const override { return "Sequential"; }

  std::size_t size() const { return layers_.size(); }
  bool empty() const { return layers_.empty(); }
  // The i-th layer; IndexError when out of range.
  const std::shared_ptr<Module<T>>& operator[](std::size_t i) const;
  // The i-th layer as its concrete type, e.g. model.at<nn::Linear<>>(0).weight; ValueError if it is another type.
  template <class M>
  M& at(std::size_t i) const {
    M* m = dynamic_cast<M*>((*this)[i].get());
    if (!m)
      throw ValueError("Sequential::at: layer " + std::to_string(i) + " is " + (*this)[i]->describe() +
                       ", not the requested type");
    return *m;
  }
  auto begin() const { return layers_.begin(); }
  auto end() const { return layers_.end(); }

 private:
  Sequential& append(std::shared_ptr<Module<T>> layer);
  std::vector<std::shared_ptr<Module<T>>> layers_;
};

// The scalar type comes from the first layer, so nn::Sequential(nn::Linear<double>(2, 3), ...) is a
// Sequential<double> (and plain nn::Linear(2, 3) gives Sequential<float>).
template <class M, class... Ms>
Sequential(M&&, Ms&&...) -> Sequential<typename detail::module_arg_t<M>::value_type>;

extern template class Sequential<float>;
extern template class Sequential<double>;

}  // namespace ad::nn

// User-defined ops with their own backward, like torch.autograd.Function (LibTorch: torch::autograd::Function).
//
// As a class: forward and backward are static functions of a type derived from ad::Function<It>; templates over the
// scalar type serve float and double alike.
//
//   struct ScaledTanh : ad::Function<ScaledTanh> {
//     static constexpr const char* name = "scaled_tanh";  // shown in errors and grad_fn_name() (optional)
//     template <class T>
//     static TensorT<T> forward(AutogradContext<T>* ctx, const TensorT<T>& x, double scale) {
//       TensorT<T> y = tanh(x);
//       ctx->save_for_backward({y});
//       ctx->saved_data["scale"] = scale;
//       return y * T(scale);
//     }
//     template <class T>
//     static std::vector<TensorT<T>> backward(AutogradContext<T>* ctx, const std::vector<TensorT<T>>& grad_out) {
//       const TensorT<T> y = ctx->get_saved_variables()[0];
//       const T scale = T(std::any_cast<double>(ctx->saved_data["scale"]));
//       return {grad_out[0] * scale * (T(1) - y * y), TensorT<T>()};  // one per forward argument
//     }
//   };
//   TensorD y = ScaledTanh::apply(x, 2.0);
//
// As lambdas (any number of tensor inputs):
//
//   TensorD y = ad::custom_op<double>("scaled_tanh", {x},
//       [](AutogradContext<double>& ctx, const std::vector<TensorD>& in) { ... return y; },
//       [](AutogradContext<double>& ctx, const TensorD& grad_out) { return std::vector<TensorD>{...}; });
//
// forward runs with recording off (its ops are not part of the graph; its result is the op's value) and gets the
// inputs as they are. backward gets the gradient of the output and returns one gradient per forward argument,
// in order: an undefined tensor where there is none (non-tensor arguments, inputs that need no gradient). A gradient
// may also have a shape the input broadcasts to (it is summed back over the broadcast axes, as in PyTorch); any
// other shape is a ShapeError naming the op and both shapes. The op records through record() (node.h) like every
// built-in op: anomaly mode checks its output and gradients, gradcheck and hooks work on it.
//
// Higher order (backward(create_graph), ad::grad): backward then runs with grad mode on, so its ops are recorded
// and the op differentiates again when backward is composed of ops on the saved inputs. As in PyTorch, a value
// computed inside forward (like y = tanh(x) in the example above) is a constant there: such an op is correct to
// first order only; compute it in backward from the saved input instead (tests/test_function.cpp).
#pragma once
#include <any>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "autodiff/node.h"
#include "autodiff/tensor.h"

namespace ad {

namespace detail {
template <class T>
struct FunctionRecorder;
}

// What forward hands to backward: saved tensors (checked for in-place modification), other saved values, and which
// inputs need a gradient.
template <class T>
class AutogradContext {
 public:
  // Tensors backward will need (inputs, the output, intermediates); their versions are recorded now.
  void save_for_backward(std::vector<TensorT<T>> tensors);
  // The saved tensors. GraphError if one was modified in place since it was saved (its gradient would be wrong).
  std::vector<TensorT<T>> get_saved_variables() const;
  // Any other values backward needs (scalars, options), by name.
  std::map<std::string, std::any> saved_data;
  // Whether forward argument i needs a gradient (false for non-tensor arguments), as PyTorch's ctx.needs_input_grad.
  bool needs_input_grad(std::size_t i) const { return i < needs_grad_.size() && needs_grad_[i]; }

 private:
  template <class U>
  friend struct detail::FunctionRecorder;
  std::string op_;
  std::vector<TensorT<T>> saved_;
  std::vector<std::uint32_t> versions_;
  std::vector<bool> needs_grad_;
};

namespace detail {

// Records a user-defined op: the node calls the user's backward and accumulates what it returns.
template <class T>
struct FunctionRecorder {
  using Backward = std::function<std::vector<TensorT<T>>(AutogradContext<T>&, const std::vector<TensorT<T>>&)>;
  // `tensor_args[i]` is the position among the forward arguments of input i; `n_args` their number.
  static TensorT<T> record_op(const std::string& name, std::unique_ptr<AutogradContext<T>> ctx,
                              const std::vector<TensorT<T>>& inputs, const std::vector<std::size_t>& tensor_args,
                              std::size_t n_args, const TensorT<T>& value, Backward backward);
  static void prepare(AutogradContext<T>& ctx, const std::string& name, const std::vector<TensorT<T>>& inputs,
                      const std::vector<std::size_t>& tensor_args, std::size_t n_args);
};

template <class A>
struct is_tensor : std::false_type {};
template <class U>
struct is_tensor<TensorT<U>> : std::true_type {};
template <class A>
constexpr bool is_tensor_v = is_tensor<std::decay_t<A>>::value;

// The scalar type of the first tensor among the arguments (void if there is none).
template <class A>
struct scalar_of {
  using type = void;
};
template <class U>
struct scalar_of<TensorT<U>> {
  using type = U;
};
template <class... Args>
struct first_scalar {
  using type = void;
};
template <class A, class... Rest>
struct first_scalar<A, Rest...> {
  using type = std::conditional_t<is_tensor_v<A>, typename scalar_of<std::decay_t<A>>::type,
                                  typename first_scalar<Rest...>::type>;
};

template <class F>
constexpr auto function_name(int) -> decltype(F::name, (const char*)nullptr) {
  return F::name;
}
template <class F>
constexpr const char* function_name(long) {
  return "custom_function";
}

}  // namespace detail

template <class Derived>
struct Function {
  // Runs Derived::forward on the arguments and records the op (when an input requires grad and grad mode is on).
  template <class... Args>
  static auto apply(Args&&... args) {
    using T = typename detail::first_scalar<Args...>::type;
    static_assert(!std::is_void_v<T>, "Function::apply: at least one argument must be a tensor");
    const std::string name = detail::function_name<Derived>(0);
    std::vector<TensorT<T>> inputs;
    std::vector<std::size_t> positions;
    std::size_t pos = 0;
    (
        [&](const auto& a) {
          if constexpr (detail::is_tensor_v<decltype(a)>) {
            inputs.push_back(a);
            positions.push_back(pos);
          }
          ++pos;
        }(args),
        ...);
    auto ctx = std::make_unique<AutogradContext<T>>();
    detail::FunctionRecorder<T>::prepare(*ctx, name, inputs, positions, sizeof...(Args));
    TensorT<T> value;
    {
      NoGradGuard no_grad;
      value = Derived::forward(ctx.get(), std::forward<Args>(args)...);
    }
    auto backward = [](AutogradContext<T>& c, const std::vector<TensorT<T>>& grad_out) {
      return Derived::backward(&c, grad_out);
    };
    return detail::FunctionRecorder<T>::record_op(name, std::move(ctx), inputs, positions, sizeof...(Args), value,
                                                  backward);
  }
};

// The lambda form (see the top of this file).
template <class T>
TensorT<T> custom_op(const std::string& name, const std::vector<TensorT<T>>& inputs,
                     const std::function<TensorT<T>(AutogradContext<T>&, const std::vector<TensorT<T>>&)>& forward,
                     const std::function<std::vector<TensorT<T>>(AutogradContext<T>&, const TensorT<T>&)>& backward);

}  // namespace ad

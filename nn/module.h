// Module<T>: the base of every layer. A module owns named parameters (leaf tensors that require grad, trained by an
// optimizer), named buffers (state that is saved but not trained, such as BatchNorm's running statistics) and named
// submodules, and maps an input tensor to an output tensor in forward().
//
//   auto model = nn::Sequential(nn::Linear(2, 4), nn::Tanh(), nn::Linear(4, 1));
//   auto loss = nn::mse_loss(model(x), y);
//   model.zero_grad();
//   loss.backward();
//   for (auto& [name, p] : model.named_parameters()) ...   // "0.weight", "0.bias", "2.weight", "2.bias"
//
// Parameters are tensor handles: a module and the list returned by parameters() share the same storage, so an
// optimizer that writes p.mutable_data() updates the module. Modules own their state, so they can be moved but not
// copied (a copy would silently share or duplicate parameters); to use one module in two places, hold it by
// std::shared_ptr. A parameter reached twice (a shared submodule) is listed once.
#pragma once
#include <cstddef>
#include <iosfwd>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "autodiff/error.h"
#include "autodiff/hooks.h"
#include "autodiff/named.h"
#include "autodiff/tensor.h"

namespace ad::nn {

template <class T = float>
class Module {
 public:
  using value_type = T;

  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  Module(Module&&) noexcept = default;
  Module& operator=(Module&&) noexcept = default;

  // The layer's computation. Non-const: some layers update state while training (BatchNorm's running statistics).
  virtual TensorT<T> forward(const TensorT<T>& x) = 0;
  // Calls forward() between the forward hooks, as PyTorch's Module.__call__: containers call their layers this way.
  TensorT<T> operator()(const TensorT<T>& x);

  // ---- Forward hooks (PyTorch's names and semantics). A pre-hook runs before forward() with the module and its
  // input and may return a replacement input; a hook runs after it with the module, the input and the output and
  // may return a replacement output; an undefined tensor leaves the value as it is. Hooks run in registration order.
  // The handle's remove() unregisters the hook (also after the module was moved).
  using ForwardPreHook = std::function<TensorT<T>(Module&, const TensorT<T>& input)>;
  using ForwardHook = std::function<TensorT<T>(Module&, const TensorT<T>& input, const TensorT<T>& output)>;
  RemovableHandle register_forward_pre_hook(ForwardPreHook hook);
  RemovableHandle register_forward_hook(ForwardHook hook);

  // The layer's type ("Linear") and its hyper-parameters ("in_features=2, out_features=4, bias=true"), as in PyTorch.
  virtual std::string name() const = 0;
  virtual std::string extra_repr() const { return ""; }
  // "Linear(in_features=2, out_features=4, bias=true)": used in error messages.
  std::string describe() const { return name() + "(" + extra_repr() + ")"; }
  // The module tree, one submodule per line (like printing a PyTorch module).
  std::string str() const;

  // ---- Parameters, buffers, submodules (registration order: own entries first, then each submodule's)
  std::vector<TensorT<T>> parameters() const;
  // Dotted names: "weight" for this module's own, "0.weight" for the parameter "weight" of submodule "0".
  NamedTensors<T> named_parameters() const;
  NamedTensors<T> named_buffers() const;
  // Everything a checkpoint needs to restore the module: named parameters, then named buffers.
  NamedTensors<T> state_dict() const;
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const { return children_; }
  // Total number of trainable scalars (sum of numel over parameters()).
  std::size_t num_parameters() const;

  // ---- Modes. Training mode (the default) vs evaluation mode changes what Dropout and BatchNorm do; the mode is
  // propagated to every submodule.
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // Resets the gradients of all parameters to zero (or drops them, when set_to_none), before the next backward.
  void zero_grad(bool set_to_none = false);

 protected:
  // Registers a trainable parameter (made to require grad) under `name` and returns the handle to keep as a member.
  // Names must be non-empty, contain no '.', and be unique within the module; ValueError otherwise.
  TensorT<T> register_parameter(const std::string& name, TensorT<T> p);
  // Registers state that is saved in checkpoints but not trained (requires_grad stays false).
  TensorT<T> register_buffer(const std::string& name, TensorT<T> b);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    static_assert(std::is_base_of_v<Module, M>, "register_module: M must derive from Module<T> with the same T");
    if (!m) throw ValueError("register_module: submodule '" + name + "' of " + describe() + " is null");
    check_new_name(name);
    children_.emplace_back(name, m);
    return m;
  }

 private:
  void check_new_name(const std::string& name) const;
  void collect(const std::string& prefix, bool params, bool buffers, NamedTensors<T>& out,
               std::vector<const void*>& seen) const;
  void print(std::ostream& os, const std::string& indent) const;

  NamedTensors<T> params_;
  NamedTensors<T> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
  struct Hooks {
    HookList<ForwardPreHook> pre;
    HookList<ForwardHook> post;
  };
  std::shared_ptr<Hooks> hooks_;  // created by the first registration; handles hold it weakly
};

template <class T>
std::ostream& operator<<(std::ostream& os, const Module<T>& m);

// The training flag of a module and of every submodule (pre-order), and their restoration. evaluate, predict and
// summary put a model in evaluation mode and back with these, so that a submodule the user had put in evaluation
// mode (a frozen BatchNorm) stays there, where model.train() would switch it back.
template <class T>
std::vector<bool> training_modes(const Module<T>& m);
template <class T>
void restore_training_modes(Module<T>& m, const std::vector<bool>& modes);

extern template class Module<float>;
extern template class Module<double>;
extern template std::vector<bool> training_modes(const Module<float>&);
extern template std::vector<bool> training_modes(const Module<double>&);
extern template void restore_training_modes(Module<float>&, const std::vector<bool>&);
extern template void restore_training_modes(Module<double>&, const std::vector<bool>&);

}  // namespace ad::nn

// Optimizer<T>: the common part of every optimizer (like torch::optim::Optimizer).
//
// An optimizer holds handles to the parameters it updates (sharing their storage) and, for each parameter, the
// state its rule needs (momentum buffers, running averages) plus a step counter. The training loop is PyTorch's:
//
//   optim::Adam opt(params, optim::AdamOptions(1e-3).weight_decay(1e-4));
//   for (...) { opt.zero_grad(); loss(...).backward(); opt.step(); }
//
// step() updates, in place through mutable_data(), every parameter whose gradient is defined; a parameter the last
// backward did not reach has no gradient after zero_grad() and is skipped: its values, state and step counter stay
// as they are. Each optimizer writes its rule as one fused loop over the raw values of p, its gradient and its state
// (no temporary tensors, nothing recorded on the tape).
//
// Scalar type: every optimizer is a class template over T (float or double, explicitly instantiated in the .cpp
// files) with T = float by default, so `optim::SGD<> opt(params, 0.1)` trains Tensor parameters and class template
// argument deduction picks T from the parameters: `optim::Adam opt(double_params)` is an Adam<double>.
// Hyper-parameters are doubles (as in LibTorch); each update converts them to T once.
//
// state_dict(): "lr" (a real), then for each parameter i (in the order given to the constructor) "state.<i>.step" (an
// integer) and one "state.<i>.<buffer>" per state buffer of the rule (e.g. "state.0.exp_avg", a tensor shaped like
// parameter i). Each keeps its own type (autodiff/state_dict.h), so a checkpoint stores the learning rate as a
// float64 and the steps as int64 that NumPy shows as they are, and restores them bit for bit.
// load_state_dict() needs exactly these names, kinds and shapes (an optimizer of
// the same kind, over parameters of the same shapes, with the same options that decide which buffers exist) and
// throws ValueError (names, values) or ShapeError (shapes) otherwise, having changed nothing. Parameter values are not
// part of an optimizer's state: save them with the model.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "autodiff/named.h"
#include "autodiff/state_dict.h"
#include "autodiff/tensor.h"

namespace ad::optim {

template <class T = float>
class Optimizer {
 public:
  using value_type = T;

  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;
  virtual ~Optimizer() = default;

  // One update of every parameter that has a gradient.
  void step();
  // Clears the gradients of all parameters: drops them (set_to_none, the default as in PyTorch 2, which also lets
  // step() skip parameters that the next backward does not reach) or fills them with zeros.
  void zero_grad(bool set_to_none = true);

  // The learning rate used by the next step(). set_lr throws ValueError on a negative, infinite or NaN rate.
  double lr() const { return lr_; }
  void set_lr(double lr);

  const std::vector<TensorT<T>>& params() const { return params_; }
  // Updates applied to parameter i so far (parameters skipped for lack of a gradient do not count the step).
  std::uint64_t step_count(std::size_t i) const;
  // "SGD", "Adam", ...: used in error messages.
  const std::string& name() const { return name_; }

  StateDict state_dict() const;
  void load_state_dict(const StateDict& dict);

 protected:
  // Throws ValueError if a parameter is undefined, not a leaf, or given twice (it would be updated twice).
  Optimizer(std::vector<TensorT<T>> params, double lr, std::string name);

  // Registers a state buffer: one tensor per parameter, of its shape, filled with `init`. Call from the
  // constructor; returns the buffer's index for state().
  std::size_t add_state(const std::string& buffer, T init = T(0));
  T* state(std::size_t param, std::size_t buffer) { return buffers_[param][buffer].mutable_data(); }

  // The rule for one parameter: updates its n values p in place from the gradient g and the parameter's state.
  // `step` is this parameter's update number (1 on its first update).
  virtual void update(std::size_t param, T* p, const T* g, std::size_t n, std::uint64_t step) = 0;

 private:
  std::vector<TensorT<T>> params_;
  std::vector<std::uint64_t> steps_;
  std::vector<std::string> buffer_names_;
  std::vector<std::vector<TensorT<T>>> buffers_;  // [param][buffer]
  double lr_;
  std::string name_;
};

}  // namespace ad::optim

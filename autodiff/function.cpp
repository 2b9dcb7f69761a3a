#include "autodiff/function.h"

#include <cstring>

#include "autodiff/kernels.h"

namespace ad {

template <class T>
void AutogradContext<T>::save_for_backward(std::vector<TensorT<T>> tensors) {
  saved_ = std::move(tensors);
  versions_.clear();
  for (const auto& t : saved_) versions_.push_back(t.defined() ? t.impl().version() : 0);
}

template <class T>
std::vector<TensorT<T>> AutogradContext<T>::get_saved_variables() const {
  for (std::size_t i = 0; i < saved_.size(); ++i)
    if (saved_[i].defined() && saved_[i].impl().version() != versions_[i])
      throw GraphError("backward of '" + op_ + "': saved tensor " + std::to_string(i) + " of shape " +
                       saved_[i].shape().str() + " was modified in place after it was saved (version " +
                       std::to_string(saved_[i].impl().version()) + ", expected " + std::to_string(versions_[i]) +
                       "); its gradient would be wrong");
  return saved_;
}

namespace detail {
namespace {

// dL/d(input i) += what the user's backward returned for it: same shape, or a shape the input broadcasts to
// (summed back over the broadcast axes).
template <class T>
void check_user_grad(const std::string& op, std::size_t input, const TensorImpl<T>& x, const TensorT<T>& g) {
  const Shape& gs = g.shape();
  if (gs == x.shape) return;
  bool broadcasts = x.shape.rank() <= gs.rank();
  for (std::size_t d = 0; broadcasts && d < x.shape.rank(); ++d) {
    const std::size_t xd = x.shape[d], gd = gs[d + gs.rank() - x.shape.rank()];
    broadcasts = xd == gd || xd == 1;
  }
  if (!broadcasts)
    throw ShapeError("backward of '" + op + "': the gradient returned for input " + std::to_string(input) +
                     " has shape " + gs.str() + ", but the input has shape " + x.shape.str());
}

template <class T>
void accumulate_user_grad(const std::string& op, std::size_t input, const TensorImpl<T>& x, const TensorT<T>& g,
                          T* dst) {
  check_user_grad(op, input, x, g);
  if (g.shape() == x.shape) {
    const T* src = g.data();
    for (std::size_t i = 0; i < x.numel; ++i) dst[i] += src[i];
    return;
  }
  kernels::sum_to(g.data(), g.shape(), dst, x.shape);
}

template <class T>
class FunctionNode final : public Node<T> {
 public:
  FunctionNode(std::string name, std::unique_ptr<AutogradContext<T>> ctx, std::vector<std::size_t> positions,
               std::size_t n_args, typename FunctionRecorder<T>::Backward backward)
      : name_(std::move(name)),
        ctx_(std::move(ctx)),
        positions_(std::move(positions)),
        n_args_(n_args),
        backward_(std::move(backward)) {}
  const char* name() const override { return name_.c_str(); }
  void backward() override {
    // The gradient of the output as a tensor of its own (the user may keep it).
    TensorT<T> g = TensorT<T>::empty(this->out->shape);
    std::memcpy(g.impl().data, this->gout(), this->out->numel * sizeof(T));
    std::vector<TensorT<T>> grads;
    {
      NoGradGuard no_grad;  // first-order backward: what the user's backward computes is not recorded
      grads = backward_(*ctx_, {g});
    }
    for_each_input_grad(grads, [&](std::size_t input, const TensorT<T>& ga) {
      if (T* dst = this->gin(input)) accumulate_user_grad(name_, input, *this->input(input), ga, dst);
    });
  }
  // The user's backward with grad mode as the pass sets it: recorded under create_graph, so a backward composed of
  // ops on the saved inputs differentiates again (as in PyTorch, values computed inside forward are constants).
  void backward_graph(const TensorT<T>& g, const bool* need, TensorT<T>* gin) override {
    const std::vector<TensorT<T>> grads = backward_(*ctx_, {g});
    for_each_input_grad(grads, [&](std::size_t input, const TensorT<T>& ga) {
      if (!need[input]) return;
      const TensorImpl<T>& x = *this->input(input);
      check_user_grad(name_, input, x, ga);
      gin[input] = ga.shape() == x.shape ? ga : sum_to(ga, x.shape);
    });
  }

 private:
  // Calls f(input, gradient) for each defined gradient of a tensor argument; ValueError for a wrong count or a
  // gradient returned for a non-tensor argument.
  template <class F>
  void for_each_input_grad(const std::vector<TensorT<T>>& grads, F f) const {
    if (grads.size() != n_args_)
      throw ValueError("backward of '" + name_ + "': returned " + std::to_string(grads.size()) +
                       " gradients, expected " + std::to_string(n_args_) + " (one per forward argument)");
    std::size_t input = 0;
    for (std::size_t arg = 0; arg < n_args_; ++arg) {
      const bool is_input = input < positions_.size() && positions_[input] == arg;
      const TensorT<T>& ga = grads[arg];
      if (!is_input) {
        if (ga.defined())
          throw ValueError("backward of '" + name_ + "': returned a gradient for forward argument " +
                           std::to_string(arg) + ", which is not a tensor (return an undefined tensor there)");
        continue;
      }
      if (ga.defined()) f(input, ga);
      ++input;
    }
  }

 private:
  std::string name_;
  std::unique_ptr<AutogradContext<T>> ctx_;
  std::vector<std::size_t> positions_;
  std::size_t n_args_;
  typename FunctionRecorder<T>::Backward backward_;
};

}  // namespace

template <class T>
void FunctionRecorder<T>::prepare(AutogradContext<T>& ctx, const std::string& name,
                                  const std::vector<TensorT<T>>& inputs, const std::vector<std::size_t>& tensor_args,
                                  std::size_t n_args) {
  ctx.op_ = name;
  ctx.needs_grad_.assign(n_args, false);
  for (std::size_t i = 0; i < inputs.size(); ++i)
    ctx.needs_grad_[tensor_args[i]] = grad_enabled() && inputs[i].requires_grad();
}

template <class T>
TensorT<T> FunctionRecorder<T>::record_op(const std::string& name, std::unique_ptr<AutogradContext<T>> ctx,
                                          const std::vector<TensorT<T>>& inputs,
                                          const std::vector<std::size_t>& tensor_args, std::size_t n_args,
                                          const TensorT<T>& value, Backward backward) {
  if (!value.defined()) throw ValueError("'" + name + "': forward returned an undefined tensor");
  // The op's output is a new tensor sharing the storage of what forward returned (which may be an input, or be
  // saved in ctx: the output's node must not be owned by a tensor ctx refers to, or neither would ever be freed).
  ImplRef<T> out = TensorImpl<T>::view_of(value.impl_ptr(), value.shape());
  std::vector<TensorImpl<T>*> raw;
  for (const auto& x : inputs) raw.push_back(&x.impl());
  record<FunctionNode<T>>(out.get(), name.c_str(), Inputs<T>(raw), name, std::move(ctx), tensor_args, n_args,
                          std::move(backward));
  return TensorT<T>(std::move(out));
}

template struct FunctionRecorder<float>;
template struct FunctionRecorder<double>;

}  // namespace detail

template <class T>
TensorT<T> custom_op(const std::string& name, const std::vector<TensorT<T>>& inputs,
                     const std::function<TensorT<T>(AutogradContext<T>&, const std::vector<TensorT<T>>&)>& forward,
                     const std::function<std::vector<TensorT<T>>(AutogradContext<T>&, const TensorT<T>&)>& backward) {
  if (!forward || !backward) throw ValueError("custom_op '" + name + "': forward and backward must both be given");
  std::vector<std::size_t> positions(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) positions[i] = i;
  auto ctx = std::make_unique<AutogradContext<T>>();
  detail::FunctionRecorder<T>::prepare(*ctx, name, inputs, positions, inputs.size());
  TensorT<T> value;
  {
    NoGradGuard no_grad;
    value = forward(*ctx, inputs);
  }
  auto bwd = [backward](AutogradContext<T>& c, const std::vector<TensorT<T>>& grad_out) {
    return backward(c, grad_out[0]);
  };
  return detail::FunctionRecorder<T>::record_op(name, std::move(ctx), inputs, positions, inputs.size(), value, bwd);
}

template class AutogradContext<float>;
template class AutogradContext<double>;
template TensorT<float> custom_op<float>(
    const std::string&, const std::vector<TensorT<float>>&,
    const std::function<TensorT<float>(AutogradContext<float>&, const std::vector<TensorT<float>>&)>&,
    const std::function<std::vector<TensorT<float>>(AutogradContext<float>&, const TensorT<float>&)>&);
template TensorT<double> custom_op<double>(
    const std::string&, const std::vector<TensorT<double>>&,
    const std::function<TensorT<double>(AutogradContext<double>&, const std::vector<TensorT<double>>&)>&,
    const std::function<std::vector<TensorT<double>>(AutogradContext<double>&, const TensorT<double>&)>&);

}  // namespace ad

// Gradients as tensors: ad::grad (torch.autograd.grad) and the pass behind backward(create_graph).
//
//   TensorD x = TensorD::randn({64, 1}, true);
//   TensorD u = model(x);
//   const ad::GradOptions create_graph{/*retain_graph=*/{}, /*create_graph=*/true};
//   TensorD u_x  = ad::grad({u}, {x}, {TensorD::ones(u.shape())}, create_graph)[0];
//   TensorD u_xx = ad::grad({u_x}, {x}, {TensorD::ones(u.shape())}, create_graph)[0];
//   ((-u_xx - f).pow(2)).mean().backward();   // through both derivatives, to the weights
//
// grad(outputs, inputs, grad_outputs) returns sum_j grad_outputs[j]^T d outputs[j] / d inputs[i] for each input
// (leaf or not), without touching any .grad. An empty grad_outputs (or an undefined entry) stands for 1 and is
// allowed only for a one-element output. With create_graph the gradients are computed by ops that record
// themselves (each node's backward_graph, node.h): they carry a graph back to the inputs and to everything the
// outputs depend on, and can be differentiated again, to any order. Only the nodes on a path from an input to an
// output run.
//
// Semantics are torch.autograd.grad's (PyTorch 1.13): retain_graph defaults to create_graph (std::nullopt);
// without it the pass releases the graph, and a second pass through it is a GraphError; an input the outputs do
// not depend on is a GraphError unless allow_unused, which gives an undefined tensor for it; an input or output
// that does not require grad is a GraphError. Gradient hooks (register_hook) run on the gradients of the pass.
#pragma once
#include <optional>
#include <vector>

#include "autodiff/tensor.h"

namespace ad {

// {retain_graph, create_graph, allow_unused}, in the order of LibTorch's torch::autograd::grad parameters.
struct GradOptions {
  std::optional<bool> retain_graph;  // default: create_graph
  bool create_graph = false;
  bool allow_unused = false;
};

template <class T>
std::vector<TensorT<T>> grad(const std::vector<TensorT<T>>& outputs, const std::vector<TensorT<T>>& inputs,
                             const std::vector<TensorT<T>>& grad_outputs = {}, const GradOptions& options = {});

namespace detail {
// The pass behind backward(seed, retain_graph, create_graph = true): gradients as recorded tensors, accumulated
// into the .grad of every leaf that requires grad (grad = grad + g, itself recorded).
template <class T>
void backward_create_graph(const TensorT<T>& output, const TensorT<T>& seed, bool retain_graph);
}  // namespace detail

}  // namespace ad

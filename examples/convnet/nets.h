// The networks of the cnn example (and of bench/cnn_step, which times one training step of the first):
//
//   mnist_net: the network of PyTorch's MNIST example (github.com/pytorch/examples, mnist/main.py):
//     conv 1->32 3x3, ReLU, conv 32->64 3x3, ReLU, max-pool 2, dropout 0.25, flatten (9216), linear 128, ReLU,
//     dropout 0.5, linear 10.                                             1.2 M parameters, 28x28 input.
//   lenet5: LeNet-5 (LeCun et al. 1998) with ReLU and max pooling, as commonly trained today:
//     conv 1->6 5x5 padding 2, ReLU, max-pool 2, conv 6->16 5x5, ReLU, max-pool 2, flatten (400), linear 120, ReLU,
//     linear 84, ReLU, linear 10.                                         62 k parameters, 28x28 input.
//
// Both take rows of 784 pixels (N, 784), as the IDX data sets give them, and start with Unflatten to (N, 1, 28, 28)
// (so layer 1 is the first convolution); they output logits (the loss is softmax cross-entropy).
#pragma once
#include <string>

#include "nn/nn.h"

namespace cnn {

template <class T = float>
ad::nn::Sequential<T> mnist_net();
template <class T = float>
ad::nn::Sequential<T> lenet5();
// "mnist" or "lenet5"; ValueError naming the choices otherwise.
template <class T = float>
ad::nn::Sequential<T> make_net(const std::string& name);

}  // namespace cnn

// nn::summary: the Keras / torchinfo table of layers, output shapes and parameter counts.
#include <doctest/doctest.h>

#include "autodiff/autodiff.h"
#include "nn/nn.h"

using namespace ad;

TEST_CASE("summary: one row per layer with its output shape and parameters, then the totals") {
  auto model = nn::Sequential(nn::Linear(4, 8), nn::ReLU(), nn::Linear(8, 3));
  CHECK(nn::summary(model, Shape{5, 4}) ==
        "Model: Sequential, input [5, 4]\n"
        "Layer (type)   Output shape   Param #\n"
        "=====================================\n"
        "0 (Linear)     [5, 8]              40\n"
        "1 (ReLU)       [5, 8]               0\n"
        "2 (Linear)     [5, 3]              27\n"
        "=====================================\n"
        "Output: [5, 3]\n"
        "Total params: 67 (0.00 MB)\n"
        "Trainable params: 67\n"
        "Non-trainable params: 0\n"
        "Buffers: 0 values (saved in checkpoints, not trained)\n");
  CHECK(model.is_training());  // the mode is restored
}

TEST_CASE("summary: nested modules are indented, containers count their subtree, frozen parameters and buffers") {
  auto block = std::make_shared<nn::Sequential<float>>(nn::Linear(1000, 1000), nn::BatchNorm1d(1000));
  auto model = nn::Sequential(block, nn::Tanh(), nn::Linear(1000, 2));
  model.eval();
  block->parameters()[0].requires_grad_(false);  // the first Linear's weight frozen
  CHECK(nn::summary(model, Shape{2, 1000}) ==
        "Model: Sequential, input [2, 1000]\n"
        "Layer (type)          Output shape     Param #\n"
        "==============================================\n"
        "0 (Sequential)        [2, 1000]      1,003,000\n"
        "  0.0 (Linear)        [2, 1000]      1,001,000\n"
        "  0.1 (BatchNorm1d)   [2, 1000]          2,000\n"
        "1 (Tanh)              [2, 1000]              0\n"
        "2 (Linear)            [2, 2]             2,002\n"
        "==============================================\n"
        "Output: [2, 2]\n"
        "Total params: 1,005,002 (4.02 MB)\n"
        "Trainable params: 5,002\n"
        "Non-trainable params: 1,000,000\n"
        "Buffers: 2,000 values (saved in checkpoints, not trained)\n");  // running mean and variance
  CHECK_FALSE(model.is_training());
}

TEST_CASE("bad input: summary with an input shape the model rejects throws the model's error") {
  auto model = nn::Sequential(nn::Linear(4, 8));
  CHECK_THROWS_AS(nn::summary(model, Shape{5, 3}), ShapeError);
  CHECK(model.is_training());
}

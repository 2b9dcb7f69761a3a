// Module, Sequential: registration, dotted names, modes, zero_grad, counting, CTAD, errors.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "autodiff/autodiff.h"
#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/dropout.h"
#include "nn/linear.h"
#include "nn/sequential.h"

using namespace ad;

namespace {

std::vector<std::string> names_of(const NamedTensors<float>& list) {
  std::vector<std::string> out;
  for (const auto& e : list) out.push_back(e.first);
  return out;
}

// A user-defined module with its own parameter and a nested Sequential.
struct TwoTower : nn::Module<float> {
  TwoTower() {
    scale = register_parameter("scale", Tensor::ones({3}));
    enc = register_module("enc", std::make_shared<nn::Sequential<float>>(nn::Linear(2, 3), nn::ReLU()));
    norm = register_module("norm", std::make_shared<nn::BatchNorm1d<float>>(3));
  }
  Tensor forward(const Tensor& x) override { return norm->forward(enc->forward(x)) * scale; }
  std::string name() const override { return "TwoTower"; }
  void bad_duplicate() { register_parameter("scale", Tensor::ones({1})); }
  void bad_dotted() { register_parameter("a.b", Tensor::ones({1})); }
  void bad_empty() { register_buffer("", Tensor::ones({1})); }

  Tensor scale;
  std::shared_ptr<nn::Sequential<float>> enc;
  std::shared_ptr<nn::BatchNorm1d<float>> norm;
};

}  // namespace

TEST_CASE("nn: Sequential deduces its scalar type and names parameters like PyTorch") {
  auto model = nn::Sequential(nn::Linear(2, 4), nn::Tanh(), nn::Linear(4, 1));
  static_assert(std::is_same_v<decltype(model), nn::Sequential<float>>);
  auto model_d = nn::Sequential(nn::Linear<double>(2, 4), nn::Tanh<double>());
  static_assert(std::is_same_v<decltype(model_d), nn::Sequential<double>>);
  auto dense = nn::Dense(3, 2);
  static_assert(std::is_same_v<decltype(dense), nn::Dense<float>>);

  CHECK(model.size() == 3);
  CHECK(names_of(model.named_parameters()) == std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"});
  CHECK(model.num_parameters() == 2 * 4 + 4 + 4 * 1 + 1);
  CHECK(model.parameters().size() == 4);
  const auto params = model.named_parameters();
  CHECK(params[0].second.shape() == Shape{2, 4});
  CHECK(params[1].second.shape() == Shape{4});
  CHECK(params[2].second.shape() == Shape{4, 1});
  for (const auto& e : params) CHECK_MESSAGE(e.second.requires_grad(), e.first);

  // The listed parameters are the layers' own tensors (shared storage), not copies.
  CHECK(params[0].second.impl_ptr() == model.at<nn::Linear<float>>(0).weight.impl_ptr());
  CHECK(params[3].second.impl_ptr() == model.at<nn::Linear<float>>(2).bias.impl_ptr());

  const Tensor y = model(Tensor::randn({5, 2}));
  CHECK(y.shape() == Shape{5, 1});
  CHECK(model.str() ==
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=4, bias=true)\n"
        "  (1): Tanh()\n"
        "  (2): Linear(in_features=4, out_features=1, bias=true)\n"
        ")");
}

TEST_CASE("nn: nested modules give dotted names, buffers are in state_dict only") {
  TwoTower m;
  CHECK(names_of(m.named_parameters()) ==
        std::vector<std::string>{"scale", "enc.0.weight", "enc.0.bias", "norm.weight", "norm.bias"});
  CHECK(names_of(m.named_buffers()) == std::vector<std::string>{"norm.running_mean", "norm.running_var"});
  CHECK(names_of(m.state_dict()) == std::vector<std::string>{"scale", "enc.0.weight", "enc.0.bias", "norm.weight",
                                                             "norm.bias", "norm.running_mean", "norm.running_var"});
  CHECK(m.num_parameters() == 3 + 6 + 3 + 3 + 3);
  for (const auto& e : m.named_buffers()) CHECK_MESSAGE(!e.second.requires_grad(), e.first);
  CHECK(m.forward(Tensor::randn({4, 2})).shape() == Shape{4, 3});
  CHECK_THROWS_AS(m.bad_duplicate(), ValueError);
  CHECK_THROWS_AS(m.bad_dotted(), ValueError);
  CHECK_THROWS_AS(m.bad_empty(), ValueError);
}

TEST_CASE("nn: train() and eval() reach every submodule") {
  TwoTower m;
  auto seq = nn::Sequential(nn::Linear(2, 2), nn::Dropout(0.5), nn::Sequential(nn::ReLU(), nn::Dropout(0.1)));
  CHECK(m.is_training());
  m.eval();
  CHECK(!m.is_training());
  CHECK(!m.enc->is_training());
  CHECK(!m.norm->is_training());
  CHECK(!(*m.enc)[1]->is_training());
  m.train();
  CHECK(m.norm->is_training());

  seq.eval();
  const auto& inner = seq.at<nn::Sequential<float>>(2);
  CHECK(!inner.is_training());
  CHECK(!inner[1]->is_training());
  seq.train(true);
  CHECK(inner[1]->is_training());
}

TEST_CASE("nn: zero_grad clears or drops every parameter's gradient") {
  manual_seed(1);
  auto model = nn::Sequential(nn::Linear(3, 4), nn::ReLU(), nn::Linear(4, 2));
  model(Tensor::randn({5, 3})).pow(2.0f).sum().backward();
  for (const auto& p : model.parameters()) REQUIRE(p.grad().defined());
  model.zero_grad();
  for (const auto& p : model.parameters())
    for (float g : p.grad().to_vector()) CHECK(g == 0.0f);
  model.zero_grad(/*set_to_none=*/true);
  for (const auto& p : model.parameters()) CHECK(!p.grad().defined());
}

TEST_CASE("nn: a module shared by shared_ptr is listed once") {
  auto shared = std::make_shared<nn::Linear<float>>(3, 3);
  auto model = nn::Sequential(shared, nn::Tanh(), shared);
  CHECK(names_of(model.named_parameters()) == std::vector<std::string>{"0.weight", "0.bias"});
  CHECK(model.num_parameters() == 12);
  CHECK(model[2].get() == shared.get());
}

TEST_CASE("nn: Sequential and Linear report misuse clearly") {
  auto model = nn::Sequential(nn::Linear(2, 4), nn::ReLU());
  CHECK_THROWS_AS(model[2], IndexError);
  CHECK_THROWS_AS(model.at<nn::Linear<float>>(1), ValueError);
  try {
    model(Tensor::randn({3, 5}));
    FAIL("expected ShapeError");
  } catch (const ShapeError& e) {
    const std::string msg = e.what();
    CHECK(msg.find("[3, 5]") != std::string::npos);
    CHECK(msg.find("in_features=2") != std::string::npos);
  }
  CHECK_THROWS_AS(nn::Linear(0, 3), ValueError);
  nn::Sequential<float> empty;
  const Tensor x = Tensor::randn({2, 2});
  CHECK(empty(x).to_vector() == x.to_vector());
}

TEST_CASE("nn: Linear without bias has only a weight") {
  nn::Linear lin(3, 2, /*bias=*/false);
  CHECK(names_of(lin.named_parameters()) == std::vector<std::string>{"weight"});
  CHECK(!lin.bias.defined());
  CHECK(lin.describe() == "Linear(in_features=3, out_features=2, bias=false)");
}

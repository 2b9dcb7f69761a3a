// The README's "Build a model" snippets, compiled and run, so the documentation cannot go stale; and the
// end-to-end promise of checkpoints: training resumed from a file continues exactly as if never interrupted.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>

#include "autodiff/autodiff.h"
#include "nn/nn.h"
#include "optim/optim.h"

using namespace ad;

TEST_CASE("readme: a 10-line MLP trained with Adam learns XOR") {
  manual_seed(1);
  // --- README snippet begins
  auto model = nn::Sequential(nn::Linear(2, 4), nn::Tanh(), nn::Linear(4, 1));
  optim::Adam opt(model.parameters(), optim::AdamOptions(0.05));
  Tensor x = Tensor::from({0, 0, 0, 1, 1, 0, 1, 1}, {4, 2});
  Tensor y = Tensor::from({0, 1, 1, 0}, {4, 1});
  for (int epoch = 0; epoch < 500; ++epoch) {
    Tensor loss = nn::binary_cross_entropy_with_logits(model(x), y);
    opt.zero_grad();
    loss.backward();
    opt.step();
  }
  Tensor p = sigmoid(model(x));  // ~ [0, 1, 1, 0]
  // --- README snippet ends
  for (std::size_t i = 0; i < 4; ++i) CHECK((p.data()[i] > 0.5f) == (y.data()[i] > 0.5f));
}

TEST_CASE("readme: checking the gradient of a custom function") {
  auto x = TensorD::randn({3, 4}, true);
  auto r = gradcheck<double>([](const std::vector<TensorD>& v) { return sqrt(v[0] * v[0] + exp(v[0] * v[0])); }, {x});
  CHECK_MESSAGE(r.ok, r.report);
}

TEST_CASE("checkpoint: training resumed from a checkpoint (model + Adam state) is bit-identical") {
  const auto path = (std::filesystem::temp_directory_path() / "ad_resume_test.npz").string();
  auto batch = [](int step) {
    manual_seed(1000 + step);
    return std::make_pair(Tensor::randn({16, 3}), Tensor::randn({16, 2}));
  };
  auto train = [&](nn::Sequential<float>& m, optim::Adam<float>& opt, int from, int to) {
    for (int s = from; s < to; ++s) {
      auto [xb, yb] = batch(s);
      Tensor loss = nn::mse_loss(m(xb), yb);
      opt.zero_grad();
      loss.backward();
      opt.step();
    }
  };
  manual_seed(7);
  auto a = nn::Sequential(nn::Linear(3, 8), nn::ReLU(), nn::Linear(8, 2));
  optim::Adam opt_a(a.parameters(), optim::AdamOptions(0.01));
  train(a, opt_a, 0, 10);
  nn::save_checkpoint(path, a, opt_a.state_dict());
  train(a, opt_a, 10, 20);  // uninterrupted run

  manual_seed(99);  // a different initialisation, overwritten by the checkpoint
  auto b = nn::Sequential(nn::Linear(3, 8), nn::ReLU(), nn::Linear(8, 2));
  optim::Adam opt_b(b.parameters(), optim::AdamOptions(0.01));
  opt_b.load_state_dict(nn::load_checkpoint(path, b));
  train(b, opt_b, 10, 20);  // resumed run

  const auto pa = a.named_parameters(), pb = b.named_parameters();
  REQUIRE(pa.size() == pb.size());
  for (std::size_t i = 0; i < pa.size(); ++i) {
    INFO(pa[i].first);
    CHECK(pa[i].second.to_vector() == pb[i].second.to_vector());
  }
  std::remove(path.c_str());
}

// A program outside the project, built against the installed package (tests/package/check.sh): a small network
// trained with nn + optim, a checkpoint of the model and its optimizer written and read back, and a gradient checked
// with ad::autodiff.
// Exits non-zero, with a message, when anything is off.
#include <cmath>
#include <cstdio>
#include <string>

#include "autodiff/autodiff.h"
#include "nn/nn.h"
#include "optim/optim.h"

int main(int argc, char** argv) {
  using namespace ad;
  const std::string checkpoint = argc > 1 ? argv[1] : "consumer.npz";
  manual_seed(1);
  auto model = nn::Sequential(nn::Linear(2, 8), nn::Tanh(), nn::Linear(8, 1));
  optim::Adam opt(model.parameters(), optim::AdamOptions(0.05));
  Tensor x = Tensor::from({0, 0, 0, 1, 1, 0, 1, 1}, {4, 2});
  Tensor y = Tensor::from({0, 1, 1, 0}, {4, 1});
  float loss_value = 0;
  for (int epoch = 0; epoch < 300; ++epoch) {
    Tensor loss = nn::binary_cross_entropy_with_logits(model(x), y);
    opt.zero_grad();
    loss.backward();
    opt.step();
    loss_value = loss.item();
  }
  Tensor p = sigmoid(model(x));
  for (std::size_t i = 0; i < 4; ++i)
    if ((p.data()[i] > 0.5f) != (y.data()[i] > 0.5f)) {
      std::fprintf(stderr, "XOR not learned: p[%zu] = %g\n", i, p.data()[i]);
      return 1;
    }

  nn::save_checkpoint(checkpoint, model, opt.state_dict());
  auto copy = nn::Sequential(nn::Linear(2, 8), nn::Tanh(), nn::Linear(8, 1));
  const StateDict extras = nn::load_checkpoint(checkpoint, copy);
  if (copy(x).to_vector() != model(x).to_vector()) {
    std::fprintf(stderr, "the model loaded from %s differs from the saved one\n", checkpoint.c_str());
    return 1;
  }
  // The optimizer's state comes back too, its scalars as they were: the real rate and the integer step counts.
  optim::Adam opt_copy(copy.parameters(), optim::AdamOptions(0.5));
  opt_copy.load_state_dict(extras);
  if (extras.real("lr", "consumer") != 0.05 || extras.integer("state.0.step", "consumer") != 300 ||
      opt_copy.lr() != 0.05 || opt_copy.step_count(0) != 300) {
    std::fprintf(stderr, "the optimizer state loaded from %s differs from the saved one\n", checkpoint.c_str());
    return 1;
  }

  auto w = TensorD::randn({3, 4}, true);
  auto r = gradcheck<double>([](const std::vector<TensorD>& v) { return tanh(v[0]).pow(2.0).sum(); }, {w});
  if (!r.ok) {
    std::fprintf(stderr, "%s\n", r.report.c_str());
    return 1;
  }
  std::printf("consumer OK: XOR loss %.4f, checkpoint round trip exact, gradcheck passed\n", loss_value);
  return 0;
}

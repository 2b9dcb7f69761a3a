// Training-step benchmark for the configurations of bench/RESULTS.md: one step = zero_grad + forward + loss +
// backward + Adam update, float32 ReLU MLPs with softmax cross-entropy (config e: BCE with logits).
// Prints ms/step (median of trials), samples/s, GFLOP/s of the GEMMs, and peak RSS.
// Usage: train_step [config...]   (configs a b c d e; default all)
#include <cstdio>
#include <string>
#include <vector>

#include "autodiff/autodiff.h"
#include "autodiff/blas.h"
#include "nn/nn.h"
#include "optim/optim.h"
#include "step_bench.h"

using namespace ad;


int main(int argc, char** argv) {
  std::vector<std::string> want(argv + 1, argv + argc);
  std::printf("# OpenBLAS core %s, %d BLAS threads\n", blas::corename().c_str(), blas::num_threads());
  bench::print_header();
  for (const bench::Config& c : bench::configs()) {
    if (!bench::selected(want, c)) continue;
    manual_seed(0);
    nn::Sequential<float> model;
    for (std::size_t i = 0; i + 1 < c.widths.size(); ++i) {
      model.push_back(nn::Linear(c.widths[i], c.widths[i + 1]));
      if (i + 2 < c.widths.size()) model.push_back(nn::ReLU());
    }
    optim::Adam opt(model.parameters(), optim::AdamOptions(1e-3));
    const std::size_t out = c.widths.back();
    Tensor x = Tensor::randn({c.batch, c.widths[0]});
    std::vector<std::size_t> labels(c.batch);
    for (std::size_t i = 0; i < c.batch; ++i) labels[i] = i % out;
    Tensor y01 = Tensor::rand({c.batch, 1});
    auto step = [&] {
      opt.zero_grad();
      Tensor logits = model(x);
      Tensor loss = out == 1 ? nn::binary_cross_entropy_with_logits(logits, y01) : nn::cross_entropy(logits, labels);
      loss.backward();
      opt.step();
    };
    bench::time_and_report(c, step);
  }
  return 0;
}

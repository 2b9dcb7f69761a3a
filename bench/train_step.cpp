// Training-step benchmark for the configurations of bench/RESULTS.md: one step = zero_grad + forward + loss +
// backward + Adam update, float32 ReLU MLPs with softmax cross-entropy (config e: BCE with logits).
// Prints ms/step (median of trials), samples/s, GFLOP/s of the GEMMs, and peak RSS.
// Usage: train_step [config...]   (configs a b c d e; default all)
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "autodiff/autodiff.h"
#include "autodiff/blas.h"
#include "nn/nn.h"
#include "optim/optim.h"

using namespace ad;
using Clock = std::chrono::steady_clock;

namespace {

struct Config {
  std::string name;
  std::vector<std::size_t> widths;  // input, hidden..., output
  std::size_t batch;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<Config> all = {{"a", {784, 128, 10}, 64},
                                   {"b", {784, 256, 256, 10}, 128},
                                   {"c", {784, 1024, 1024, 10}, 256},
                                   {"d", {64, 50, 10}, 32},
                                   {"e", {30, 16, 1}, 32}};
  std::vector<std::string> want(argv + 1, argv + argc);
  std::printf("# OpenBLAS core %s, %d BLAS threads\n", blas::corename().c_str(), blas::num_threads());
  std::printf("%-6s %-22s %6s %10s %12s %9s %10s\n", "config", "widths", "batch", "ms/step", "samples/s", "GFLOP/s", "RSS MiB");
  for (const Config& c : all) {
    if (!want.empty() && std::find(want.begin(), want.end(), c.name) == want.end()) continue;
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
    // FLOPs of the GEMMs: forward x W (2 b n m) and backward dW = x^T g, dx = g W^T (except the first layer's dx).
    double flops = 0;
    for (std::size_t i = 0; i + 1 < c.widths.size(); ++i) {
      const double f = 2.0 * c.batch * c.widths[i] * c.widths[i + 1];
      flops += i == 0 ? 2 * f : 3 * f;
    }
    const int inner = std::max(1, static_cast<int>(2e8 / flops));  // ~0.1-1 s per trial
    for (int i = 0; i < std::min(inner, 20); ++i) step();           // warm-up (pool, caches)
    std::vector<double> trials;
    for (int t = 0; t < 5; ++t) {
      const auto s = Clock::now();
      for (int i = 0; i < inner; ++i) step();
      trials.push_back(std::chrono::duration<double, std::milli>(Clock::now() - s).count() / inner);
    }
    const double ms = median(trials);
    std::string w;
    for (std::size_t v : c.widths) w += (w.empty() ? "" : "-") + std::to_string(v);
    std::printf("%-6s %-22s %6zu %10.4f %12.0f %9.1f %10.1f\n", c.name.c_str(), w.c_str(), c.batch, ms,
                c.batch / ms * 1e3, flops / ms / 1e6, peak_rss_kib() / 1024.0);
  }
  return 0;
}

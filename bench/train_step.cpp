// Training-step benchmark for the configurations of bench/RESULTS.md: one step = zero_grad + forward + loss +
// backward + Adam update, float32 ReLU MLPs with softmax cross-entropy (config e: BCE with logits).
// Each configuration is timed for this library and for the hand-written raw-CBLAS step of blas_mlp.h (the practical
// limit), interleaved trial by trial in this one process (see bench::time_pair), and printed as ms/step of each,
// their ratio, samples/s and GFLOP/s (exact GEMM FLOPs) of the library, and the library's peak RSS.
// Usage: train_step [--scaling] [config...]   (configs a b c d e, default all; --scaling: the grid B32 ... W2048)
//        train_step --blas-threads [config...]  the library's step with 1 and with 2 OpenBLAS threads, interleaved
#include <cstdio>
#include <string>
#include <vector>

#include "autodiff/autodiff.h"
#include "autodiff/blas.h"
#include "autodiff/pool.h"
#include "blas_mlp.h"
#include "nn/nn.h"
#include "optim/optim.h"
#include "step_bench.h"

using namespace ad;

int main(int argc, char** argv) {
  std::vector<std::string> want(argv + 1, argv + argc);
  const bool scaling = !want.empty() && want[0] == "--scaling";
  const bool threads = !want.empty() && want[0] == "--blas-threads";
  if (scaling || threads) want.erase(want.begin());
  // The reference checks its own gradients before it is trusted as a yardstick.
  const double err_ce = bench::gradcheck({6, 5, 4, 3}, 4), err_bce = bench::gradcheck({5, 4, 1}, 4);
  if (!(err_ce < 1e-2 && err_bce < 1e-2)) {
    std::fprintf(stderr, "train_step: the BLAS reference failed its gradient check (%g, %g)\n", err_ce, err_bce);
    return 1;
  }
  std::printf("# OpenBLAS core %s, %d BLAS threads; reference self-check max rel. error %.1e / %.1e\n",
              blas::corename().c_str(), blas::num_threads(), err_ce, err_bce);
  if (threads)
    std::printf("%-6s %-22s %6s %12s %12s %9s\n", "config", "widths", "batch", "1 thread ms", "2 threads ms", "2t/1t");
  else
    std::printf("%-6s %-22s %6s %10s %10s %9s %12s %9s %10s\n", "config", "widths", "batch", "ms/step", "ref ms",
                "ours/ref", "samples/s", "GFLOP/s", "RSS MiB");
  for (const bench::Config& c : scaling ? bench::scaling_configs() : bench::configs()) {
    if (!bench::selected(want, c)) continue;
    pool_trim();  // the previous configuration's cached blocks would count in this one's RSS
    bench::reset_peak_rss();
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
    auto ours = [&] {
      opt.zero_grad();
      Tensor logits = model(x);
      Tensor loss = out == 1 ? nn::binary_cross_entropy_with_logits(logits, y01) : nn::cross_entropy(logits, labels);
      loss.backward();
      opt.step();
    };
    for (int i = 0; i < 3; ++i) ours();
    const double rss = bench::peak_rss_mib();  // steady state is reached after the first step

    if (threads) {  // the same step, switching OpenBLAS between 1 and 2 threads trial by trial
      const int before = blas::num_threads();
      auto one = [&] {
        blas::set_num_threads(1);
        ours();
      };
      auto two = [&] {
        blas::set_num_threads(2);
        ours();
      };
      const bench::PairTiming t = bench::time_pair(one, two);
      blas::set_num_threads(before);
      std::printf("%-6s %-22s %6zu %12.4f %12.4f %9.2f\n", c.name.c_str(), bench::widths_str(c).c_str(), c.batch,
                  t.ms_a, t.ms_b, 1.0 / t.ratio);
      std::fflush(stdout);
      continue;
    }
    bench::Mlp ref_net(c.widths, c.batch, 0);
    auto ref = [&] { ref_net.step(); };
    const bench::PairTiming t = bench::time_pair(ours, ref);
    const double flops = bench::gemm_flops(c);
    std::printf("%-6s %-22s %6zu %10.4f %10.4f %9.2f %12.0f %9.1f %10.1f\n", c.name.c_str(),
                bench::widths_str(c).c_str(), c.batch, t.ms_a, t.ms_b, t.ratio, c.batch / t.ms_a * 1e3,
                flops / t.ms_a / 1e6, rss);
    std::fflush(stdout);
  }
  return 0;
}

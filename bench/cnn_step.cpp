// One training step of the cnn example's networks (examples/convnet/nets.h): forward, softmax cross-entropy, backward,
// Adam (lr 1e-3), in float, on a fixed random batch of 28x28 images, as bench/torch_cnn.py does for PyTorch.
// Prints a row per network:
//   net batch ms_median ms_min threads gemm_gflop_per_step gemm_gflops peak_rss_mib os_allocs_per_step faults_per_step
// (the last two over the timed steps, after three warm-up steps: blocks the calling thread's memory pool took from the
// system, and
// minor page faults of the process; both 0 when a step allocates nothing new).
// With --layers, also the convolution kernels alone against this machine's sgemm peak:
//   layer direction ms_median gflops share_of_sgemm_peak
// (FLOPs are those of the matrix products, counted by ad::blas::flops_done(); the sgemm peak is the best of a
// 2048 x 2048 x 2048 product with the same thread count.)
// Usage: cnn_step [mnist|lenet5]... [--batch N] [--reps N] [--threads N] [--layers]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "autodiff/blas.h"
#include "autodiff/pool.h"
#include "examples/convnet/nets.h"
#include "optim/adam.h"

using namespace ad;

namespace {

struct Timing {
  double median_ms, min_ms, gflop, os_allocs, faults;  // the last two per timed call
};

long minor_faults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

template <class F>
Timing time_it(F f, int reps, int warmup = 3) {
  for (int i = 0; i < warmup; ++i) f();  // pool blocks, BLAS buffers
  const double f0 = blas::flops_done();
  f();
  const double gflop = (blas::flops_done() - f0) * 1e-9;
  std::vector<double> ms;
  const std::size_t allocs0 = pool_stats().os_allocations;
  const long faults0 = minor_faults();
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  const double allocs = double(pool_stats().os_allocations - allocs0) / reps;
  const double faults = double(minor_faults() - faults0) / reps;
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms.front(), gflop, allocs, faults};
}

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) / 1024.0;
}

// GFLOP/s of a large sgemm: the practical peak of this machine's BLAS at the current thread count.
double sgemm_peak() {
  const std::size_t n = 2048;
  std::vector<float> a(n * n, 1.0f), b(n * n, 0.5f), c(n * n);
  double best = 0;
  for (int r = 0; r < 5; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    blas::gemm<float>(false, false, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, 2.0 * double(n) * n * n / s * 1e-9);
  }
  return best;
}

Tensor random_images(std::size_t batch) { return Tensor::uniform({batch, 784}, 0.0, 1.0); }  // rows, as the data sets

std::vector<std::size_t> random_labels(std::size_t batch) {
  std::vector<std::size_t> y(batch);
  for (std::size_t i = 0; i < batch; ++i) y[i] = (i * 7 + 3) % 10;
  return y;
}

// The conv layers of the MNIST network alone: forward, and backward to input and weight.
void time_layers(std::size_t batch, int reps, double peak) {
  struct Layer {
    const char* name;
    std::size_t c, o, hw;
    bool input_grad;
  };
  for (const Layer& l :
       {Layer{"conv1 1->32 3x3 28x28", 1, 32, 28, false}, Layer{"conv2 32->64 3x3 26x26", 32, 64, 26, true}}) {
    Tensor x = Tensor::uniform({batch, l.c, l.hw, l.hw}, -1.0, 1.0, l.input_grad);
    Tensor w = Tensor::uniform({l.o, l.c, 3, 3}, -0.3, 0.3, true);
    Tensor b = Tensor::zeros({l.o}, true);
    const Timing fwd = time_it(
        [&] {
          NoGradGuard ng;
          conv2d(x, w, b);
        },
        reps);
    Tensor y = conv2d(x, w, b);
    const Tensor g = Tensor::uniform(y.shape(), -1.0, 1.0);
    const Timing both = time_it(
        [&] {
          w.zero_grad(true), b.zero_grad(true), x.zero_grad(true);
          conv2d(x, w, b).backward(g);
        },
        reps);
    const double bwd_ms = both.median_ms - fwd.median_ms, bwd_gflop = both.gflop - fwd.gflop;
    std::printf("%s forward %.3f %.1f %.0f%%\n", l.name, fwd.median_ms, fwd.gflop / fwd.median_ms * 1e3,
                100 * fwd.gflop / fwd.median_ms * 1e3 / peak);
    std::printf("%s backward %.3f %.1f %.0f%%\n", l.name, bwd_ms, bwd_gflop / bwd_ms * 1e3,
                100 * bwd_gflop / bwd_ms * 1e3 / peak);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> nets;
  int reps = 30, threads = 1;
  std::size_t batch = 64;
  bool layers = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--reps" && i + 1 < argc)
      reps = std::stoi(argv[++i]);
    else if (a == "--threads" && i + 1 < argc)
      threads = std::stoi(argv[++i]);
    else if (a == "--batch" && i + 1 < argc)
      batch = std::stoul(argv[++i]);
    else if (a == "--layers")
      layers = true;
    else if (a == "mnist" || a == "lenet5")
      nets.push_back(a);
    else {
      std::fprintf(stderr, "cnn_step: unknown argument '%s'\n", a.c_str());
      return 2;
    }
  }
  if (nets.empty() && !layers) nets = {"mnist"};
  blas::set_num_threads(threads);
  std::printf("# cnn_step: float, %d thread(s), OpenBLAS core %s\n", threads, blas::corename().c_str());
  manual_seed(0);
  const Tensor x = random_images(batch);
  const std::vector<std::size_t> y = random_labels(batch);
  for (const std::string& name : nets) {
    nn::Sequential<float> net = cnn::make_net<float>(name);
    net.train();
    optim::Adam<float> opt(net.parameters(), 1e-3);
    const Timing t = time_it(
        [&] {
          opt.zero_grad();
          softmax_cross_entropy(net(x), y).backward();
          opt.step();
        },
        reps);
    std::printf("%s %zu %.3f %.3f %d %.4f %.1f %.1f %.2f %.2f\n", name.c_str(), batch, t.median_ms, t.min_ms, threads,
                t.gflop, t.gflop / t.median_ms * 1e3, peak_rss_mib(), t.os_allocs, t.faults);
  }
  if (layers) {
    const double peak = sgemm_peak();
    std::printf("# sgemm peak (2048^3, %d thread(s)): %.1f GFLOP/s\n", threads, peak);
    time_layers(batch, reps, peak);
  }
  return 0;
}

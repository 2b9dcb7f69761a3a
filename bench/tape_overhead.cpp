// Tape overhead per recorded op on tiny tensors: a chain of elementwise ops on 4-element tensors, forward +
// backward, in ns per op (median over repetitions), and the same chain with nothing recorded (no_grad).
// Usage: tape_overhead [chain_length=1000] [repetitions=15]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "autodiff/autodiff.h"
#include "autodiff/blas.h"

using namespace ad;
using Clock = std::chrono::steady_clock;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Alternates y = y * a and y = y + b (tensor-tensor ops, so a and b also receive gradients).
Tensor chain(const Tensor& x, const Tensor& a, const Tensor& b, int n) {
  Tensor y = x;
  for (int i = 0; i < n; ++i) y = (i % 2) ? y * a : y + b;
  return y;
}

// Alternates y = y * s and y = y + s with scalars.
Tensor chain_scalar(const Tensor& x, int n) {
  Tensor y = x;
  for (int i = 0; i < n; ++i) y = (i % 2) ? y * 1.0001f : y + 0.0001f;
  return y;
}

template <class F>
double time_ns_per_op(F f, int n, int reps) {
  std::vector<double> t;
  for (int r = 0; r < reps + 2; ++r) {
    const auto s = Clock::now();
    f();
    const double ns = std::chrono::duration<double, std::nano>(Clock::now() - s).count() / n;
    if (r >= 2) t.push_back(ns);  // the first runs warm the pool
  }
  return median(t);
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int reps = argc > 2 ? std::atoi(argv[2]) : 15;
  std::printf("# tape overhead: chain of %d ops on 4-element float tensors, median of %d runs\n", n, reps);
  std::printf("# OpenBLAS core: %s\n", blas::corename().c_str());
  Tensor x = Tensor::from({0.1f, 0.2f, 0.3f, 0.4f}, true);
  Tensor a = Tensor::from({1.0f, 1.0f, 1.0f, 1.0f}, true);
  Tensor b = Tensor::from({0.0f, 0.0f, 0.0f, 0.0f}, true);

  if (argc > 3 && std::string(argv[3]) == "fb-only") {  // for instruction-count profiling (valgrind)
    const double t = time_ns_per_op([&] { chain(x, a, b, n).sum().backward(); }, n, reps);
    std::printf("tensor-tensor ops, forward + backward %.1f ns/op\n", t);
    return 0;
  }
  const double fb = time_ns_per_op([&] { chain(x, a, b, n).sum().backward(); }, n, reps);
  const double fwd = time_ns_per_op([&] { Tensor y = chain(x, a, b, n); }, n, reps);
  const double nograd = time_ns_per_op(
      [&] {
        NoGradGuard g;
        Tensor y = chain(x, a, b, n);
      },
      n, reps);
  const double fb_s = time_ns_per_op([&] { chain_scalar(x, n).sum().backward(); }, n, reps);
  const double nograd_s = time_ns_per_op(
      [&] {
        NoGradGuard g;
        Tensor y = chain_scalar(x, n);
      },
      n, reps);
  std::printf("%-44s %8.1f ns/op\n", "tensor-tensor ops, forward + backward", fb);
  std::printf("%-44s %8.1f ns/op\n", "tensor-tensor ops, forward only (recorded)", fwd);
  std::printf("%-44s %8.1f ns/op\n", "tensor-tensor ops, no_grad (not recorded)", nograd);
  std::printf("%-44s %8.1f ns/op\n", "tensor-scalar ops, forward + backward", fb_s);
  std::printf("%-44s %8.1f ns/op\n", "tensor-scalar ops, no_grad (not recorded)", nograd_s);
  std::printf("RESULT fwd_bwd_ns_per_op=%.1f nograd_ns_per_op=%.1f\n", fb, nograd);
  return 0;
}

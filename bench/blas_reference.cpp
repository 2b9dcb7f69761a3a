// "Practical limit" for bench/train_step, standalone: the hand-written raw-CBLAS training step of blas_mlp.h on the
// same configurations, with the same FLOP count and output table as train_step (which also times it, interleaved).
// Start-up self-check: a finite-difference check of every dW/db of two tiny networks (softmax CE and BCE), and, for each
// measured configuration, that the loss decreases over 50 steps.
// Usage: blas_reference [config...]   (configs a b c d e; default all)
#include <cstdio>
#include <string>
#include <vector>

#include "blas_mlp.h"
#include "step_bench.h"

using bench::gradcheck;
using bench::Mlp;

int main(int argc, char** argv) {
  std::vector<std::string> want(argv + 1, argv + argc);

  const double err_ce = gradcheck({6, 5, 4, 3}, 4);
  const double err_bce = gradcheck({5, 4, 1}, 4);
  std::printf("# self-check: finite-difference dW/db, max relative error %.2e (softmax CE), %.2e (BCE)\n", err_ce,
              err_bce);
  if (!(err_ce < 1e-2 && err_bce < 1e-2)) {
    std::fprintf(stderr, "blas_reference: gradient check FAILED\n");
    return 1;
  }

  std::printf("# OpenBLAS core %s, %d BLAS threads\n", openblas_get_corename(), openblas_get_num_threads());
  bench::print_header();
  for (const bench::Config& c : bench::configs()) {
    if (!bench::selected(want, c)) continue;
    Mlp net(c.widths, c.batch, 0);
    // Self-check: the loss must decrease over 50 steps (these steps also warm up caches and BLAS threads).
    const double first = net.step();
    double last = first;
    for (int i = 1; i < 50; ++i) last = net.step();
    if (!(last < first)) {
      std::fprintf(stderr, "blas_reference: config %s loss did not decrease over 50 steps (%g -> %g)\n", c.name.c_str(),
                   first, last);
      return 1;
    }
    bench::time_and_report(c, [&] { net.step(); });
  }
  return 0;
}

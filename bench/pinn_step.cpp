// Time of one loss-and-gradient evaluation of the physics-informed networks of examples/pinn_*.cpp: the forward pass,
// u_x and u_xx by ad::grad with create_graph (double backward), the loss, and backward to the weights, as one L-BFGS
// or Adam iteration evaluates it. Double precision, one thread unless --threads. Prints a row per problem:
//   problem points ms_median ms_min gemm_gflop_per_eval gemm_gflops
// (the GFLOP count is that of the matrix products only, counted by ad::blas::flops_done()).
// Usage: pinn_step [poisson|burgers]... [--reps N] [--threads N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "autodiff/blas.h"
#include "examples/pinn/pinn.h"

using namespace ad;

namespace {

struct Timing {
  double median_ms, min_ms, gflop;
};

template <class Eval>
Timing time_evals(Eval eval, int reps) {
  for (int i = 0; i < 5; ++i) eval();  // warm-up: pool blocks, BLAS buffers
  const double f0 = blas::flops_done();
  eval();
  const double gflop = (blas::flops_done() - f0) * 1e-9;
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    eval();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms.front(), gflop};
}

void print(const char* name, std::size_t points, const Timing& t) {
  std::printf("%s %zu %.4f %.4f %.5f %.2f\n", name, points, t.median_ms, t.min_ms, t.gflop,
              t.gflop / t.median_ms * 1e3);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> problems;
  int reps = 0, threads = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--reps" && i + 1 < argc)
      reps = std::stoi(argv[++i]);
    else if (a == "--threads" && i + 1 < argc)
      threads = std::stoi(argv[++i]);
    else
      problems.push_back(a);
  }
  if (problems.empty()) problems = {"poisson", "burgers"};
  blas::set_num_threads(threads);
  std::printf("# pinn_step: double, %d BLAS thread(s), OpenBLAS core %s\n", threads, blas::corename().c_str());
  std::printf("# problem points ms_median ms_min gemm_gflop_per_eval gemm_gflops\n");
  for (const std::string& p : problems) {
    if (p == "poisson") {
      // 64 collocation points in [-1, 1] and the two boundary points; network [1, 50, 50, 50, 1].
      pinn::Net net = pinn::make_tanh_mlp({1, 50, 50, 50, 1}, 1);
      TensorD x = pinn::latin_hypercube(64, {-1.0}, {1.0});
      x.requires_grad_(true);
      const TensorD xb = TensorD::from({-1.0, 1.0}, {2, 1});
      auto eval = [&] {
        net.zero_grad();
        pinn::poisson_loss(net, x, xb).backward();
      };
      print("poisson", 64, time_evals(eval, reps ? reps : 2000));
    } else if (p == "burgers") {
      // 10,000 collocation points and 100 initial/boundary points; network [2, 20 x 8, 1] (9 layers).
      pinn::Net net = pinn::make_tanh_mlp({2, 20, 20, 20, 20, 20, 20, 20, 20, 1}, 1, {-1.0, 0.0}, {1.0, 1.0});
      const pinn::BurgersData d = pinn::burgers_data(100, 10000);
      auto eval = [&] {
        net.zero_grad();
        pinn::burgers_loss(net, d.xt_col, d.xt_data, d.u_data, pinn::kBurgersNu).backward();
      };
      print("burgers", 10100, time_evals(eval, reps ? reps : 60));
    } else {
      std::fprintf(stderr, "pinn_step: unknown problem '%s' (poisson, burgers)\n", p.c_str());
      return 2;
    }
  }
  return 0;
}

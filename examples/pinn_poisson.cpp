// pinn_poisson: a physics-informed network (Raissi, Perdikaris & Karniadakis 2017) solves the 1-D Poisson problem
//
//   -u''(x) = pi^2 sin(pi x) on [-1, 1],   u(-1) = u(1) = 0,   exact solution u(x) = sin(pi x).
//
// The network u(x) (tanh, [1, 50, 50, 50, 1], double precision) is trained on no solution values at all: its loss is
// the mean squared residual -u'' - pi^2 sin(pi x) at collocation points, with u'' taken by differentiating the
// network twice with respect to its input (ad::grad with create_graph), plus u(+-1)^2. Training differentiates
// that loss, second derivatives included, with respect to the weights: Adam first (a rough fit from the random
// start), then L-BFGS with a strong Wolfe line search (quasi-Newton, to a precise minimum).
//
// Output: solution.svg (network and exact solution), error.svg (pointwise |u - u_exact|), loss.svg (loss per
// iteration), model.npz (the trained network), and a line
//   RESULT rel_l2_error=... loss=... adam_steps=... lbfgs_iterations=... seconds=...
// with the relative L2 error ||u - u_exact|| / ||u_exact|| on 1001 equispaced points. Target: <= 1e-4 with the
// defaults.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "autodiff/blas.h"
#include "examples/common/args.h"
#include "examples/common/experiment.h"
#include "examples/pinn/pinn.h"
#include "nn/checkpoint.h"
#include "optim/optim.h"
#include "plot/line_plot.h"

using namespace ad;

int main(int argc, char** argv) try {
  std::uint64_t seed = 1;
  std::size_t points = 64, adam_steps = 2000, lbfgs_iterations = 3000, history = 50;
  double adam_lr = 1e-3;
  std::vector<std::size_t> hidden = {50, 50, 50};
  std::string out = "pinn_poisson_out";
  examples::ArgParser args("pinn_poisson",
                           "Physics-informed network for -u'' = pi^2 sin(pi x) on [-1, 1], u(+-1) = 0.");
  args.add_seed("seed", &seed, "initial weights and collocation points");
  args.add_size("points", &points, "N", "collocation points (Latin hypercube in [-1, 1])", 2);
  args.add_sizes("hidden", &hidden, "W,W,...", "hidden layer widths (tanh)");
  args.add_size("adam-steps", &adam_steps, "N", "Adam steps before L-BFGS", 0);
  args.add_double("adam-lr", &adam_lr, "LR", "Adam's learning rate", 0);
  args.add_size("lbfgs-iterations", &lbfgs_iterations, "N", "L-BFGS iterations at most (strong Wolfe line search)", 0);
  args.add_size("history", &history, "M", "L-BFGS history size", 1);
  int threads = 1;
  args.add_int("threads", &threads, "N", "threads of the BLAS matrix products", 1, 64);
  args.add_string("out", &out, "DIR", "directory for the pictures and the model");
  args.parse(argc, argv);
  blas::set_num_threads(threads);
  examples::make_directories(out);
  const auto start = std::chrono::steady_clock::now();

  std::vector<std::size_t> sizes = {1};
  sizes.insert(sizes.end(), hidden.begin(), hidden.end());
  sizes.push_back(1);
  pinn::Net net = pinn::make_tanh_mlp(sizes, seed);
  TensorD x = pinn::latin_hypercube(points, {-1.0}, {1.0});
  x.requires_grad_(true);
  const TensorD x_bc = TensorD::from({-1.0, 1.0}, {2, 1});
  auto loss_fn = [&] { return pinn::poisson_loss(net, x, x_bc); };

  std::vector<double> losses;
  const pinn::TrainCounts counts = pinn::train(
      net, loss_fn, {adam_steps, adam_lr, lbfgs_iterations, history, 100}, [] { return true; }, losses);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // Evaluation on 1001 equispaced points.
  const std::size_t n_eval = 1001;
  std::vector<double> xs(n_eval), exact(n_eval);
  for (std::size_t i = 0; i < n_eval; ++i) {
    xs[i] = -1.0 + 2.0 * static_cast<double>(i) / static_cast<double>(n_eval - 1);
    exact[i] = pinn::poisson_exact(xs[i]);
  }
  const TensorD grid = TensorD::from(xs, {n_eval, 1});
  const double rel = pinn::relative_l2(net, grid, exact);
  std::vector<double> u(n_eval), err(n_eval);
  {
    NoGradGuard no_grad;
    const TensorD pred = net(grid);
    for (std::size_t i = 0; i < n_eval; ++i) {
      u[i] = pred.data()[i];
      err[i] = std::abs(u[i] - exact[i]);
    }
  }

  plot::LinePlotOptions so;
  so.title = "PINN solution of -u'' = pi^2 sin(pi x)";
  so.x_label = "x";
  so.y_label = "u";
  plot::save_line_plot(out + "/solution.svg", {{"exact sin(pi x)", exact, xs}, {"network", u, xs, true}}, so);
  plot::LinePlotOptions eo;
  eo.title = "pointwise error |u - sin(pi x)|";
  eo.x_label = "x";
  eo.y_label = "absolute error";
  eo.log_y = true;
  plot::save_line_plot(out + "/error.svg", {{"|u - u_exact|", err, xs}}, eo);
  plot::LinePlotOptions lo;
  lo.title = "training loss (Adam, then L-BFGS evaluations)";
  lo.x_label = "loss evaluation";
  lo.y_label = "loss";
  lo.log_y = true;
  plot::save_line_plot(out + "/loss.svg", {{"loss", losses}}, lo);
  nn::save_checkpoint(out + "/model.npz", net);

  std::printf(
      "pinn_poisson: %zu collocation points, network %zu parameters, %zu Adam steps + %lld L-BFGS iterations "
      "(%lld evaluations) in %.1f s\n",
      points, net.num_parameters(), adam_steps, static_cast<long long>(counts.lbfgs_iterations),
      static_cast<long long>(counts.lbfgs_evaluations), seconds);
  std::printf("relative L2 error %.3e, max pointwise error %.3e; pictures in %s/\n", rel,
              *std::max_element(err.begin(), err.end()), out.c_str());
  examples::print_result({{"rel_l2_error", rel},
                          {"loss", losses.empty() ? 0.0 : losses.back()},
                          {"adam_steps", static_cast<double>(adam_steps)},
                          {"lbfgs_iterations", static_cast<double>(counts.lbfgs_iterations)},
                          {"seconds", seconds}});
  return 0;
} catch (const std::exception& e) {
  std::cerr << "pinn_poisson: " << e.what() << "\n";
  return 1;
}

// What the physics-informed-network examples and their benchmark share: the network, the two problems' losses, and
// the sampling of points. A PINN (Raissi, Perdikaris & Karniadakis 2017) fits u(x) by a network whose loss is the
// PDE's residual at collocation points, with the derivatives of u taken by automatic differentiation with respect
// to the network's input (ad::grad with create_graph), plus the initial and boundary conditions. Training then
// differentiates that loss, derivatives included, with respect to the weights. Everything in double precision.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "autodiff/autodiff.h"
#include "examples/pinn/burgers_exact.h"
#include "nn/nn.h"

namespace pinn {

using ad::TensorD;
using Net = ad::nn::Sequential<double>;

// A fully connected network: Linear layers of the given sizes with tanh between them, Xavier-normal weights and zero
// biases (as Raissi et al.'s code). Seeds the generator with `seed` first. With bounds lo, hi of the input domain
// (one per input), a first fixed layer maps it to [-1, 1] in each input, 2 (z - lo) / (hi - lo) - 1, as Raissi et
// al.'s networks do: tanh units then see inputs of one scale (Burgers' t in [0, 1] next to x in [-1, 1]).
Net make_tanh_mlp(const std::vector<std::size_t>& sizes, std::uint64_t seed, const std::vector<double>& lo = {},
                  const std::vector<double>& hi = {});

// n points in [lo, hi]^d by Latin hypercube sampling (one point per stratum of each dimension, strata paired at
// random), as Raissi et al. draw their collocation points; shape (n, d). Uses the generator's state.
TensorD latin_hypercube(std::size_t n, const std::vector<double>& lo, const std::vector<double>& hi);

// ---- Poisson: -u'' = pi^2 sin(pi x) on [-1, 1], u(-1) = u(1) = 0; exact solution sin(pi x).
// loss = mean over collocation points x of (-u''(x) - pi^2 sin(pi x))^2 + mean of u(+-1)^2.
// x_col (n, 1) must require grad (u'' is taken with respect to it); x_bc is (2, 1).
TensorD poisson_loss(Net& net, const TensorD& x_col, const TensorD& x_bc);
double poisson_exact(double x);

// ---- Burgers: u_t + u u_x - nu u_xx = 0 with nu = 0.01/pi, u(0, x) = -sin(pi x), u(t, +-1) = 0.
// Inputs are (x, t) rows. loss = mean of (u(p) - u_p)^2 over the initial and boundary points p with their values
// u_p, plus mean of f^2 over the collocation points, f = u_t + u u_x - nu u_xx.
// xt_col (n, 2) must require grad.
TensorD burgers_loss(Net& net, const TensorD& xt_col, const TensorD& xt_data, const TensorD& u_data, double nu);
// Raissi et al.'s training data: n_data points drawn at random from the initial line (t = 0, 256 points) and the two
// boundaries (x = +-1, 100 times each), with their exact values; n_col collocation points by Latin hypercube over
// [-1, 1] x [0, 1]. Uses the generator's state.
struct BurgersData {
  TensorD xt_data, u_data, xt_col;
};
BurgersData burgers_data(std::size_t n_data, std::size_t n_col);

// Training as both examples do it: adam_steps Adam steps (lr adam_lr), then L-BFGS with a strong Wolfe line search
// (history `history`, tolerances 1e-12 on the gradient and 1e-15 on changes) in step() calls of at most `chunk`
// iterations, until lbfgs_iterations, until keep_going() is false, or until a tolerance stops it at once (no
// progress). Every loss evaluation is appended to `losses`.
struct TrainOptions {
  std::size_t adam_steps = 0;
  double adam_lr = 1e-3;
  std::size_t lbfgs_iterations = 0, history = 50, chunk = 50;
};
struct TrainCounts {
  std::size_t adam_steps = 0;
  double adam_seconds = 0;
  std::int64_t lbfgs_iterations = 0, lbfgs_evaluations = 0;
};
TrainCounts train(Net& net, const std::function<TensorD()>& loss, const TrainOptions& options,
                  const std::function<bool()>& keep_going, std::vector<double>& losses);

// Relative L2 error ||u - u_ref|| / ||u_ref|| of the network over the given points (rows of `inputs`).
double relative_l2(Net& net, const TensorD& inputs, const std::vector<double>& u_ref);

}  // namespace pinn

#include "examples/pinn/pinn.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "examples/pinn/burgers_exact.h"
#include "optim/optim.h"

namespace pinn {

using namespace ad;

namespace {
const GradOptions kCreateGraph{/*retain_graph=*/{}, /*create_graph=*/true};

// d(sum of y)/d(x), recorded: the derivative of a pointwise function of the rows of x.
TensorD derivative(const TensorD& y, const TensorD& x) {
  return grad<double>({y}, {x}, {TensorD::ones(y.shape())}, kCreateGraph)[0];
}
}  // namespace

Net make_tanh_mlp(const std::vector<std::size_t>& sizes, std::uint64_t seed, const std::vector<double>& lo,
                  const std::vector<double>& hi) {
  manual_seed(seed);
  Net net;
  if (!lo.empty()) {
    std::vector<double> scale, shift;
    for (std::size_t k = 0; k < lo.size(); ++k) {
      scale.push_back(2.0 / (hi[k] - lo[k]));
      shift.push_back(-1.0 - 2.0 * lo[k] / (hi[k] - lo[k]));
    }
    const TensorD a = TensorD::from(scale, {lo.size()}), b = TensorD::from(shift, {lo.size()});
    net.push_back(nn::Lambda<double>([a, b](const TensorD& z) { return z * a + b; }, "to [-1, 1]"));
  }
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
    nn::Linear<double> layer(sizes[i], sizes[i + 1]);
    nn::init::xavier_normal_(layer.weight);
    nn::init::zeros_(layer.bias);
    net.push_back(std::move(layer));
    if (i + 2 < sizes.size()) net.push_back(nn::Tanh<double>());
  }
  return net;
}

TensorD latin_hypercube(std::size_t n, const std::vector<double>& lo, const std::vector<double>& hi) {
  const std::size_t d = lo.size();
  std::vector<double> v(n * d);
  const TensorD u = TensorD::rand({n, d});  // position within each stratum
  for (std::size_t k = 0; k < d; ++k) {
    std::vector<std::size_t> strata(n);
    std::iota(strata.begin(), strata.end(), std::size_t{0});
    // Fisher-Yates with the library's generator, so that a seed fixes the points.
    const TensorD r = TensorD::rand({n});
    for (std::size_t i = n; i-- > 1;)
      std::swap(strata[i], strata[static_cast<std::size_t>(r.data()[i] * static_cast<double>(i + 1)) % (i + 1)]);
    for (std::size_t i = 0; i < n; ++i)
      v[i * d + k] =
          lo[k] + (hi[k] - lo[k]) * (static_cast<double>(strata[i]) + u.data()[i * d + k]) / static_cast<double>(n);
  }
  return TensorD::from(v, {n, d});
}

double poisson_exact(double x) { return std::sin(kPi * x); }

TensorD poisson_loss(Net& net, const TensorD& x_col, const TensorD& x_bc) {
  const TensorD u = net(x_col);
  const TensorD u_x = derivative(u, x_col);
  const TensorD u_xx = derivative(u_x, x_col);
  const TensorD residual = -u_xx - kPi * kPi * sin(x_col * kPi);
  return (residual * residual).mean() + net(x_bc).pow(2.0).mean();
}

TensorD burgers_loss(Net& net, const TensorD& xt_col, const TensorD& xt_data, const TensorD& u_data, double nu) {
  const TensorD u = net(xt_col);
  const TensorD du = derivative(u, xt_col);  // (n, 2): u_x, u_t
  const TensorD u_x = du.narrow(1, 0, 1), u_t = du.narrow(1, 1, 1);
  const TensorD u_xx = derivative(u_x, xt_col).narrow(1, 0, 1);
  const TensorD f = u_t + u * u_x - nu * u_xx;
  const TensorD e = net(xt_data) - u_data;
  return (e * e).mean() + (f * f).mean();
}

BurgersData burgers_data(std::size_t n_data, std::size_t n_col) {
  // The candidate points: the initial line t = 0 on 256 x values, and x = -1, x = 1 at 100 times in [0, 0.99].
  std::vector<double> xt, val;
  for (std::size_t j = 0; j < 256; ++j) {
    const double x = -1.0 + 2.0 * static_cast<double>(j) / 255.0;
    xt.insert(xt.end(), {x, 0.0});
    val.push_back(-std::sin(kPi * x));
  }
  for (double x : {-1.0, 1.0})
    for (std::size_t i = 0; i < 100; ++i) {
      xt.insert(xt.end(), {x, 0.01 * static_cast<double>(i)});
      val.push_back(0.0);
    }
  const std::size_t m = val.size();
  std::vector<std::size_t> pick(m);
  std::iota(pick.begin(), pick.end(), std::size_t{0});
  const TensorD r = TensorD::rand({m});
  for (std::size_t i = m; i-- > 1;)
    std::swap(pick[i], pick[static_cast<std::size_t>(r.data()[i] * static_cast<double>(i + 1)) % (i + 1)]);
  std::vector<double> dxt, du;
  for (std::size_t k = 0; k < std::min(n_data, m); ++k) {
    dxt.insert(dxt.end(), {xt[2 * pick[k]], xt[2 * pick[k] + 1]});
    du.push_back(val[pick[k]]);
  }
  const std::size_t n = du.size();
  BurgersData d;
  d.xt_data = TensorD::from(dxt, {n, 2});
  d.u_data = TensorD::from(du, {n, 1});
  d.xt_col = latin_hypercube(n_col, {-1.0, 0.0}, {1.0, 1.0});
  d.xt_col.requires_grad_(true);
  return d;
}

TrainCounts train(Net& net, const std::function<TensorD()>& loss_fn, const TrainOptions& o,
                  const std::function<bool()>& keep_going, std::vector<double>& losses) {
  const auto start = std::chrono::steady_clock::now();
  TrainCounts counts;
  optim::Adam<double> adam(net.parameters(), o.adam_lr);
  for (; counts.adam_steps < o.adam_steps && keep_going(); ++counts.adam_steps) {
    adam.zero_grad();
    const TensorD loss = loss_fn();
    loss.backward();
    adam.step();
    losses.push_back(loss.item());
  }
  counts.adam_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // One step() runs up to `chunk` iterations; the state carries over between the calls.
  const int chunk = static_cast<int>(std::min(o.chunk, std::max<std::size_t>(o.lbfgs_iterations, 1)));
  optim::LBFGS<double> lbfgs(net.parameters(), optim::LBFGSOptions(1.0)
                                                   .max_iter(chunk)
                                                   .max_eval(2 * chunk)
                                                   .history_size(static_cast<int>(o.history))
                                                   .tolerance_grad(1e-12)
                                                   .tolerance_change(1e-15)
                                                   .line_search_fn("strong_wolfe"));
  while (static_cast<std::size_t>(lbfgs.n_iter()) < o.lbfgs_iterations && keep_going()) {
    const std::int64_t before = lbfgs.n_iter();
    lbfgs.step([&] {
      lbfgs.zero_grad();
      const TensorD loss = loss_fn();
      loss.backward();
      losses.push_back(loss.item());
      return loss.item();
    });
    if (lbfgs.n_iter() - before < 2) break;  // no progress: a tolerance stops it at once
  }
  counts.lbfgs_iterations = lbfgs.n_iter();
  counts.lbfgs_evaluations = lbfgs.func_evals();
  return counts;
}

double relative_l2(Net& net, const TensorD& inputs, const std::vector<double>& u_ref) {
  NoGradGuard no_grad;
  const TensorD u = net(inputs);
  double num = 0, den = 0;
  for (std::size_t i = 0; i < u_ref.size(); ++i) {
    num += (u.data()[i] - u_ref[i]) * (u.data()[i] - u_ref[i]);
    den += u_ref[i] * u_ref[i];
  }
  return std::sqrt(num / den);
}

}  // namespace pinn

// regression: fit the course exercise y = x0^2 + 3 x0 x1 + x1^2 + 5 with a multi-layer perceptron.
//
// Points are drawn uniformly from the square [-range, range]^2 (optionally with Gaussian noise on y) and split into
// training, validation and test points. The network regresses the standardised target (y - mean) / std, with the
// mean and std of the training targets, so the output layer works at scale 1 whatever the range of y (the logged
// losses are on that scale); training stops early on the validation loss. Predictions are mapped back before
// computing the test error and the coefficient of determination R^2 = 1 - SS_res / SS_tot, which must reach 0.99 on
// the test points. A smooth activation (tanh) suits a smooth target.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/split.h"
#include "examples/common/args.h"
#include "examples/common/experiment.h"
#include "examples/common/pictures.h"
#include "examples/common/setup.h"
#include "train/train.h"

using namespace ad;
using examples::TrainOptions;

namespace {

double target_function(double x0, double x1) { return x0 * x0 + 3 * x0 * x1 + x1 * x1 + 5; }

// n points uniform in [-range, range]^2 with y = f(x) + noise * N(0, 1), from a generator of its own (seeded), so
// the data do not depend on how many random numbers the model's initialisation drew.
data::Dataset make_points(std::size_t n, double range, double noise, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-range, range);
  std::normal_distribution<double> gauss(0.0, 1.0);
  std::vector<float> x(2 * n), y(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double x0 = u(rng), x1 = u(rng);
    x[2 * i] = static_cast<float>(x0);
    x[2 * i + 1] = static_cast<float>(x1);
    y[i] = static_cast<float>(target_function(x0, x1) + noise * gauss(rng));
  }
  data::Dataset d;
  d.X = Tensor::from(x, Shape{n, 2});
  d.y = Tensor::from(y, Shape{n, 1});
  d.feature_names = {"x0", "x1"};
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  TrainOptions o;
  o.seed = 1;
  o.epochs = 150;
  o.lr = 3e-3;
  o.batch_size = 32;
  o.optimizer = "adam";
  o.schedule = "cosine";
  o.hidden = {64, 64};
  std::string activation = "tanh";
  o.patience = 30;
  std::size_t samples = 2000;
  double val_fraction = 0.16, test_fraction = 0.2, range = 2.0, noise = 0.0;

  examples::ArgParser args("regression",
                           "Fits y = x0^2 + 3 x0 x1 + x1^2 + 5 on random points with an MLP and reports the mean "
                           "squared error and R^2 on held-out points.");
  examples::add_training_options(args, o);
  args.add_choice("activation", &activation, examples::activation_names(), "activation of the hidden layers");
  args.add_size("samples", &samples, "N", "number of random points (training + test)", 10);
  args.add_double("val-fraction", &val_fraction, "F", "fraction of the points held out for validation", 0.0);
  args.add_double("test-fraction", &test_fraction, "F", "fraction of the points held out for testing", 0.0, true);
  args.add_double("range", &range, "R", "points are drawn from [-R, R]^2", 0.0, true);
  args.add_double("noise", &noise, "S", "standard deviation of Gaussian noise added to y");
  args.set_epilog("Example:\n  regression --hidden 32 --epochs 300 --noise 0.5");
  args.parse(argc, argv);
  if (test_fraction + val_fraction >= 1) args.fail("--val-fraction plus --test-fraction must be below 1");

  try {
    examples::seed_and_threads(o);
    const data::Dataset all = make_points(samples, range, noise, o.seed);
    data::Split parts = data::train_val_test_split(all, val_fraction, test_fraction, o.seed);
    data::Dataset train_set = parts.train, val_set = parts.validation, test_set = parts.test;
    // Standardise the target with the training statistics (and only those).
    double mean = 0, var = 0;
    const std::size_t n = train_set.size();
    for (std::size_t i = 0; i < n; ++i) mean += train_set.y.data()[i];
    mean /= static_cast<double>(n);
    for (std::size_t i = 0; i < n; ++i) var += std::pow(train_set.y.data()[i] - mean, 2);
    const double scale = std::sqrt(var / static_cast<double>(n));
    const Tensor test_y = test_set.y;
    const auto standardise = [&](const Tensor& y) {
      return (y - static_cast<float>(mean)) / static_cast<float>(scale);
    };
    const auto unscale = [&](const Tensor& z) { return z * static_cast<float>(scale) + static_cast<float>(mean); };
    train_set.y = standardise(train_set.y);
    if (val_set.size()) val_set.y = standardise(val_set.y);

    auto model = examples::make_mlp(2, o.hidden, 1, activation, "xavier");
    auto opt = examples::make_optimizer(o, model.parameters());
    auto sched = examples::make_scheduler(o.schedule, *opt, o.epochs);
    std::cout << "regression: " << train_set.size() << " training, " << val_set.size() << " validation and "
              << test_set.size() << " test points in [-" << range << ", " << range << "]^2, MLP "
              << examples::describe_widths(2, o.hidden, 1) << " (" << activation << "), " << o.optimizer << " lr "
              << o.lr << "\n";

    // Mean squared error on the standardised target; R^2 beside it (on a batch: exact for the validation set, which
    // is evaluated in one batch of up to 1024 points; the training R^2 is the mean over the epoch's batches).
    train::Objective objective = train::regression();
    objective.metrics = {
        {"r2", [](const Tensor& out, const data::Batch& b) { return train::r2_score(b.y.reshape(out.shape()), out); }}};
    examples::Experiment exp("regression", o);
    exp.load(model);
    exp.fit(model, objective, *opt, sched.get(), train_set, val_set.size() ? &val_set : nullptr);
    exp.save(model);

    const Tensor test_pred = unscale(train::predict(model, test_set));
    const Tensor train_pred = unscale(train::predict(model, train_set));
    const Tensor train_y = unscale(train_set.y);
    const double test_mse = train::mean_squared_error(test_y, test_pred);
    const double test_r2 = train::r2_score(test_y, test_pred);
    const double train_r2 = train::r2_score(train_y, train_pred);
    std::printf("\ntrain R^2 %.5f   test R^2 %.5f   test MSE %.5f   test MAE %.5f\n", train_r2, test_r2, test_mse,
                train::mean_absolute_error(test_y, test_pred));
    std::printf("\n   x0      x1   |    y      prediction\n");
    for (std::size_t i = 0; i < std::min<std::size_t>(5, test_set.size()); ++i)
      std::printf("%6.3f  %6.3f  | %8.4f  %8.4f\n", test_set.X.data()[2 * i], test_set.X.data()[2 * i + 1],
                  test_y.data()[i], test_pred.data()[i]);

    std::vector<std::string> files = examples::plot_curves(exp.history(), exp.out_dir(), "regression", {}, true);
    files.push_back(examples::plot_regression_slices(exp.path("fit.svg"), model, target_function, range,
                                                     static_cast<float>(mean), static_cast<float>(scale)));
    for (const auto& f : files) std::cout << "wrote " << f << "\n";
    examples::print_result({{"test_r2", test_r2},
                            {"test_mse", test_mse},
                            {"train_r2", train_r2},
                            {"epochs", static_cast<double>(exp.history().size())},
                            {"seconds", exp.seconds()}});
  } catch (const std::exception& e) {
    std::cerr << "regression: " << e.what() << "\n";
    return 1;
  }
}

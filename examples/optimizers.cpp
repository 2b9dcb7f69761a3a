// optimizers: the course's comparison of optimizers (seed 002, "Neural Networks, Lecture 13"): one network, started
// from the same initial weights, trained on the same 2-D binary classification data with each update rule in turn:
//
//   gd                plain full-batch gradient descent (SGD with one batch of all training points per epoch)
//   sgd               mini-batch stochastic gradient descent (the course's fit: batches of 10, lr 0.015)
//   momentum          SGD with classic (heavy-ball) momentum, b = mu b + g, W -= lr b
//   convex            the course's momentum: dW = (1 - eta) dW + eta g, W -= alpha dW (alpha 0.04, eta 0.7)
//   nesterov          SGD with Nesterov momentum
//   adagrad           per-weight rates from the summed squared gradients (the course's eta 0.04)
//   adagrad_momentum  Adagrad's scaled step with momentum on it
//   rmsprop           per-weight rates from a running mean of squared gradients (the course's eta 0.04, gamma 0.5)
//   adam              momentum and RMSprop scaling, both bias-corrected
//
// As in the seed: 500 points in the plane, a 2-20-40-20-1 network with ReLU hidden layers whose weights start as
// 0.1 N(0, 1) and biases at 0 (the course's ANN class), labels y in {-1, +1} and the logistic loss log(1 + e^(-y u))
// of the output u, batches of 10, 50 epochs. The course does not say how its points were drawn; the values it prints
// look like scikit-learn's make_moons with noise 0.1 to 0.2, so the data here are two interleaved half-moons with
// Gaussian noise of standard deviation 0.2 (--noise; the classes overlap a little, so not every optimizer reaches
// 100%), drawn from --seed. 20% of the points (stratified) are held out to report a validation accuracy.
//
// Every optimizer gets the same initial weights (copied from one reference network) and the same batch order (the
// loader's seed), so the curves differ only by the update rule. The small initial weights make the network start on
// a plateau (loss log 2 = 0.693, the course's first epochs of SGD): how fast a rule leaves it is most of the
// difference. Output: loss.svg (training loss per epoch on the whole training set, log scale), accuracy.svg
// (validation accuracy per epoch), metrics.csv (both, one column per optimizer) and a table.
//
// The library's RMSprop is PyTorch's (one running mean of g^2 per weight); the course's keeps one per weight matrix
// (the squared norm of its gradient, starting at 1). With the course's alpha = 0.5 the per-weight version steps by
// about lr * sign(g) and its loss jumps from epoch to epoch (docs/examples.md).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <iostream>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "autodiff/blas.h"
#include "autodiff/random.h"
#include "data/dataset.h"
#include "data/loader.h"
#include "data/split.h"
#include "examples/common/args.h"
#include "examples/common/experiment.h"
#include "nn/activation.h"
#include "nn/init.h"
#include "nn/linear.h"
#include "nn/loss.h"
#include "nn/sequential.h"
#include "optim/optim.h"
#include "plot/line_plot.h"
#include "train/accuracy.h"
#include "train/callbacks.h"
#include "train/fit.h"
#include "train/history.h"

using namespace ad;

namespace {

constexpr double kPi = 3.14159265358979323846;

// Two interleaved half-moons as scikit-learn's make_moons: the upper half of the unit circle (class 0) and the lower
// half shifted by (1, 0.5) (class 1), n/2 points each at uniformly drawn angles, plus N(0, noise^2) on each coordinate.
data::Dataset make_moons(std::size_t n, double noise, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> angle(0.0, kPi);
  std::normal_distribution<double> gauss(0.0, 1.0);
  data::Dataset d;
  std::vector<float> x(2 * n);
  d.labels.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t c = i % 2;
    const double a = angle(rng);
    const double px = c == 0 ? std::cos(a) : 1 - std::cos(a);
    const double py = c == 0 ? std::sin(a) : 0.5 - std::sin(a);
    x[2 * i] = static_cast<float>(px + noise * gauss(rng));
    x[2 * i + 1] = static_cast<float>(py + noise * gauss(rng));
    d.labels[i] = c;
  }
  d.X = Tensor::from(x, Shape{n, 2});
  d.class_names = {"upper moon", "lower moon"};
  return d;
}

// 2 -> hidden... -> 1 with ReLU after every hidden layer; weights 0.1 N(0, 1), biases 0, as the course's ANN class.
nn::Sequential<float> make_network(const std::vector<std::size_t>& hidden) {
  nn::Sequential<float> model;
  std::size_t width = 2;
  for (std::size_t i = 0; i <= hidden.size(); ++i) {
    const std::size_t next = i < hidden.size() ? hidden[i] : 1;
    auto layer = std::make_shared<nn::Linear<float>>(width, next);
    nn::init::normal_(layer->weight, 0.0, 0.1);
    nn::init::zeros_(layer->bias);
    model.push_back(layer);
    if (i < hidden.size()) model.push_back(std::make_shared<nn::ReLU<float>>());
    width = next;
  }
  return model;
}

// The course's loss: log(1 + e^(-y u)) with y = 2 label - 1 in {-1, +1}, mean over the batch; "acc" at logit 0.
train::Objective logistic_objective() {
  train::Objective o;
  o.loss = [](const Tensor& out, const data::Batch& b) {
    if (out.numel() != b.labels.size())
      throw ShapeError("logistic loss: " + std::to_string(b.labels.size()) + " labels for outputs of shape " +
                       out.shape().str());
    Tensor y = Tensor::empty(out.shape());
    float* p = y.mutable_data();
    for (std::size_t i = 0; i < b.labels.size(); ++i) p[i] = b.labels[i] == 1 ? 1.0f : -1.0f;
    return nn::logistic_loss(out, y);
  };
  o.metrics = {{"acc", [](const Tensor& out, const data::Batch& b) { return train::accuracy(b.labels, out, 0.0f); }}};
  return o;
}

struct Settings {
  double momentum = 0.9;       // classic, Nesterov, AdagradMomentum
  double eta = 0.7;            // the course's convex momentum: dW = (1 - eta) dW + eta g
  double rmsprop_alpha = 0.5;  // the course's gamma
};

// The optimizer `name` over `params` with learning rate lr; `detail` describes its other settings for the table.
std::unique_ptr<optim::Optimizer<float>> make_optimizer(const std::string& name, double lr, const Settings& s,
                                                        std::vector<Tensor> params, std::string& detail) {
  char buf[96] = "";
  std::unique_ptr<optim::Optimizer<float>> opt;
  if (name == "gd" || name == "sgd") {
    opt = std::make_unique<optim::SGD<float>>(params, optim::SGDOptions(lr));
  } else if (name == "momentum" || name == "nesterov") {
    opt = std::make_unique<optim::SGD<float>>(params,
                                              optim::SGDOptions(lr).momentum(s.momentum).nesterov(name == "nesterov"));
    std::snprintf(buf, sizeof buf, "momentum %g", s.momentum);
  } else if (name == "convex") {
    opt = std::make_unique<optim::SGD<float>>(
        params, optim::SGDOptions(lr).momentum(1 - s.eta).kind(optim::MomentumKind::Convex));
    std::snprintf(buf, sizeof buf, "eta %g (momentum %g)", s.eta, 1 - s.eta);
  } else if (name == "adagrad") {
    opt = std::make_unique<optim::Adagrad<float>>(params, optim::AdagradOptions(lr));
  } else if (name == "adagrad_momentum") {
    opt =
        std::make_unique<optim::AdagradMomentum<float>>(params, optim::AdagradMomentumOptions(lr).momentum(s.momentum));
    std::snprintf(buf, sizeof buf, "momentum %g", s.momentum);
  } else if (name == "rmsprop") {
    opt = std::make_unique<optim::RMSprop<float>>(params, optim::RMSpropOptions(lr).alpha(s.rmsprop_alpha));
    std::snprintf(buf, sizeof buf, "alpha %g", s.rmsprop_alpha);
  } else if (name == "adam") {
    opt = std::make_unique<optim::Adam<float>>(params, optim::AdamOptions(lr));
    std::snprintf(buf, sizeof buf, "betas 0.9, 0.999");
  } else {
    throw std::invalid_argument("unknown optimizer '" + name + "'");
  }
  detail = buf;
  return opt;
}

// "RESULT key=value ..." as examples::print_result writes it, with one text value first (the best optimizer's name).
void print_result_line(const std::string& best, const std::vector<std::pair<std::string, double>>& values) {
  std::string line = "RESULT best_optimizer=" + best;
  for (const auto& [key, value] : values) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", value);
    line += " " + key + "=" + buf;
  }
  std::cout << line << std::endl;
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> names{
      "gd", "sgd", "momentum", "convex", "nesterov", "adagrad", "adagrad_momentum", "rmsprop", "adam"};
  // Learning rates: the course's where it gives one (sgd, convex, adagrad, rmsprop); the others chosen here.
  std::vector<double> lrs{0.5, 0.015, 0.015, 0.04, 0.015, 0.04, 0.01, 0.04, 0.005};
  std::uint64_t seed = 1;
  int epochs = 50, threads = 1;
  std::size_t batch_size = 10, samples = 500;
  std::vector<std::size_t> hidden{20, 40, 20};
  double noise = 0.2, val_fraction = 0.2, lr_all = 0.01;
  Settings s;
  std::string which = "gd,sgd,momentum,convex,nesterov,adagrad,adagrad_momentum,rmsprop,adam", out = "out/optimizers";

  examples::ArgParser args("optimizers",
                           "Trains one network (2-20-40-20-1, ReLU) from the same initial weights with each optimizer "
                           "of the course (gradient descent, SGD, momentum, Nesterov, Adagrad, RMSprop, Adam, ...) on "
                           "two half-moons and compares their training loss and validation accuracy.");
  args.add_seed("seed", &seed, "seed of the data, the split, the initial weights and the batch order");
  args.add_int("epochs", &epochs, "N", "passes over the training data (one step per epoch for gd)", 1, 1000000);
  args.add_size("batch-size", &batch_size, "N", "examples per mini-batch (gd always uses all of them)", 1);
  std::string all_names;
  for (const auto& n : names) all_names += (all_names.empty() ? "" : ", ") + n;
  args.add_string("optimizers", &which, "LIST", "comma-separated subset of " + all_names);
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::string option = "lr-" + names[i];
    std::replace(option.begin(), option.end(), '_', '-');
    args.add_double(option, &lrs[i], "RATE", "learning rate of " + names[i], 0.0, /*positive=*/true);
  }
  args.add_double("lr", &lr_all, "RATE", "when given: the learning rate of every optimizer without its own --lr-NAME",
                  0.0, true);
  args.add_double("momentum", &s.momentum, "M", "momentum of momentum, nesterov and adagrad_momentum");
  args.add_double("eta", &s.eta, "ETA", "the course's eta of convex momentum, dW = (1 - eta) dW + eta grad", 0.0, true);
  args.add_double("rmsprop-alpha", &s.rmsprop_alpha, "A",
                  "RMSprop's smoothing v = A v + (1 - A) g^2 (the course's gamma)");
  args.add_sizes("hidden", &hidden, "N,N,...", "hidden layer widths", /*allow_empty=*/true);
  args.add_size("samples", &samples, "N", "number of points (training + validation)", 10);
  args.add_double("noise", &noise, "S", "standard deviation of the Gaussian noise on each coordinate");
  args.add_double("val-fraction", &val_fraction, "F", "fraction of the points held out for validation", 0.0, true);
  args.add_int("threads", &threads, "N", "threads of the BLAS matrix products", 1, 64);
  args.add_string("out", &out, "DIR", "directory for the pictures and metrics.csv");
  args.set_epilog(
      "Examples:\n  optimizers\n  optimizers --optimizers sgd,momentum,adam --epochs 100\n"
      "  optimizers --optimizers rmsprop --rmsprop-alpha 0.99 --lr-rmsprop 0.001\n"
      "  optimizers --noise 0.3 --samples 2000 --batch-size 32");
  args.parse(argc, argv);
  if (val_fraction >= 1) args.fail("--val-fraction must be below 1");
  if (!(s.momentum > 0 && s.momentum < 1)) args.fail("--momentum must be in (0, 1)");
  if (s.eta > 1) args.fail("--eta must be in (0, 1]");
  if (s.rmsprop_alpha >= 1) args.fail("--rmsprop-alpha must be below 1");
  std::vector<std::size_t> chosen;  // indices into names
  for (const std::string& name : examples::split_commas(which)) {
    if (name.empty()) continue;  // "a,,b" names a and b
    auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) args.fail("unknown optimizer '" + name + "' in --optimizers");
    const auto i = static_cast<std::size_t>(it - names.begin());
    if (std::find(chosen.begin(), chosen.end(), i) == chosen.end()) chosen.push_back(i);
  }
  if (chosen.empty()) args.fail("--optimizers names no optimizer");
  if (args.given("lr"))
    for (std::size_t i = 0; i < names.size(); ++i) {
      std::string option = "lr-" + names[i];
      std::replace(option.begin(), option.end(), '_', '-');
      if (!args.given(option)) lrs[i] = lr_all;
    }

  try {
    const double start = now_seconds();
    examples::make_directories(out);
    ad::manual_seed(seed);
    blas::set_num_threads(threads);
    const data::Dataset all = make_moons(samples, noise, seed);
    const auto [train_set, val_set] = data::train_test_split(all, val_fraction, seed);
    if (val_set.size() == 0) {
      char msg[160];
      std::snprintf(msg, sizeof msg, "no validation points: --val-fraction %g of %zu points rounds to 0", val_fraction,
                    samples);
      throw std::runtime_error(msg);
    }
    const nn::Sequential<float> reference = make_network(hidden);
    const NamedTensors<float> initial = reference.state_dict();
    const train::Objective objective = logistic_objective();
    std::cout << "optimizers: two moons (noise " << noise << "), " << train_set.size() << " training and "
              << val_set.size() << " validation points; network 2";
    for (std::size_t h : hidden) std::cout << "-" << h;
    std::cout << "-1" << (hidden.empty() ? "" : " (ReLU)") << ", " << reference.num_parameters()
              << " parameters, weights 0.1 N(0, 1), biases 0; "
              << "logistic loss log(1 + exp(-y u)); " << epochs << " epochs of batches of " << batch_size
              << " (gd: " << train_set.size() << ")\n\n";

    struct Run {
      std::string name, detail;
      double lr = 0, loss = 0, val_acc = 0, seconds = 0;
      std::vector<double> losses, val_accs;  // per epoch 0 (before training) .. epochs
    };
    std::vector<Run> runs;
    std::vector<double> epoch_axis;
    for (int e = 0; e <= epochs; ++e) epoch_axis.push_back(e);
    for (std::size_t i : chosen) {
      Run r;
      r.name = names[i];
      r.lr = lrs[i];
      nn::Sequential<float> model = make_network(hidden);
      NamedTensors<float> params = model.state_dict();
      for (std::size_t k = 0; k < params.size(); ++k) params[k].second.copy_(initial[k].second);
      auto opt = make_optimizer(r.name, r.lr, s, model.parameters(), r.detail);
      r.losses.push_back(train::evaluate(model, objective, train_set)[0].second);
      r.val_accs.push_back(train::evaluate(model, objective, val_set)[1].second);
      // The course's loss per epoch: the mean over the whole training set after the epoch (fit's own "loss" is the
      // running mean over the epoch's batches, taken while the weights change).
      auto full_loss = std::make_shared<train::LambdaCallback>([&](train::FitState& st, const train::Metrics& logs) {
        r.losses.push_back(train::evaluate(st.model, objective, train_set)[0].second);
        for (const auto& [key, value] : logs)
          if (key == "val_acc") r.val_accs.push_back(value);
      });
      const auto fit_options = train::FitOptions()
                                   .epochs(static_cast<std::size_t>(epochs))
                                   .batch_size(r.name == "gd" ? train_set.size() : batch_size)
                                   .loader(data::LoaderOptions{true, false, seed})
                                   .validation(&val_set)
                                   .callbacks({full_loss})
                                   .catch_interrupt(false);
      const double t0 = now_seconds();
      train::fit(model, objective, *opt, train_set, fit_options);
      r.seconds = now_seconds() - t0;
      r.loss = r.losses.back();
      r.val_acc = r.val_accs.back();
      std::printf("%-17s lr %-7g loss %.4f -> %.4g, validation accuracy %.2f%%  (%.2f s)\n", r.name.c_str(), r.lr,
                  r.losses.front(), r.loss, 100 * r.val_acc, r.seconds);
      runs.push_back(std::move(r));
    }

    // The best optimizer: the lowest final training loss (what they all minimise); NaN (diverged) never wins.
    const Run* best = nullptr;
    for (const Run& r : runs)
      if (std::isfinite(r.loss) && (!best || r.loss < best->loss)) best = &r;

    std::printf("\n%-17s %-22s %8s %12s %12s %9s %8s\n", "optimizer", "settings", "lr", "train loss", "lowest (ep)",
                "val acc", "seconds");
    for (const Run& r : runs) {
      // The lowest training loss over the epochs, and when: a rule whose loss jumps about ends above it.
      std::size_t low = 0;
      for (std::size_t e = 1; e < r.losses.size(); ++e)
        if (r.losses[e] < r.losses[low]) low = e;
      char lowest[40];
      std::snprintf(lowest, sizeof lowest, "%.3g (%zu)", r.losses[low], low);
      std::printf("%-17s %-22s %8g %12.4g %12s %8.2f%% %8.2f%s\n", r.name.c_str(), r.detail.c_str(), r.lr, r.loss,
                  lowest, 100 * r.val_acc, r.seconds, &r == best && runs.size() > 1 ? "  <- lowest final loss" : "");
    }

    std::vector<plot::Series> loss_series, acc_series;
    train::History history;
    for (int e = 0; e <= epochs; ++e) {
      train::Metrics m;
      for (const Run& r : runs) {
        m.emplace_back("loss_" + r.name, r.losses[e]);
        m.emplace_back("val_acc_" + r.name, r.val_accs[e]);
      }
      history.add(static_cast<std::size_t>(e), m);
    }
    for (const Run& r : runs) {
      loss_series.push_back({r.name, r.losses, epoch_axis});
      acc_series.push_back({r.name, r.val_accs, epoch_axis});
    }
    std::vector<std::string> files{out + "/loss.svg", out + "/accuracy.svg", out + "/metrics.csv"};
    plot::LinePlotOptions lo;
    lo.title = "Training loss per epoch, same initial weights";
    lo.y_label = "logistic loss (training set)";
    lo.log_y = true;
    plot::save_line_plot(files[0], loss_series, lo);
    plot::LinePlotOptions ao;
    ao.title = "Validation accuracy per epoch";
    ao.y_label = "validation accuracy";
    ao.y_max = 1.0;
    plot::save_line_plot(files[1], acc_series, ao);
    history.save_csv(files[2]);
    std::cout << "\n";
    for (const auto& f : files) std::cout << "wrote " << f << "\n";

    std::vector<std::pair<std::string, double>> result;
    if (best) result.emplace_back("best_loss", best->loss);
    for (const Run& r : runs) result.emplace_back("loss_" + r.name, r.loss);
    for (const Run& r : runs) result.emplace_back("val_acc_" + r.name, r.val_acc);
    result.emplace_back("seconds", now_seconds() - start);
    print_result_line(best ? best->name : "none", result);
  } catch (const std::exception& e) {
    std::cerr << "optimizers: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

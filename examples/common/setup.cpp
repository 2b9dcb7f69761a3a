#include "examples/common/setup.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "autodiff/blas.h"
#include "autodiff/random.h"
#include "autodiff/tape.h"
#include "nn/activation.h"
#include "nn/dropout.h"
#include "nn/init.h"
#include "nn/linear.h"
#include "optim/optim.h"

namespace examples {

using ad::Tensor;
namespace nn = ad::nn;
namespace optim = ad::optim;

const std::vector<std::string>& optimizer_names() {
  static const std::vector<std::string> names{
      "sgd", "momentum", "nesterov", "convex", "adagrad", "adagrad_momentum", "rmsprop", "adam", "adamw"};
  return names;
}

void add_training_options(ArgParser& args, TrainOptions& o, bool with_hidden, bool full_batch, bool with_validation) {
  args.add_seed("seed", &o.seed, "seed of every random choice (data, initial weights, batch order)");
  args.add_int("epochs", &o.epochs, "N", "passes over the training data (0 with --load: only evaluate)", 0, 1000000);
  args.add_double("lr", &o.lr, "RATE", "learning rate", 0.0, /*positive=*/true);
  if (!full_batch) args.add_size("batch-size", &o.batch_size, "N", "examples per mini-batch", 1);
  args.add_choice("optimizer", &o.optimizer, optimizer_names(), "update rule");
  args.add_double("momentum", &o.momentum, "M", "momentum of --optimizer momentum|nesterov|convex|adagrad_momentum");
  args.add_double("weight-decay", &o.weight_decay, "L", "L2 weight decay of the optimizer");
  args.add_choice("schedule", &o.schedule, {"none", "cosine", "step", "exp"}, "learning-rate schedule over the epochs");
  if (with_hidden)
    args.add_sizes("hidden", &o.hidden, "N,N,...", "hidden layer widths, e.g. 256,128 ('none': no hidden layer)",
                   /*allow_empty=*/true);
  if (o.out.empty()) o.out = "out/" + args.program();
  args.add_string("out", &o.out, "DIR", "directory for the metrics CSV and the SVG pictures");
  args.add_choice("progress", &o.progress, {"auto", "bar", "lines"},
                  "progress display: a live bar (when stdout is a terminal, for auto) or one line per epoch");
  args.add_int("threads", &o.threads, "N", "threads of the BLAS matrix products", 1, 64);
  if (with_validation)
    args.add_size("patience", &o.patience, "N",
                  "stop after N epochs without a better validation loss, keeping the best epoch's weights (0: off)");
  args.add_string("save", &o.save, "PATH", "write the model (.npz) at the best validation epoch and at the end");
  args.add_string("load", &o.load, "PATH", "start from the model saved in PATH (with --epochs 0: only evaluate it)");
  args.add_flag("resume", &o.resume, "continue the run saved in <out>/run.npz exactly (after Ctrl-C, say)");
}

void seed_and_threads(const TrainOptions& o) {
  ad::manual_seed(o.seed);
  ad::blas::set_num_threads(o.threads);
}

std::unique_ptr<optim::Optimizer<float>> make_optimizer(const TrainOptions& o, std::vector<Tensor> params) {
  const std::string& name = o.optimizer;
  if (name == "sgd")
    return std::make_unique<optim::SGD<float>>(params, optim::SGDOptions(o.lr).weight_decay(o.weight_decay));
  if (name == "momentum" || name == "nesterov") {
    if (!(o.momentum > 0 && o.momentum < 1))
      throw std::invalid_argument("--momentum must be in (0, 1) for --optimizer " + name);
    return std::make_unique<optim::SGD<float>>(
        params, optim::SGDOptions(o.lr).momentum(o.momentum).nesterov(name == "nesterov").weight_decay(o.weight_decay));
  }
  if (name == "convex") {
    if (!(o.momentum > 0 && o.momentum < 1))
      throw std::invalid_argument("--momentum must be in (0, 1) for --optimizer convex");
    return std::make_unique<optim::SGD<float>>(
        params,
        optim::SGDOptions(o.lr).momentum(o.momentum).kind(optim::MomentumKind::Convex).weight_decay(o.weight_decay));
  }
  if (name == "adagrad")
    return std::make_unique<optim::Adagrad<float>>(params, optim::AdagradOptions(o.lr).weight_decay(o.weight_decay));
  if (name == "adagrad_momentum")
    return std::make_unique<optim::AdagradMomentum<float>>(
        params, optim::AdagradMomentumOptions(o.lr).momentum(o.momentum).weight_decay(o.weight_decay));
  if (name == "rmsprop")
    return std::make_unique<optim::RMSprop<float>>(params, optim::RMSpropOptions(o.lr).weight_decay(o.weight_decay));
  if (name == "adam")
    return std::make_unique<optim::Adam<float>>(params, optim::AdamOptions(o.lr).weight_decay(o.weight_decay));
  if (name == "adamw")
    return std::make_unique<optim::AdamW<float>>(params, optim::AdamWOptions(o.lr).weight_decay(o.weight_decay));
  throw std::invalid_argument("unknown optimizer '" + name + "'");
}

std::unique_ptr<optim::LRScheduler<float>> make_scheduler(const std::string& schedule, optim::Optimizer<float>& opt,
                                                          int epochs) {
  const auto n = static_cast<std::size_t>(std::max(epochs, 1));
  if (schedule == "none") return nullptr;
  if (schedule == "cosine") return std::make_unique<optim::CosineAnnealingLR<float>>(opt, n, opt.lr() / 100);
  if (schedule == "step") return std::make_unique<optim::StepLR<float>>(opt, std::max<std::size_t>(1, n / 3), 0.1);
  if (schedule == "exp") return std::make_unique<optim::ExponentialLR<float>>(opt, std::pow(0.01, 1.0 / n));
  throw std::invalid_argument("unknown schedule '" + schedule + "'");
}

const std::vector<std::string>& activation_names() {
  static const std::vector<std::string> names{"relu", "tanh", "sigmoid", "leaky_relu", "elu"};
  return names;
}

std::shared_ptr<nn::Module<float>> make_activation(const std::string& name) {
  if (name == "relu") return std::make_shared<nn::ReLU<float>>();
  if (name == "tanh") return std::make_shared<nn::Tanh<float>>();
  if (name == "sigmoid") return std::make_shared<nn::Sigmoid<float>>();
  if (name == "leaky_relu") return std::make_shared<nn::LeakyReLU<float>>();
  if (name == "elu") return std::make_shared<nn::ELU<float>>();
  throw std::invalid_argument("unknown activation '" + name + "'");
}

nn::Sequential<float> make_mlp(std::size_t in, const std::vector<std::size_t>& hidden, std::size_t out,
                               const std::string& activation, const std::string& init, double dropout) {
  nn::Sequential<float> model;
  std::size_t width = in;
  for (std::size_t h : hidden) {
    auto layer = std::make_shared<nn::Linear<float>>(width, h);
    if (init == "kaiming") {
      nn::init::kaiming_normal_(layer->weight);
      nn::init::zeros_(layer->bias);
    } else if (init == "xavier") {
      const double gain = activation == "tanh" ? nn::init::calculate_gain(nn::init::Nonlinearity::Tanh) : 1.0;
      nn::init::xavier_uniform_(layer->weight, gain);
      nn::init::zeros_(layer->bias);
    } else if (init != "default") {
      throw std::invalid_argument("unknown initialisation '" + init + "'");
    }
    model.push_back(layer);
    model.push_back(make_activation(activation));
    if (dropout > 0) model.push_back(nn::Dropout<float>(dropout));
    width = h;
  }
  model.push_back(nn::Linear<float>(width, out));
  return model;
}

std::vector<double> to_doubles(const Tensor& t) { return std::vector<double>(t.data(), t.data() + t.numel()); }

std::string describe_widths(std::size_t in, const std::vector<std::size_t>& hidden, std::size_t out) {
  std::string s = std::to_string(in);
  for (std::size_t h : hidden) s += "-" + std::to_string(h);
  return s + "-" + std::to_string(out);
}

}  // namespace examples

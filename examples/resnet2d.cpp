// resnet2d: the course notebook's ResNet-style binary classifier on points in the plane (seed 000).
//
// The network moves each point through K residual blocks
//
//   y_{k+1} = y_k + h * act(y_k W_k + b_k)          (nn::Residual: a forward-Euler step of dy/dt = act(y W + b))
//
// and reads the class off the last state with an output layer u = y_K omega + mu. Each block only nudges the points,
// so the stack is a discretised flow that continuously deforms the plane until the two classes can be cut apart by a
// hyperplane; the identity path keeps gradients alive through all K blocks.
//
// Two forms:
//   - the notebook's (--notebook): width d = 2, the input dimension, with no embedding layer; sigmoid blocks with
//     h = 0.1; output Z = sigmoid(u) with the cost J = 1/2 ||Z - c||^2 summed over the points; every parameter drawn
//     from the standard normal distribution; full-batch Adam with tau = 0.01; the validation cost drawn next to the
//     training cost per iteration.
//   - the default: a Linear embedding 2 -> d (d = 16) gives the flow room to untangle the classes; tanh blocks with
//     h = 0.25; one logit trained with binary cross-entropy; mini-batch Adam with a cosine schedule, early stopping
//     on the validation loss.
// Each choice also has its own option (--embedding, --width, --loss, --init, --full-batch, ...).
//
// Data: two interleaved spirals (the default; hard for a shallow model) or two moons, generated here from --seed
// with Gaussian noise, split, stratified, into training, validation and test points. The program writes the learned
// decision boundary with the points and the cost curves as SVGs.
#include <cmath>
#include <cstdio>
#include <exception>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/split.h"
#include "examples/common/args.h"
#include "examples/common/experiment.h"
#include "examples/common/pictures.h"
#include "examples/common/setup.h"
#include "nn/init.h"
#include "nn/linear.h"
#include "nn/loss.h"
#include "nn/residual.h"
#include "nn/sequential.h"
#include "optim/optim.h"
#include "train/train.h"

using namespace ad;
using examples::TrainOptions;

namespace {

constexpr double kPi = 3.14159265358979323846;

// Two spirals of `turns` turns around the origin, one per class, the second rotated by half a turn. The radius
// grows linearly with the angle; points are spread uniformly along the arc length (t = sqrt(u)), so the outer
// parts are not sparser than the centre.
// Two moons: the upper half of the unit circle (class 0) and the lower half shifted by (1, 0.5) (class 1).
data::Dataset make_points(const std::string& kind, std::size_t n, double noise, double turns, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::normal_distribution<double> gauss(0.0, 1.0);
  data::Dataset d;
  std::vector<float> x(2 * n);
  d.labels.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t c = i % 2;
    double px, py;
    if (kind == "spirals") {
      const double t = std::sqrt(u(rng));
      const double angle = 2 * kPi * turns * t + kPi * static_cast<double>(c);
      px = t * std::cos(angle);
      py = t * std::sin(angle);
    } else {
      const double a = kPi * u(rng);
      px = c == 0 ? std::cos(a) : 1 - std::cos(a);
      py = c == 0 ? std::sin(a) : 0.5 - std::sin(a);
    }
    x[2 * i] = static_cast<float>(px + noise * gauss(rng));
    x[2 * i + 1] = static_cast<float>(py + noise * gauss(rng));
    d.labels[i] = c;
  }
  d.X = Tensor::from(x, Shape{n, 2});
  d.class_names = kind == "spirals" ? std::vector<std::string>{"spiral A", "spiral B"}
                                    : std::vector<std::string>{"upper moon", "lower moon"};
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  TrainOptions o;
  o.seed = 1;
  o.epochs = 200;
  o.lr = 1e-2;
  o.batch_size = 64;
  o.optimizer = "adam";
  o.schedule = "cosine";
  o.patience = 40;
  std::string kind = "spirals", activation = "tanh", embedding = "linear", loss = "bce", init = "default";
  std::size_t samples = 1000, width = 16, blocks = 8;
  double noise = 0.03, step = 0.25, turns = 1.5, val_fraction = 0.15, test_fraction = 0.15;
  bool full_batch = false, notebook = false;

  examples::ArgParser args("resnet2d",
                           "Trains the course's ResNet-style binary classifier (K residual blocks y = y + h act(y W + "
                           "b) between an optional embedding and an output layer) on two spirals or two moons and "
                           "draws the learned decision boundary.");
  examples::add_training_options(args, o, /*with_hidden=*/false);
  args.add_flag("notebook", &notebook,
                "the notebook's setup (seed 000): --embedding none --width 2 --activation sigmoid --step 0.1 --loss "
                "half_sse --init normal --full-batch --optimizer adam --lr 0.01 --schedule none --patience 0 --epochs "
                "2000 --dataset moons; options given explicitly still apply");
  args.add_choice("dataset", &kind, {"spirals", "moons"}, "the two classes of points");
  args.add_size("samples", &samples, "N", "number of points (training + validation + test)", 8);
  args.add_double("noise", &noise, "S", "standard deviation of the Gaussian noise added to each coordinate");
  args.add_double("turns", &turns, "T", "turns of each spiral", 0.0, true);
  args.add_double("val-fraction", &val_fraction, "F", "fraction of the points held out for validation", 0.0, true);
  args.add_double("test-fraction", &test_fraction, "F", "fraction of the points held out for testing", 0.0, true);
  args.add_choice("embedding", &embedding, {"linear", "none"},
                  "a Linear layer 2 -> width before the blocks, or none (then the width is the input dimension, 2)");
  args.add_size("width", &width, "D", "width d of every residual block (and of the embedding)", 1);
  args.add_size("blocks", &blocks, "K", "number of residual blocks");
  args.add_double("step", &step, "H", "step length h of the residual blocks", 0.0, true);
  args.add_choice("activation", &activation, examples::activation_names(), "activation inside the residual blocks");
  args.add_choice("loss", &loss, {"bce", "half_sse"},
                  "bce: binary cross-entropy of the logit u (mean over the batch); half_sse: the notebook's "
                  "1/2 ||sigmoid(u) - c||^2 summed over the batch");
  args.add_choice("init", &init, {"default", "normal"},
                  "initial parameters: the layers' defaults, or every one drawn from N(0, 1) as in the notebook");
  args.add_flag("full-batch", &full_batch, "one step per epoch on the whole training set (plain gradient descent)");
  args.set_epilog(
      "Examples:\n  resnet2d --notebook\n  resnet2d --dataset moons --blocks 4 --width 4 --epochs 100\n"
      "  resnet2d --blocks 20 --step 0.1 --activation sigmoid");
  args.parse(argc, argv);
  if (notebook) {  // the notebook's choices, where the command line does not make its own
    const auto preset = [&](const char* option, auto* target, auto value) {
      if (!args.given(option)) *target = value;
    };
    preset("embedding", &embedding, std::string("none"));
    preset("width", &width, std::size_t{2});
    preset("activation", &activation, std::string("sigmoid"));
    preset("step", &step, 0.1);
    preset("loss", &loss, std::string("half_sse"));
    preset("init", &init, std::string("normal"));
    preset("full-batch", &full_batch, true);
    preset("optimizer", &o.optimizer, std::string("adam"));
    preset("lr", &o.lr, 0.01);
    preset("schedule", &o.schedule, std::string("none"));
    preset("patience", &o.patience, std::size_t{0});
    preset("epochs", &o.epochs, 2000);
    preset("dataset", &kind, std::string("moons"));
  }
  if (embedding == "none" && !args.given("width")) width = 2;
  if (embedding == "none" && width != 2)
    args.fail("--embedding none keeps the input dimension: the width must be 2, not " + std::to_string(width));
  if (val_fraction + test_fraction >= 1) args.fail("--val-fraction plus --test-fraction must be below 1");

  try {
    examples::seed_and_threads(o);
    const data::Dataset all = make_points(kind, samples, noise, turns, o.seed);
    const data::Split parts = data::train_val_test_split(all, val_fraction, test_fraction, o.seed);
    if (full_batch) o.batch_size = parts.train.size();

    nn::Sequential<float> model;
    if (embedding == "linear") model.push_back(nn::Linear<float>(2, width));
    for (std::size_t k = 0; k < blocks; ++k)
      model.push_back(nn::Residual<float>(width, step, examples::make_activation(activation)));
    model.push_back(nn::Linear<float>(width, 1));  // u = y_K omega + mu
    if (init == "normal")
      for (Tensor& p : model.parameters()) nn::init::normal_(p);
    auto opt = examples::make_optimizer(o, model.parameters());
    auto sched = examples::make_scheduler(o.schedule, *opt, o.epochs);

    // The objective: binary cross-entropy of the logit, or the notebook's J = 1/2 ||sigmoid(u) - c||^2. Either way
    // a point is classed 1 when u > 0 (Z > 1/2).
    train::Objective objective = train::binary_classification();
    if (loss == "half_sse")
      objective.loss = [](const Tensor& u, const data::Batch& b) {
        std::vector<float> c(b.labels.begin(), b.labels.end());
        const Tensor Z = sigmoid(u);
        return 0.5f * sum(pow(Z - Tensor::from(c, u.shape()), 2.0f));
      };

    std::cout << "resnet2d: " << kind << ", " << parts.train.size() << " training, " << parts.validation.size()
              << " validation and " << parts.test.size() << " test points; "
              << (embedding == "linear" ? "embedding 2 -> " + std::to_string(width) + ", "
                                        : std::string("no embedding, "))
              << blocks << " residual blocks of width " << width << " (h = " << step << ", " << activation
              << "), output " << width << " -> 1, " << (loss == "bce" ? "binary cross-entropy" : "1/2 ||Z - c||^2")
              << "; " << model.num_parameters() << " parameters, " << o.optimizer << " lr " << o.lr
              << (full_batch ? ", full batch" : ", batches of " + std::to_string(o.batch_size)) << "\n";

    examples::Experiment exp("resnet2d", o);
    exp.load(model);
    const auto boundary = [&](const std::string& title) {
      return examples::plot_binary_boundary(exp.path("decision_boundary.svg"), title, model, all.X, all.labels,
                                            all.class_names);
    };
    const std::size_t print_every = full_batch ? std::max<std::size_t>(1, static_cast<std::size_t>(o.epochs) / 20) : 1;
    exp.fit(model, objective, *opt, sched.get(), parts.train, parts.validation.size() ? &parts.validation : nullptr, {},
            print_every, [&] { std::cout << "wrote " << boundary(kind + ", ResNet (interrupted)") << "\n"; });
    exp.save(model);

    const double test_acc = train::accuracy(parts.test.labels, train::predict(model, parts.test), 0.0f);
    const double val_acc = train::accuracy(parts.validation.labels, train::predict(model, parts.validation), 0.0f);
    const double train_acc = train::accuracy(parts.train.labels, train::predict(model, parts.train), 0.0f);
    std::printf("\ntrain accuracy %.4f   validation accuracy %.4f   test accuracy %.4f\n", train_acc, val_acc,
                test_acc);
    std::vector<std::string> files =
        exp.plot_curves("resnet2d " + kind + (loss == "half_sse" ? " (cost: 1/2 ||Z - c||^2 over each set)" : ""));
    char title[200];
    std::snprintf(title, sizeof title, "%s, ResNet %zu x %zu, h = %g: test acc %.1f%%", kind.c_str(), blocks, width,
                  step, 100 * test_acc);
    files.push_back(boundary(title));
    for (const auto& f : files) std::cout << "wrote " << f << "\n";
    examples::print_result({{"test_accuracy", test_acc},
                            {"validation_accuracy", val_acc},
                            {"train_accuracy", train_acc},
                            {"epochs", static_cast<double>(exp.history().size())},
                            {"seconds", exp.seconds()}});
  } catch (const std::exception& e) {
    std::cerr << "resnet2d: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

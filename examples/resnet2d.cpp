// resnet2d: the course notebook's ResNet-style binary classifier on points in the plane.
//
// The network embeds a point into d dimensions (a Linear layer 2 -> d), moves it through K residual blocks
//
//   y_{k+1} = y_k + h * act(y_k W_k + b_k)          (nn::Residual: a forward-Euler step of dy/dt = act(y W + b))
//
// and reads the class off the last state with a Linear layer d -> 1 (one logit, binary cross-entropy). Each block
// only nudges the points, so the stack is a discretised flow that continuously deforms the plane until the two
// classes can be cut apart by a hyperplane; the identity path keeps gradients alive through all K blocks.
//
// Data: two interleaved spirals (the default; hard for a shallow model) or two moons, generated here from --seed
// with Gaussian noise, split into stratified training and test points. The program writes the learned decision
// boundary with the points as an SVG.
#include <cmath>
#include <cstdio>
#include <exception>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/loader.h"
#include "data/one_hot.h"
#include "data/split.h"
#include "examples/common/args.h"
#include "examples/common/pictures.h"
#include "examples/common/run.h"
#include "examples/common/setup.h"
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
  std::string kind = "spirals", activation = "tanh";
  std::size_t samples = 1000, width = 16, blocks = 8;
  double noise = 0.03, step = 0.25, turns = 1.5, test_fraction = 0.25;

  examples::ArgParser args("resnet2d",
                           "Trains the course's ResNet-style binary classifier (embedding to width d, K residual "
                           "blocks y = x + h act(x W + b), output layer) on two spirals or two moons and draws the "
                           "learned decision boundary.");
  examples::add_training_options(args, o, /*with_hidden=*/false);
  args.add_choice("dataset", &kind, {"spirals", "moons"}, "the two classes of points");
  args.add_size("samples", &samples, "N", "number of points (training + test)", 8);
  args.add_double("noise", &noise, "S", "standard deviation of the Gaussian noise added to each coordinate");
  args.add_double("turns", &turns, "T", "turns of each spiral", 0.0, true);
  args.add_double("test-fraction", &test_fraction, "F", "fraction of the points held out for testing", 0.0, true);
  args.add_size("width", &width, "D", "width d of the embedding and of every residual block", 1);
  args.add_size("blocks", &blocks, "K", "number of residual blocks");
  args.add_double("step", &step, "H", "step length h of the residual blocks", 0.0, true);
  args.add_choice("activation", &activation, examples::activation_names(), "activation inside the residual blocks");
  args.set_epilog(
      "Example:\n  resnet2d --dataset moons --blocks 4 --width 4 --epochs 100\n"
      "  resnet2d --blocks 20 --step 0.1 --activation sigmoid");
  args.parse(argc, argv);
  if (test_fraction >= 1) args.fail("--test-fraction must be below 1");

  try {
    examples::seed_and_threads(o);
    const data::Dataset all = make_points(kind, samples, noise, turns, o.seed);
    const auto [train_set, test_set] = data::train_test_split(all, test_fraction, o.seed);

    nn::Sequential<float> model;
    model.push_back(nn::Linear<float>(2, width));
    for (std::size_t k = 0; k < blocks; ++k)
      model.push_back(nn::Residual<float>(width, step, examples::make_activation(activation)));
    model.push_back(nn::Linear<float>(width, 1));
    auto opt = examples::make_optimizer(o, model.parameters());
    auto sched = examples::make_scheduler(o.schedule, *opt, o.epochs);
    data::DataLoader loader(train_set, o.batch_size, {true, false, o.seed});
    std::cout << "resnet2d: " << kind << ", " << train_set.size() << " training and " << test_set.size()
              << " test points; embedding 2 -> " << width << ", " << blocks << " residual blocks (h = " << step << ", "
              << activation << "), output " << width << " -> 1; " << model.num_parameters() << " parameters, "
              << o.optimizer << " lr " << o.lr << "\n";

    examples::Run run("resnet2d", o, loader.num_samples());
    run.watch(opt.get());
    Tensor test_logits =
        examples::fit_classifier(examples::Task::Binary, model, *opt, sched.get(), loader, test_set, run);

    const double test_acc = train::accuracy(test_set.labels, test_logits, 0.0f);
    const double train_acc = train::accuracy(train_set.labels, examples::predict(model, train_set.X), 0.0f);
    std::printf("\ntrain accuracy %.4f   test accuracy %.4f\n", train_acc, test_acc);
    std::vector<std::string> files = run.plot_curves("resnet2d " + kind);
    char title[160];
    std::snprintf(title, sizeof title, "%s, ResNet %zu x %zu, h = %g: test acc %.1f%%", kind.c_str(), blocks, width,
                  step, 100 * test_acc);
    files.push_back(examples::plot_binary_boundary(run.path("decision_boundary.svg"), title, model, all.X, all.labels,
                                                   all.class_names));
    for (const auto& f : files) std::cout << "wrote " << f << "\n";
    std::cout << "wrote " << run.path("metrics.csv") << "\n";
    examples::print_result({{"test_accuracy", test_acc}, {"train_accuracy", train_acc}, {"seconds", run.seconds()}});
  } catch (const std::exception& e) {
    std::cerr << "resnet2d: " << e.what() << "\n";
    return 1;
  }
}

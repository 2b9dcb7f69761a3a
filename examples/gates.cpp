// gates: the logic gates XOR, AND and OR learned by a 2-4-1 network, the first exercise of every neural-network
// course. AND and OR are linearly separable (a single neuron would do); XOR is not, which is why the hidden layer
// is there: its units carve the plane into regions that the output unit combines.
//
// Each gate gets its own network, trained full-batch (all four input pairs in one batch by default) on binary
// cross-entropy of the output logit. The program prints each gate's truth table with the learned probabilities
// and fails (exit status 1) unless all three gates are reproduced exactly.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <exception>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/loader.h"
#include "data/one_hot.h"
#include "examples/common/args.h"
#include "examples/common/pictures.h"
#include "examples/common/run.h"
#include "examples/common/setup.h"
#include "nn/loss.h"
#include "optim/optim.h"
#include "train/train.h"

using namespace ad;
using examples::TrainOptions;

namespace {

struct Gate {
  std::string name;
  std::vector<std::size_t> truth;  // outputs for the inputs 00, 01, 10, 11
};

}  // namespace

int main(int argc, char** argv) {
  TrainOptions o;
  o.seed = 1;
  o.epochs = 500;
  o.lr = 0.05;
  o.batch_size = 4;
  o.optimizer = "adam";
  o.hidden = {4};
  std::string activation = "tanh";
  std::size_t print_every = 0;

  examples::ArgParser args("gates",
                           "Learns the logic gates XOR, AND and OR, each with its own 2-4-1 network (binary "
                           "cross-entropy on the output logit), and prints their truth tables.");
  examples::add_training_options(args, o);
  args.add_choice("activation", &activation, examples::activation_names(), "activation of the hidden layer");
  args.add_size("print-every", &print_every, "N", "print one line every N epochs (default: epochs / 10)");
  args.set_epilog(
      "An epoch is one pass over the four input pairs: with the default batch size of 4, one step.\n\n"
      "Example:\n  gates --hidden 2 --epochs 2000 --optimizer momentum --lr 0.5");
  args.parse(argc, argv);
  if (o.batch_size > 4) args.fail("--batch-size must be at most 4 (there are four input pairs)");
  if (o.hidden.empty()) args.fail("--hidden needs a hidden layer: XOR is not linearly separable");
  if (print_every == 0) print_every = std::max<std::size_t>(1, static_cast<std::size_t>(o.epochs) / 10);

  try {
    examples::seed_and_threads(o);
    const Tensor X = Tensor::from({0, 0, 0, 1, 1, 0, 1, 1}, Shape{4, 2});
    const std::vector<Gate> gates{{"xor", {0, 1, 1, 0}}, {"and", {0, 0, 0, 1}}, {"or", {0, 1, 1, 1}}};

    std::vector<nn::Sequential<float>> models;
    std::vector<std::unique_ptr<optim::Optimizer<float>>> opts;
    std::vector<std::unique_ptr<optim::LRScheduler<float>>> scheds;
    std::vector<data::DataLoader> loaders;
    for (std::size_t g = 0; g < gates.size(); ++g) {
      data::Dataset table;
      table.X = X;
      table.labels = gates[g].truth;
      models.push_back(examples::make_mlp(2, o.hidden, 1, activation, "xavier"));
      opts.push_back(examples::make_optimizer(o, models.back().parameters()));
      scheds.push_back(examples::make_scheduler(o.schedule, *opts.back(), o.epochs));
      loaders.emplace_back(table, o.batch_size, data::LoaderOptions{o.batch_size < 4, false, o.seed + g});
    }
    std::cout << "gates: three " << examples::describe_widths(2, o.hidden, 1) << " networks (" << activation << "), "
              << o.optimizer << " lr " << o.lr << ", " << o.epochs << " epochs\n";

    examples::Run run("gates", o, 4, print_every);
    run.watch(opts[0].get());
    std::vector<Tensor> logits(gates.size());
    for (std::size_t epoch = 1; epoch <= static_cast<std::size_t>(o.epochs); ++epoch) {
      run.start_epoch(epoch);
      train::Metrics epoch_metrics;
      double total_loss = 0;
      for (std::size_t g = 0; g < gates.size(); ++g) {
        for (const data::Batch& b : loaders[g]) {
          Tensor loss = nn::binary_cross_entropy_with_logits(models[g](b.X), data::binary_targets(b.labels));
          opts[g]->zero_grad();
          loss.backward();
          opts[g]->step();
        }
        if (scheds[g]) scheds[g]->step();
        // The loss and accuracy after this epoch's updates, on all four pairs.
        logits[g] = examples::predict(models[g], X);
        const double loss =
            nn::binary_cross_entropy_with_logits(logits[g], data::binary_targets(gates[g].truth)).item();
        total_loss += loss;
        epoch_metrics.emplace_back(gates[g].name + "_loss", loss);
      }
      for (std::size_t g = 0; g < gates.size(); ++g)
        epoch_metrics.emplace_back(gates[g].name + "_acc", train::accuracy(gates[g].truth, logits[g], 0.0f));
      epoch_metrics.insert(epoch_metrics.begin(), {"loss", total_loss});
      run.step(4, {});
      run.end_epoch(epoch_metrics);
    }

    bool all_exact = true;
    std::vector<std::pair<std::string, double>> result;
    for (std::size_t g = 0; g < gates.size(); ++g) {
      const Tensor p = sigmoid(logits[g]);
      const auto pred = train::threshold(logits[g], 0.0f);
      const double acc = train::accuracy(gates[g].truth, pred);
      all_exact = all_exact && acc == 1.0;
      std::string upper = gates[g].name;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      std::printf("\n%-5s x0 x1 | target | p(1)   | output\n", upper.c_str());
      for (std::size_t i = 0; i < 4; ++i)
        std::printf("       %d  %d |   %zu    | %.4f |   %zu %s\n", static_cast<int>(X.data()[2 * i]),
                    static_cast<int>(X.data()[2 * i + 1]), gates[g].truth[i], p.data()[i], pred[i],
                    pred[i] == gates[g].truth[i] ? "" : " <- wrong");
      std::printf("  accuracy %.0f%%\n", 100 * acc);
      result.emplace_back(gates[g].name + "_accuracy", acc);
      const std::string file = run.path("boundary_" + gates[g].name + ".svg");
      examples::plot_binary_boundary(file,
                                     upper + " learned by a " + examples::describe_widths(2, o.hidden, 1) + " network",
                                     models[g], X, gates[g].truth);
    }
    std::cout << "\n";
    for (const auto& f : run.plot_curves("gates", {{"loss", "sum"}})) std::cout << "wrote " << f << "\n";
    std::cout << "wrote " << run.path("boundary_{xor,and,or}.svg") << "\nwrote " << run.path("metrics.csv") << "\n";
    result.emplace_back("seconds", run.seconds());
    examples::print_result(result);
    if (!all_exact) {
      std::cerr << "gates: not every gate was learned exactly (try more --epochs or another --seed)\n";
      return 1;
    }
  } catch (const std::exception& e) {
    std::cerr << "gates: " << e.what() << "\n";
    return 1;
  }
}

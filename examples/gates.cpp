// gates: the logic gates XOR, AND and OR learned by a 2-4-1 network, the first exercise of every neural-network
// course. AND and OR are linearly separable (a single neuron would do); XOR is not, which is why the hidden layer
// is there: its units carve the plane into regions that the output unit combines. To show it, the course's
// logistic regression (no hidden layer: one neuron, a straight decision line) is also trained on XOR, and fails.
//
// Each gate gets its own network, trained full-batch (all four input pairs in one batch by default) on binary
// cross-entropy of the output logit. The program prints each gate's truth table with the learned probabilities and
// fails (exit status 1) unless every gate a network can represent is reproduced exactly: all three with a hidden
// layer; with --hidden none, AND and OR (XOR is then expected to fail).
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <exception>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "examples/common/args.h"
#include "examples/common/experiment.h"
#include "examples/common/pictures.h"
#include "examples/common/setup.h"
#include "nn/checkpoint.h"
#include "train/train.h"

using namespace ad;
using examples::TrainOptions;

namespace {

struct Gate {
  std::string name;
  std::vector<std::size_t> truth;  // outputs for the inputs 00, 01, 10, 11
  bool hidden;                     // with the --hidden layers, or none (logistic regression)
};

// All the gates' networks as one module ("xor.0.weight", ...), for --save and --load.
class GateModels : public nn::Module<float> {
 public:
  void add(const std::string& name, std::shared_ptr<nn::Sequential<float>> m) { this->register_module(name, m); }
  Tensor forward(const Tensor& x) override { return x; }
  std::string name() const override { return "GateModels"; }
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
  examples::add_training_options(args, o, /*with_hidden=*/true, /*full_batch=*/false, /*with_validation=*/false);
  args.add_choice("activation", &activation, examples::activation_names(), "activation of the hidden layer");
  args.add_size("print-every", &print_every, "N", "print one line every N epochs (0: epochs / 10)");
  args.set_epilog(
      "An epoch is one pass over the four input pairs: with the default batch size of 4, one step.\n"
      "Besides the three gates, XOR is trained without a hidden layer (logistic regression), which cannot learn it.\n\n"
      "Examples:\n  gates --hidden 2 --epochs 2000 --optimizer momentum --lr 0.5\n"
      "  gates --hidden none      # logistic regression: AND and OR are learned, XOR is not");
  args.parse(argc, argv);
  o.patience = 0;  // the four pairs are the whole data: nothing to validate on, the epochs are the experiment
  if (o.batch_size > 4) args.fail("--batch-size must be at most 4 (there are four input pairs)");
  if (print_every == 0) print_every = std::max<std::size_t>(1, static_cast<std::size_t>(o.epochs) / 10);

  try {
    examples::seed_and_threads(o);
    const Tensor X = Tensor::from({0, 0, 0, 1, 1, 0, 1, 1}, Shape{4, 2});
    std::vector<Gate> gates{{"xor", {0, 1, 1, 0}, true}, {"and", {0, 0, 0, 1}, true}, {"or", {0, 1, 1, 1}, true}};
    if (!o.hidden.empty()) gates.push_back({"xor_linear", {0, 1, 1, 0}, false});  // the course's logistic regression
    std::cout << "gates: " << examples::describe_widths(2, o.hidden, 1) << " networks (" << activation << "), "
              << o.optimizer << " lr " << o.lr << ", " << o.epochs << " epochs; XOR also without a hidden layer\n";

    const std::string out = o.out.empty() ? "out/gates" : o.out;
    examples::make_directories(out);
    GateModels all_models;
    std::vector<std::shared_ptr<nn::Sequential<float>>> models;
    for (const Gate& g : gates) {
      models.push_back(std::make_shared<nn::Sequential<float>>(
          examples::make_mlp(2, g.hidden ? o.hidden : std::vector<std::size_t>{}, 1, activation, "xavier")));
      all_models.add(g.name, models.back());
    }
    if (!o.load.empty()) {
      nn::load_checkpoint(o.load, all_models);
      std::cout << "gates: loaded the models from " << o.load << "\n";
    }
    // Each gate trains on its truth table, and its loss and accuracy after each epoch's updates are those on the
    // same four pairs (the table is its own validation set). Each has its own folder (metrics.csv, run.npz).
    train::History history;
    std::vector<train::History> per_gate;
    for (std::size_t g = 0; g < gates.size(); ++g) {
      data::Dataset table;
      table.X = X;
      table.labels = gates[g].truth;
      examples::TrainOptions go = o;
      go.out = out + "/" + gates[g].name;
      go.save.clear();
      go.seed = o.seed + g;  // the batch order of each gate
      auto opt = examples::make_optimizer(go, models[g]->parameters());
      auto sched = examples::make_scheduler(go.schedule, *opt, go.epochs);
      examples::Experiment exp("gates " + gates[g].name, go);
      exp.fit(*models[g], train::binary_classification(), *opt, sched.get(), table, &table, {},
              print_every * 1000000);  // one line per gate: its last epoch
      per_gate.push_back(exp.history());
    }
    // One history for the pictures: each gate's loss and accuracy on the table per epoch.
    for (std::size_t e = 0; !per_gate.empty() && e < per_gate[0].size(); ++e) {
      train::Metrics m;
      double total = 0;
      for (std::size_t g = 0; g < gates.size(); ++g) {
        const double l = per_gate[g]["val_loss"][e];
        if (gates[g].hidden) total += l;
        m.emplace_back(gates[g].name + "_loss", l);
      }
      for (std::size_t g = 0; g < gates.size(); ++g) m.emplace_back(gates[g].name + "_acc", per_gate[g]["val_acc"][e]);
      m.insert(m.begin(), {"loss", total});
      history.add(per_gate[0].epochs()[e], m);
    }

    bool all_exact = true;
    std::vector<std::pair<std::string, double>> result;
    for (std::size_t g = 0; g < gates.size(); ++g) {
      const Tensor logits = train::predict(*models[g], X);
      const Tensor p = sigmoid(logits);
      const auto pred = train::threshold(logits, 0.0f);
      const double acc = train::accuracy(gates[g].truth, pred);
      // AND and OR by any network; XOR only with a hidden layer.
      const bool representable =
          gates[g].name == "and" || gates[g].name == "or" || (gates[g].hidden && !o.hidden.empty());
      if (representable) all_exact = all_exact && acc == 1.0;
      std::string upper = gates[g].name;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      const std::string widths =
          examples::describe_widths(2, gates[g].hidden ? o.hidden : std::vector<std::size_t>{}, 1);
      std::printf("\n%-10s x0 x1 | target | p(1)   | output   (%s network)\n", upper.c_str(), widths.c_str());
      for (std::size_t i = 0; i < 4; ++i)
        std::printf("            %d  %d |   %zu    | %.4f |   %zu %s\n", static_cast<int>(X.data()[2 * i]),
                    static_cast<int>(X.data()[2 * i + 1]), gates[g].truth[i], p.data()[i], pred[i],
                    pred[i] == gates[g].truth[i] ? "" : " <- wrong");
      std::printf("  accuracy %.0f%%%s\n", 100 * acc,
                  representable ? "" : "  (expected: no straight line separates XOR's two classes)");
      result.emplace_back(gates[g].name + "_accuracy", acc);
      const std::string file = out + "/boundary_" + gates[g].name + ".svg";
      examples::plot_binary_boundary(file, upper + " learned by a " + widths + " network", *models[g], X,
                                     gates[g].truth);
    }
    std::cout << "\n";
    for (const auto& f : examples::plot_curves(history, out, "gates", {{"loss", "sum"}}, /*log_loss=*/true))
      std::cout << "wrote " << f << "\n";
    history.save_csv(out + "/metrics.csv");
    std::cout << "wrote " << out << "/boundary_{" << (o.hidden.empty() ? "xor,and,or" : "xor,and,or,xor_linear")
              << "}.svg\nwrote " << out << "/metrics.csv\n";
    if (!o.save.empty()) {
      nn::save_checkpoint(o.save, all_models);
      std::cout << "wrote " << o.save << " (the models)\n";
    }
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

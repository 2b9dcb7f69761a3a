// digits_grid: the course's grid search over the learning rate eta and the L2 strength lambda for the digits
// network (one hidden layer of 50 sigmoid units, plain SGD on mini-batches of 100, 100 epochs), with the train and
// test accuracy of every pair shown as heatmaps.
//
// As in the course, lambda penalises the weights (not the biases): the cost is cross-entropy + lambda/2 sum W^2,
// whose gradient adds lambda W to each weight's gradient. Too small a learning rate barely moves in 100 epochs,
// too large a lambda shrinks every weight to nothing, and eta lambda > 2 makes the decay itself diverge (the cell
// is then NaN, drawn grey). Between them lies the region where the network learns.
#include <cmath>
#include <cstdio>
#include <exception>
#include <iostream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "data/loader.h"
#include "examples/common/args.h"
#include "examples/common/digits_data.h"
#include "examples/common/run.h"
#include "examples/common/setup.h"
#include "io/file.h"
#include "nn/linear.h"
#include "nn/loss.h"
#include "optim/optim.h"
#include "plot/heatmap.h"
#include "train/train.h"

using namespace ad;
using examples::TrainOptions;

namespace {

struct Cell {
  double lr = 0, l2 = 0;
  double train_acc = 0, test_acc = 0, loss = 0, seconds = 0;
  train::History history;
};

std::string label(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  TrainOptions o;
  o.seed = 1;
  o.epochs = 100;
  o.lr = 0.1;  // unused: the grid gives the learning rates
  o.batch_size = 100;
  o.optimizer = "sgd";
  o.hidden = {50};
  std::vector<double> lrs{1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10};
  std::vector<double> l2s{1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10};
  std::string activation = "sigmoid", scaling = "standard", data_path;
  double test_fraction = 0.2;

  examples::ArgParser args("digits_grid",
                           "Grid search over learning rate x L2 strength for the digits MLP (one hidden layer of 50): "
                           "trains one network per pair and writes heatmaps of the train and test accuracy and a CSV "
                           "of the grid.");
  examples::add_training_options(args, o);
  args.add_doubles("lrs", &lrs, "A,B,...", "learning rates of the grid (replaces --lr)");
  args.add_doubles("l2s", &l2s, "A,B,...", "L2 strengths lambda of the grid (cost + lambda/2 sum W^2)");
  args.add_choice("activation", &activation, examples::activation_names(), "activation of the hidden layers");
  args.add_choice("scaling", &scaling, {"standard", "minmax"}, "pixel scaling fitted on the training part");
  args.add_double("test-fraction", &test_fraction, "F", "fraction of the images held out for testing", 0.0, true);
  args.add_string("data", &data_path, "FILE", "the CSV file (default: the shipped data/sets/digits.csv.gz)");
  args.set_epilog(
      "Writes grid.csv, train_accuracy.svg, test_accuracy.svg, and metrics.csv with loss.svg and\n"
      "accuracy.svg for the pair of highest test accuracy.\n\n"
      "Example:\n  digits_grid --lrs 0.01,0.1,1 --l2s 0.0001,0.001,0.01 --epochs 50 --optimizer momentum");
  args.parse(argc, argv);
  if (args.given("lr")) args.fail("--lr has no effect here: give the learning rates of the grid with --lrs");
  if (test_fraction >= 1) args.fail("--test-fraction must be below 1");

  try {
    examples::seed_and_threads(o);
    const examples::DigitsSplit d = examples::load_digits_split(data_path, scaling, test_fraction, o.seed);
    const std::size_t classes = d.all.num_classes(), features = d.all.num_features();
    const std::string& out = o.out;
    examples::make_directories(out);
    std::cout << "digits_grid: " << lrs.size() << " x " << l2s.size() << " grid, MLP "
              << examples::describe_widths(features, o.hidden, classes) << " (" << activation << "), " << o.optimizer
              << ", " << o.epochs << " epochs of batches of " << o.batch_size << "\n";

    std::vector<Cell> cells;
    for (double lr : lrs) {
      for (double l2 : l2s) {
        Cell cell;
        cell.lr = lr;
        cell.l2 = l2;
        // Every cell starts from the same initial weights and sees the same batches: only eta and lambda differ.
        ad::manual_seed(o.seed);
        auto model = examples::make_mlp(features, o.hidden, classes, activation);
        std::vector<Tensor> weights;
        for (const auto& [name, p] : model.named_parameters())
          if (name.size() >= 6 && name.compare(name.size() - 6, 6, "weight") == 0) weights.push_back(p);
        TrainOptions cell_options = o;
        cell_options.lr = lr;
        auto opt = examples::make_optimizer(cell_options, model.parameters());
        auto sched = examples::make_scheduler(o.schedule, *opt, o.epochs);
        data::DataLoader loader(d.train, o.batch_size, {true, false, o.seed});
        train::ProgressOptions silent;
        silent.display = train::Display::Silent;
        train::Progress progress(static_cast<std::size_t>(o.epochs), loader.num_samples(), silent);
        const double start = examples::Run::clock();
        Tensor test_logits;
        for (std::size_t epoch = 1; epoch <= static_cast<std::size_t>(o.epochs); ++epoch) {
          progress.start_epoch(epoch);
          for (const data::Batch& b : loader) {
            Tensor logits = model(b.X);
            Tensor ce = nn::cross_entropy(logits, b.labels);
            Tensor cost = ce + static_cast<float>(l2 / 2) * nn::l2_penalty(weights);
            opt->zero_grad();
            cost.backward();
            opt->step();
            progress.step(b.size(), {{"loss", cost.item()}, {"acc", train::accuracy(b.labels, logits.detach())}});
          }
          if (sched) sched->step();
          test_logits = examples::predict(model, d.test.X);
          cell.history.add(epoch,
                           progress.end_epoch({{"test_loss", nn::cross_entropy(test_logits, d.test.labels).item()},
                                               {"test_acc", train::accuracy(d.test.labels, test_logits)}}));
        }
        cell.seconds = examples::Run::clock() - start;
        cell.loss = cell.history.last("loss");
        cell.train_acc = train::accuracy(d.train.labels, examples::predict(model, d.train.X));
        cell.test_acc = train::accuracy(d.test.labels, test_logits);
        if (!std::isfinite(cell.loss)) cell.train_acc = cell.test_acc = std::numeric_limits<double>::quiet_NaN();
        std::printf("lr %-7s l2 %-7s loss %-10.4g train acc %6.2f%%  test acc %6.2f%%  %.2f s\n", label(lr).c_str(),
                    label(l2).c_str(), cell.loss, 100 * cell.train_acc, 100 * cell.test_acc, cell.seconds);
        std::fflush(stdout);
        cells.push_back(std::move(cell));
      }
    }

    // The grid as CSV, and the accuracies as lr x l2 matrices for the heatmaps.
    std::ostringstream csv;
    csv << "lr,l2,train_acc,test_acc,final_loss,seconds\n";
    std::vector<std::vector<double>> train_acc(lrs.size(), std::vector<double>(l2s.size()));
    std::vector<std::vector<double>> test_acc = train_acc;
    const Cell* best = nullptr;
    for (std::size_t i = 0; i < lrs.size(); ++i)
      for (std::size_t j = 0; j < l2s.size(); ++j) {
        const Cell& c = cells[i * l2s.size() + j];
        csv << label(c.lr) << ',' << label(c.l2) << ',' << c.train_acc << ',' << c.test_acc << ',' << c.loss << ','
            << c.seconds << '\n';
        train_acc[i][j] = c.train_acc;
        test_acc[i][j] = c.test_acc;
        if (std::isfinite(c.test_acc) && (!best || c.test_acc > best->test_acc)) best = &c;
      }
    io::write_file_atomic(out + "/grid.csv", csv.str());

    std::vector<std::string> files{out + "/grid.csv"};
    for (const auto& [name, values] : {std::pair{"train", &train_acc}, std::pair{"test", &test_acc}}) {
      plot::HeatmapOptions h;
      h.title = std::string("Digits: ") + name + " accuracy after " + std::to_string(o.epochs) + " epochs";
      h.y_label = "learning rate";
      h.x_label = "L2 strength lambda";
      for (double lr : lrs) h.row_labels.push_back(label(lr));
      for (double l2 : l2s) h.col_labels.push_back(label(l2));
      h.percent = true;
      h.decimals = 1;
      h.v_min = 0;
      h.v_max = 1;
      h.color_label = "accuracy";
      files.push_back(out + "/" + name + "_accuracy.svg");
      plot::save_heatmap(files.back(), *values, h);
    }
    if (!best) throw std::runtime_error("every run of the grid diverged");
    best->history.save_csv(out + "/metrics.csv");
    for (const auto& f :
         examples::plot_curves(best->history, out, "digits, lr " + label(best->lr) + ", L2 " + label(best->l2)))
      files.push_back(f);
    std::printf("\nbest test accuracy %.4f at lr %s, L2 %s (train accuracy %.4f); its curves: metrics.csv\n",
                best->test_acc, label(best->lr).c_str(), label(best->l2).c_str(), best->train_acc);
    for (const auto& f : files) std::cout << "wrote " << f << "\n";
    double seconds = 0;
    for (const Cell& c : cells) seconds += c.seconds;
    examples::print_result({{"best_test_accuracy", best->test_acc},
                            {"best_lr", best->lr},
                            {"best_l2", best->l2},
                            {"best_train_accuracy", best->train_acc},
                            {"runs", static_cast<double>(cells.size())},
                            {"seconds", seconds}});
  } catch (const std::exception& e) {
    std::cerr << "digits_grid: " << e.what() << "\n";
    return 1;
  }
}

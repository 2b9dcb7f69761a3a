// digits_grid: model selection on validation data, as seed 003 of the course teaches it: the hidden layers (number
// and sizes), the learning rate eta and the L2 strength lambda of the digits network are chosen by the accuracy on a
// validation part, and the chosen network is evaluated on the test part once, at the end.
//
// Every cell of the grid (architecture x eta x lambda) trains a sigmoid MLP with plain SGD on mini-batches of 100
// from the same initial weights and batch order, for at most --epochs epochs, stopping early on the validation loss
// (keeping its best epoch). As in the course, lambda penalises the weights (not the biases): the cost is
// cross-entropy + lambda/2 sum W^2, whose gradient adds lambda W to each weight's gradient. Too small a learning rate
// barely moves, too large a lambda shrinks every weight to nothing, and eta lambda > 2 makes the decay itself diverge
// (the cell is labelled "diverged"). The best cell is the one of highest validation accuracy (ties: lowest validation
// cross-entropy).
//
// Ctrl-C ends the grid after the current batch; grid.csv holds the cells done and --resume runs only the others (each
// cell is deterministic, so the resumed grid ends as an uninterrupted one would).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "autodiff/state_dict.h"
#include "examples/common/args.h"
#include "examples/common/digits_data.h"
#include "examples/common/experiment.h"
#include "examples/common/setup.h"
#include "io/file.h"
#include "io/state.h"
#include "nn/checkpoint.h"
#include "nn/loss.h"
#include "plot/heatmap.h"
#include "train/train.h"

using namespace ad;
using examples::TrainOptions;

namespace {

// One cell of the grid and what its training gave.
struct Cell {
  std::vector<std::size_t> hidden;
  double lr = 0, l2 = 0;
  double train_acc = 0, val_acc = 0, val_loss = 0, loss = 0, seconds = 0;
  std::size_t epochs = 0, best_epoch = 0;
  bool diverged = false;
};

std::string label(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// "100-50", or "none" for no hidden layer: an architecture in a CSV field and a file name.
std::string hidden_label(const std::vector<std::size_t>& hidden) {
  if (hidden.empty()) return "none";
  std::string s;
  for (std::size_t h : hidden) s += (s.empty() ? "" : "-") + std::to_string(h);
  return s;
}

const char* kCsvHeader = "hidden,lr,l2,train_acc,val_acc,val_loss,final_loss,epochs,best_epoch,seconds";

std::string csv_row(const Cell& c) {
  std::ostringstream row;
  row.precision(9);
  row << hidden_label(c.hidden) << ',' << label(c.lr) << ',' << label(c.l2) << ',' << c.train_acc << ',' << c.val_acc
      << ',' << c.val_loss << ',' << c.loss << ',' << c.epochs << ',' << c.best_epoch << ',' << c.seconds;
  return row.str();
}

// The cells done by an interrupted run, read back from its grid.csv; they must be the first cells of this grid.
std::vector<Cell> read_done_cells(const std::string& path, const std::vector<Cell>& grid) {
  std::istringstream in(io::read_file(path));
  std::string line;
  if (!std::getline(in, line) || line != kCsvHeader)
    throw std::runtime_error("--resume: " + path + " is not a grid.csv of digits_grid");
  std::vector<Cell> done;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> f;
    std::istringstream fields(line);
    for (std::string field; std::getline(fields, field, ',');) f.push_back(field);
    const std::size_t k = done.size();
    if (f.size() != 10 || k >= grid.size() || f[0] != hidden_label(grid[k].hidden) || f[1] != label(grid[k].lr) ||
        f[2] != label(grid[k].l2))
      throw std::runtime_error("--resume: line " + std::to_string(k + 2) + " of " + path +
                               " is not the next cell of this grid (were --hidden-grid, --lrs or --l2s changed?)");
    Cell c = grid[k];
    c.train_acc = std::strtod(f[3].c_str(), nullptr);
    c.val_acc = std::strtod(f[4].c_str(), nullptr);
    c.val_loss = std::strtod(f[5].c_str(), nullptr);
    c.loss = std::strtod(f[6].c_str(), nullptr);
    c.epochs = std::strtoul(f[7].c_str(), nullptr, 10);
    c.best_epoch = std::strtoul(f[8].c_str(), nullptr, 10);
    c.seconds = std::strtod(f[9].c_str(), nullptr);
    c.diverged = !std::isfinite(c.loss);
    done.push_back(c);
  }
  return done;
}

bool better(const Cell& a, const Cell& b) {  // a is a better choice than b
  if (a.diverged) return false;
  if (b.diverged) return true;
  return a.val_acc > b.val_acc || (a.val_acc == b.val_acc && a.val_loss < b.val_loss);
}

// The chosen model with what rebuilds it: its hidden widths, and its eta and lambda for the report.
void save_model(const std::string& path, const nn::Module<float>& model, const Cell& c) {
  StateDict extra;
  extra.set("hidden", std::vector<std::uint64_t>(c.hidden.begin(), c.hidden.end()));
  extra.set("lr", c.lr);
  extra.set("l2", c.l2);
  nn::save_checkpoint(path, model, extra, "grid.");
}

}  // namespace

int main(int argc, char** argv) {
  TrainOptions o;
  o.seed = 1;
  o.epochs = 100;
  o.lr = 0.1;  // unused: the grid gives the learning rates
  o.batch_size = 100;
  o.optimizer = "sgd";
  o.patience = 10;
  std::vector<std::vector<std::size_t>> hidden_grid{{50}, {100}, {100, 50}};
  std::vector<double> lrs{1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10};
  std::vector<double> l2s{1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10};
  std::string activation = "sigmoid", scaling = "standard", data_path;
  double val_fraction = 0.16, test_fraction = 0.2;

  examples::ArgParser args("digits_grid",
                           "Model selection for the digits MLP on validation data: trains one network per hidden-layer "
                           "configuration x learning rate x L2 strength, picks the one of highest validation "
                           "accuracy, and reports its test accuracy once.");
  examples::add_training_options(args, o, /*with_hidden=*/false);
  args.add_size_lists("hidden-grid", &hidden_grid, "H:H:...",
                      "the hidden-layer configurations of the grid, e.g. 50:100:100,50 ('none': no hidden layer)");
  args.add_doubles("lrs", &lrs, "A,B,...", "learning rates of the grid (replaces --lr)");
  args.add_doubles("l2s", &l2s, "A,B,...", "L2 strengths lambda of the grid (cost + lambda/2 sum W^2)");
  args.add_choice("activation", &activation, examples::activation_names(), "activation of the hidden layers");
  args.add_choice("scaling", &scaling, {"standard", "minmax"}, "pixel scaling fitted on the training part");
  args.add_double("val-fraction", &val_fraction, "F", "fraction of the images held out for validation", 0.0, true);
  args.add_double("test-fraction", &test_fraction, "F", "fraction of the images held out for testing", 0.0, true);
  args.add_string("data", &data_path, "FILE", "the CSV file (default: the shipped data/sets/digits.csv.gz)");
  args.set_epilog(
      "Writes grid.csv, train_accuracy.svg and val_accuracy.svg (a row per architecture and learning rate),\n"
      "best_model.npz, and metrics.csv with loss.svg and accuracy.svg for the chosen cell. --save PATH also\n"
      "writes the chosen model to PATH; --load PATH --epochs 0 evaluates a model saved so (its architecture\n"
      "is in the file).\n\n"
      "Example:\n  digits_grid --hidden-grid 50:100,50 --lrs 0.1,1 --l2s 0.0001,0.001,0.01 --epochs 50");
  args.parse(argc, argv);
  if (args.given("lr")) args.fail("--lr has no effect here: give the learning rates of the grid with --lrs");
  if (test_fraction + val_fraction >= 1) args.fail("--val-fraction plus --test-fraction must be below 1");
  if (!o.load.empty() && o.epochs != 0)
    args.fail("--load evaluates a saved model: give --epochs 0 (to train it further, use digits --load)");

  try {
    examples::seed_and_threads(o);
    const examples::DigitsSplit d =
        examples::load_digits_split(data_path, scaling, val_fraction, test_fraction, o.seed);
    const std::size_t classes = d.all.num_classes(), features = d.all.num_features();
    examples::Experiment exp("digits_grid", o);
    const auto evaluate_on_test = [&](nn::Sequential<float>& model) {
      return train::accuracy(d.test.labels, train::predict(model, d.test));
    };

    if (!o.load.empty()) {  // evaluate a saved model: its architecture is in the file
      const StateDict saved = io::load_state(o.load);
      const auto& words = saved.words("grid.hidden", o.load);
      auto model =
          examples::make_mlp(features, std::vector<std::size_t>(words.begin(), words.end()), classes, activation);
      nn::load_checkpoint(o.load, model, "grid.");
      const double val_acc = train::accuracy(d.validation.labels, train::predict(model, d.validation));
      const double test_acc = evaluate_on_test(model);
      std::printf("%s: MLP %s, lr %s, L2 %s: validation accuracy %.4f, test accuracy %.4f\n", o.load.c_str(),
                  examples::describe_widths(features, {words.begin(), words.end()}, classes).c_str(),
                  label(saved.real("grid.lr", o.load)).c_str(), label(saved.real("grid.l2", o.load)).c_str(), val_acc,
                  test_acc);
      examples::print_result({{"test_accuracy", test_acc}, {"validation_accuracy", val_acc}});
      return 0;
    }

    std::vector<Cell> grid;
    for (const auto& hidden : hidden_grid)
      for (double lr : lrs)
        for (double l2 : l2s) grid.push_back({hidden, lr, l2});
    std::cout << "digits_grid: " << hidden_grid.size() << " architectures x " << lrs.size() << " learning rates x "
              << l2s.size() << " L2 strengths, " << activation << " MLP, " << o.optimizer << ", at most " << o.epochs
              << " epochs of batches of " << o.batch_size << "; " << d.train.size() << " training, "
              << d.validation.size() << " validation, " << d.test.size() << " test images\n";

    const std::string csv_path = exp.path("grid.csv"), best_path = exp.path("best_model.npz");
    std::vector<Cell> cells;
    if (o.resume) {
      if (!io::file_exists(csv_path)) throw std::runtime_error("--resume: there is no grid to continue in " + csv_path);
      cells = read_done_cells(csv_path, grid);
      std::cout << "digits_grid: resuming after the " << cells.size() << " cells in " << csv_path << "\n";
    }
    std::string csv = std::string(kCsvHeader) + "\n";
    for (const Cell& c : cells) csv += csv_row(c) + "\n";
    const Cell* best = nullptr;
    for (const Cell& c : cells)
      if (!best || better(c, *best)) best = &c;
    Cell best_cell = best ? *best : Cell{};
    bool have_best = best && !best->diverged;

    // The accuracy heatmaps of the cells done so far (the others blank): a row per architecture and learning rate.
    const auto write_heatmaps = [&]() {
      std::vector<std::string> files;
      for (const std::string part : {"train", "val"}) {
        std::vector<std::vector<double>> values(hidden_grid.size() * lrs.size(),
                                                std::vector<double>(l2s.size(), std::nan("")));
        for (std::size_t k = 0; k < cells.size(); ++k) {
          const double v = part == "train" ? cells[k].train_acc : cells[k].val_acc;
          values[k / l2s.size()][k % l2s.size()] = cells[k].diverged ? std::numeric_limits<double>::infinity() : v;
        }
        plot::HeatmapOptions h;
        h.title = std::string("Digits: ") + (part == "train" ? "training" : "validation") +
                  " accuracy (rows: hidden layers | learning rate)";
        h.y_label = "hidden layers | learning rate";
        h.x_label = "L2 strength lambda";
        for (const auto& hidden : hidden_grid)
          for (double lr : lrs) h.row_labels.push_back(hidden_label(hidden) + " | " + label(lr));
        for (double l2 : l2s) h.col_labels.push_back(label(l2));
        h.percent = true;
        h.decimals = 1;
        h.v_min = 0;
        h.v_max = 1;
        h.color_label = "accuracy";
        h.non_finite_label = "diverged";  // a diverged run's cell holds infinity
        h.nan_label = "not run";          // after Ctrl-C, the cells not reached
        files.push_back(exp.path(part + "_accuracy.svg"));
        plot::save_heatmap(files.back(), values, h);
      }
      return files;
    };

    for (std::size_t k = cells.size(); k < grid.size(); ++k) {
      Cell cell = grid[k];
      // Every cell starts from the same initial weights and sees the same batches: only the hyperparameters differ.
      ad::manual_seed(o.seed);
      auto model = examples::make_mlp(features, cell.hidden, classes, activation);
      std::vector<Tensor> weights;
      for (const auto& [name, p] : model.named_parameters())
        if (name.size() >= 6 && name.compare(name.size() - 6, 6, "weight") == 0) weights.push_back(p);
      TrainOptions cell_options = o;
      cell_options.lr = cell.lr;
      auto opt = examples::make_optimizer(cell_options, model.parameters());
      auto sched = examples::make_scheduler(o.schedule, *opt, o.epochs);
      train::Objective objective = train::classification();
      const float half_l2 = static_cast<float>(cell.l2 / 2);
      const train::Objective::LossFn cross_entropy = objective.loss;
      objective.loss = [&](const Tensor& logits, const data::Batch& b) {
        return cross_entropy(logits, b) + half_l2 * nn::l2_penalty(weights);
      };
      std::vector<std::shared_ptr<train::Callback>> callbacks;
      if (o.patience > 0)
        callbacks.push_back(std::make_shared<train::EarlyStopping>(
            train::EarlyStoppingOptions().patience(o.patience).restore_best_weights(true)));
      const double start = exp.seconds();
      const train::FitResult r = train::fit(model, objective, *opt, d.train,
                                            train::FitOptions()
                                                .epochs(static_cast<std::size_t>(o.epochs))
                                                .batch_size(o.batch_size)
                                                .loader({true, false, o.seed})
                                                .validation(&d.validation)
                                                .scheduler(sched.get())
                                                .callbacks(callbacks));
      if (r.interrupted) {
        std::cout << "\ndigits_grid: interrupted; " << cells.size() << " of " << grid.size()
                  << " cells are done (grid.csv); continue with --resume\n";
        for (const auto& f : write_heatmaps()) std::cout << "wrote " << f << "\n";
        return 130;  // the shell's status for a program ended by Ctrl-C
      }
      cell.seconds = exp.seconds() - start;
      cell.epochs = r.epochs;
      cell.loss = r.history.last("loss");
      cell.diverged = false;
      for (double v : r.history["loss"]) cell.diverged = cell.diverged || !std::isfinite(v);
      if (!cell.diverged) {
        cell.best_epoch = r.history.best_epoch("val_loss");
        cell.train_acc = train::accuracy(d.train.labels, train::predict(model, d.train));
        const train::Metrics val = train::evaluate(model, train::classification(), d.validation);  // loss, acc
        cell.val_loss = val[0].second;
        cell.val_acc = val[1].second;
      } else {
        cell.train_acc = cell.val_acc = cell.val_loss = std::numeric_limits<double>::quiet_NaN();
      }
      const std::string loss_text = cell.diverged ? "diverged" : "loss " + label(cell.loss);
      std::printf("hidden %-7s lr %-6s l2 %-6s %-13s train acc %6.2f%%  val acc %6.2f%%  %3zu epochs  %.2f s\n",
                  hidden_label(cell.hidden).c_str(), label(cell.lr).c_str(), label(cell.l2).c_str(), loss_text.c_str(),
                  100 * cell.train_acc, 100 * cell.val_acc, cell.epochs, cell.seconds);
      std::fflush(stdout);
      if (!have_best || better(cell, best_cell)) {  // keep the best model and its curves (for the end and --resume)
        save_model(best_path, model, cell);
        r.history.save_csv(exp.path("metrics.csv"));
        best_cell = cell;
        have_best = true;
      }
      cells.push_back(cell);
      csv += csv_row(cell) + "\n";
      io::write_file_atomic(csv_path, csv);
    }

    std::vector<std::string> files{csv_path};
    for (const auto& f : write_heatmaps()) files.push_back(f);
    if (!have_best) throw std::runtime_error("every run of the grid diverged");

    // The chosen model, evaluated on the test part once.
    auto model = examples::make_mlp(features, best_cell.hidden, classes, activation);
    nn::load_checkpoint(best_path, model, "grid.");
    const double test_acc = evaluate_on_test(model);
    if (!o.save.empty()) save_model(o.save, model, best_cell);
    const train::History history = train::History::load_csv(exp.path("metrics.csv"));
    for (const auto& f : examples::plot_curves(history, exp.out_dir(),
                                               "digits, hidden " + hidden_label(best_cell.hidden) + ", lr " +
                                                   label(best_cell.lr) + ", L2 " + label(best_cell.l2)))
      files.push_back(f);
    files.push_back(best_path);
    if (!o.save.empty()) files.push_back(o.save);
    std::printf(
        "\nchosen on validation: hidden %s, lr %s, L2 %s (validation accuracy %.4f, train accuracy %.4f, best epoch "
        "%zu)\ntest accuracy of the chosen model: %.4f\n",
        hidden_label(best_cell.hidden).c_str(), label(best_cell.lr).c_str(), label(best_cell.l2).c_str(),
        best_cell.val_acc, best_cell.train_acc, best_cell.best_epoch, test_acc);
    for (const auto& f : files) std::cout << "wrote " << f << "\n";
    double seconds = 0;
    for (const Cell& c : cells) seconds += c.seconds;
    examples::print_result({{"test_accuracy", test_acc},
                            {"best_validation_accuracy", best_cell.val_acc},
                            {"best_lr", best_cell.lr},
                            {"best_l2", best_cell.l2},
                            {"best_train_accuracy", best_cell.train_acc},
                            {"runs", static_cast<double>(cells.size())},
                            {"seconds", seconds}});
  } catch (const std::exception& e) {
    std::cerr << "digits_grid: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

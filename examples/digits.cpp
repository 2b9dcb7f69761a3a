// digits: the 8 x 8 handwritten digits of the UCI optical recognition data set (data/sets/digits.csv.gz, 1797
// images, pixel values 0..16), classified by a multilayer perceptron, as in the course (seeds 001 and 003).
//
// The data are split, stratified, into training, validation and test parts (by default 64/16/20%). The pixels are
// scaled with statistics of the training part only. Training stops early on the validation loss and keeps the weights
// of its best epoch; the architecture and hyperparameters of the defaults were chosen on validation data too
// (docs/examples.md). The test part is evaluated once, at the end.
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "examples/common/args.h"
#include "examples/common/digits_data.h"
#include "examples/common/experiment.h"
#include "examples/common/pictures.h"
#include "examples/common/setup.h"
#include "nn/summary.h"
#include "train/train.h"

using namespace ad;
using examples::TrainOptions;

int main(int argc, char** argv) {
  TrainOptions o;
  o.seed = 1;
  o.epochs = 300;
  o.lr = 1e-3;
  o.batch_size = 32;
  o.optimizer = "adam";
  o.weight_decay = 3e-4;
  o.hidden = {512};
  o.patience = 60;
  std::string activation = "relu", scaling = "standard", data_path;
  double val_fraction = 0.16, test_fraction = 0.2, dropout = 0.0;
  bool no_refit = false;

  examples::ArgParser args("digits",
                           "Classifies the 8x8 handwritten digits (1797 images) with an MLP, on stratified "
                           "train/validation/test parts: early stopping on validation, test accuracy once at the end.");
  examples::add_training_options(args, o);
  args.add_choice("activation", &activation, examples::activation_names(), "activation of the hidden layers");
  args.add_double("dropout", &dropout, "P", "dropout probability after each hidden layer", 0.0);
  args.add_choice("scaling", &scaling, {"standard", "minmax"},
                  "pixel scaling fitted on the training part: per-pixel standardisation or min-max to [0, 1]");
  args.add_double("val-fraction", &val_fraction, "F", "fraction of the images held out for validation", 0.0);
  args.add_double("test-fraction", &test_fraction, "F", "fraction of the images held out for testing", 0.0, true);
  examples::add_refit_option(args, &no_refit);
  args.add_string("data", &data_path, "FILE", "the CSV file (default: the shipped data/sets/digits.csv.gz)");
  args.set_epilog(
      "See also digits_grid (a grid search over learning rate, L2 strength and hidden sizes).\n\n"
      "Examples:\n  digits --activation sigmoid --optimizer sgd --lr 0.1 --hidden 50\n"
      "  digits --save out/digits/model.npz && digits --load out/digits/model.npz --epochs 0");
  args.parse(argc, argv);
  if (test_fraction + val_fraction >= 1) args.fail("--val-fraction plus --test-fraction must be below 1");
  if (dropout >= 1) args.fail("--dropout must be below 1");

  try {
    examples::seed_and_threads(o);
    examples::DigitsSplit d = examples::load_digits_split(data_path, scaling, val_fraction, test_fraction, o.seed);
    const data::Dataset& all = d.all;
    const std::size_t classes = all.num_classes();
    const auto make_model = [&] {
      return examples::make_mlp(all.num_features(), o.hidden, classes, activation, "default", dropout);
    };
    auto model = make_model();
    auto opt = examples::make_optimizer(o, model.parameters());
    auto sched = examples::make_scheduler(o.schedule, *opt, o.epochs);
    std::cout << "digits: " << d.train.size() << " training, " << d.validation.size() << " validation and "
              << d.test.size() << " test images, " << scaling << " scaling, MLP "
              << examples::describe_widths(all.num_features(), o.hidden, classes) << " (" << activation << "), "
              << o.optimizer << " lr " << o.lr << "\n"
              << nn::summary(model, Shape{o.batch_size, all.num_features()}) << "\n";

    examples::Experiment exp("digits", o);
    exp.load(model);
    const data::Dataset* val = d.validation.size() ? &d.validation : nullptr;
    exp.fit(model, train::classification(), *opt, sched.get(), d.train, val);
    // The validation accuracy of the validated model: the refit model has seen the validation part.
    const double val_acc = val ? train::accuracy(d.validation.labels, train::predict(model, d.validation)) : 0.0;
    const std::size_t chosen_epochs = exp.chosen_epochs();
    if (val && !no_refit) exp.refit(model, make_model, opt, sched, train::classification(), d.train, d.validation);
    exp.save(model);

    const Tensor test_logits = train::predict(model, d.test);
    const std::vector<std::size_t> pred = train::predict_classes(test_logits);
    const double train_acc = train::accuracy(d.train.labels, train::predict(model, d.train));
    train::ConfusionMatrix cm(d.test.labels, pred, classes);
    std::cout << "\nTest confusion matrix (" << d.test.size() << " images):\n"
              << cm.str(all.class_names) << "\n"
              << cm.report(all.class_names) << "\n";
    std::printf("train accuracy %.4f   validation accuracy %.4f   test accuracy %.4f\n", train_acc, val_acc,
                cm.accuracy());

    std::vector<std::string> files = exp.plot_curves("digits");
    files.push_back(
        examples::plot_confusion(exp.path("confusion.svg"), "Digits: test confusion matrix", cm, all.class_names));
    const std::vector<std::size_t> wrong = train::misclassified(d.test.labels, pred);
    if (!wrong.empty()) {
      std::vector<std::string> captions;
      for (std::size_t i : wrong)
        captions.push_back("true " + std::to_string(d.test.labels[i]) + " / pred " + std::to_string(pred[i]));
      files.push_back(examples::plot_images(exp.path("misclassified.svg"), "Digits: the misclassified test images",
                                            d.test_pixels / 16.0f, wrong, 8, 8, captions));
    }
    for (const auto& f : files) std::cout << "wrote " << f << "\n";
    const std::size_t epochs_run = exp.history().size();
    examples::print_result({{"test_accuracy", cm.accuracy()},
                            {"validation_accuracy", val_acc},
                            {"train_accuracy", train_acc},
                            {"test_errors", static_cast<double>(wrong.size())},
                            {"epochs", static_cast<double>(epochs_run)},
                            {"best_epoch", static_cast<double>(chosen_epochs)},
                            {"seconds", exp.seconds()}});
  } catch (const std::exception& e) {
    std::cerr << "digits: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

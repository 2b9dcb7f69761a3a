// digits: the 8 x 8 handwritten digits of the UCI optical recognition data set (data/sets/digits.csv.gz, 1797
// images, pixel values 0..16), classified by a network with one hidden layer of 50 units, as in the course.
//
// The pixels are scaled with statistics of the training part only: standardised per pixel (the default) or
// min-max scaled to [0, 1]. The train/test split is stratified, so each digit makes up the same share of both
// parts. The network outputs ten logits trained with softmax cross-entropy; the test accuracy must reach 97%.
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "data/loader.h"
#include "examples/common/args.h"
#include "examples/common/digits_data.h"
#include "examples/common/pictures.h"
#include "examples/common/run.h"
#include "examples/common/setup.h"
#include "nn/loss.h"
#include "optim/optim.h"
#include "train/train.h"

using namespace ad;
using examples::TrainOptions;

int main(int argc, char** argv) {
  TrainOptions o;
  o.seed = 1;
  o.epochs = 60;
  o.lr = 1e-3;
  o.batch_size = 32;
  o.optimizer = "adam";
  o.weight_decay = 1e-4;
  o.hidden = {50};
  std::string activation = "relu", scaling = "standard", data_path;
  double test_fraction = 0.2;

  examples::ArgParser args("digits",
                           "Classifies the 8x8 handwritten digits (1797 images) with an MLP of one hidden layer of 50 "
                           "units, on a stratified train/test split, and reports the test accuracy and confusion "
                           "matrix.");
  examples::add_training_options(args, o);
  args.add_choice("activation", &activation, examples::activation_names(), "activation of the hidden layers");
  args.add_choice("scaling", &scaling, {"standard", "minmax"},
                  "pixel scaling fitted on the training part: per-pixel standardisation or min-max to [0, 1]");
  args.add_double("test-fraction", &test_fraction, "F", "fraction of the images held out for testing", 0.0, true);
  args.add_string("data", &data_path, "FILE", "the CSV file (default: the shipped data/sets/digits.csv.gz)");
  args.set_epilog(
      "See also digits_grid (learning rate x L2 grid search).\n\n"
      "Example:\n  digits --activation sigmoid --optimizer sgd --lr 0.1 --epochs 200");
  args.parse(argc, argv);
  if (test_fraction >= 1) args.fail("--test-fraction must be below 1");

  try {
    examples::seed_and_threads(o);
    examples::DigitsSplit d = examples::load_digits_split(data_path, scaling, test_fraction, o.seed);
    const data::Dataset& all = d.all;
    const data::Dataset& train_set = d.train;
    const data::Dataset& test_set = d.test;
    const std::size_t classes = all.num_classes();
    auto model = examples::make_mlp(all.num_features(), o.hidden, classes, activation);
    auto opt = examples::make_optimizer(o, model.parameters());
    auto sched = examples::make_scheduler(o.schedule, *opt, o.epochs);
    data::DataLoader loader(train_set, o.batch_size, {true, false, o.seed});
    std::cout << "digits: " << train_set.size() << " training and " << test_set.size() << " test images, " << scaling
              << " scaling, MLP " << examples::describe_widths(all.num_features(), o.hidden, classes) << " ("
              << activation << "), " << o.optimizer << " lr " << o.lr << "\n";

    examples::Run run("digits", o, loader.num_samples());
    run.watch(opt.get());
    Tensor test_logits =
        examples::fit_classifier(examples::Task::MultiClass, model, *opt, sched.get(), loader, test_set, run);

    const std::vector<std::size_t> pred = train::predict_classes(test_logits);
    const double train_acc = train::accuracy(train_set.labels, examples::predict(model, train_set.X));
    train::ConfusionMatrix cm(test_set.labels, pred, classes);
    std::cout << "\nTest confusion matrix (" << test_set.size() << " images):\n"
              << cm.str(all.class_names) << "\n"
              << cm.report(all.class_names) << "\n";
    std::printf("train accuracy %.4f   test accuracy %.4f\n", train_acc, cm.accuracy());

    std::vector<std::string> files = run.plot_curves("digits");
    files.push_back(
        examples::plot_confusion(run.path("confusion.svg"), "Digits: test confusion matrix", cm, all.class_names));
    const std::vector<std::size_t> wrong = train::misclassified(test_set.labels, pred);
    if (!wrong.empty()) {
      std::vector<std::string> captions;
      for (std::size_t i : wrong)
        captions.push_back("true " + std::to_string(test_set.labels[i]) + " / pred " + std::to_string(pred[i]));
      files.push_back(examples::plot_images(run.path("misclassified.svg"), "Digits: the misclassified test images",
                                            d.test_pixels / 16.0f, wrong, 8, 8, captions));
    }
    for (const auto& f : files) std::cout << "wrote " << f << "\n";
    std::cout << "wrote " << run.path("metrics.csv") << "\n";
    examples::print_result({{"test_accuracy", cm.accuracy()},
                            {"train_accuracy", train_acc},
                            {"test_errors", static_cast<double>(wrong.size())},
                            {"seconds", run.seconds()}});
  } catch (const std::exception& e) {
    std::cerr << "digits: " << e.what() << "\n";
    return 1;
  }
}

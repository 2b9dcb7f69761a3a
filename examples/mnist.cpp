// mnist: MNIST handwritten digits or Fashion-MNIST clothing images (28 x 28 grey-scale, 60,000 training and 10,000
// test images, IDX files) classified by a multi-layer perceptron, 784-512-256-10 with ReLU and dropout 0.2 by default.
//
// Pixels are scaled to [0, 1] by the loader (x / 255). A stratified tenth of the training images is held out for
// validation: training (mini-batches, Adam, cosine learning-rate schedule) stops early on the validation loss, then
// a model is refit on all training images for the chosen number of epochs. The test set is evaluated once, at the
// end: the program prints the test accuracy and the confusion matrix and draws the misclassified test images.
//
// Data: --data-dir holds train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz]
// and t10k-labels-idx1-ubyte[.gz]. Without --dataset, MNIST is used when its files are in data/mnist
// (scripts/download-mnist.sh puts them there) and Fashion-MNIST otherwise (Debian package dataset-fashion-mnist,
// /usr/share/datasets/fashion-mnist).
#include "data/mnist.h"

#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/loader.h"
#include "data/paths.h"
#include "data/split.h"
#include "examples/common/args.h"
#include "examples/common/distributed.h"
#include "examples/common/experiment.h"
#include "examples/common/idx_data.h"
#include "examples/common/pictures.h"
#include "examples/common/setup.h"
#include "io/file.h"
#include "nn/loss.h"
#include "nn/summary.h"
#include "optim/optim.h"
#include "train/train.h"

using namespace ad;
using examples::head;
using examples::iota;
using examples::TrainOptions;

int main(int argc, char** argv) {
  TrainOptions o;
  o.seed = 1;
  o.epochs = 40;
  o.lr = 1e-3;
  o.batch_size = 128;
  o.optimizer = "adam";
  o.schedule = "cosine";
  o.hidden = {512, 256};
  o.patience = 10;
  std::string dataset, data_dir, activation = "relu";
  std::size_t train_limit = 0, test_limit = 0;
  double val_fraction = 0.1, dropout = 0.2;
  bool no_refit = false;

  examples::ArgParser args("mnist",
                           "Classifies MNIST digits or Fashion-MNIST clothing (28x28 images from IDX files) with an "
                           "MLP, reports the test accuracy and confusion matrix, and draws the misclassified images.");
  examples::add_training_options(args, o);
  examples::add_distributed_option(args, o);
  args.add_choice("dataset", &dataset, {"mnist", "fashion"},
                  "which data set (default: mnist when data/mnist has its files, else fashion)");
  args.add_string("data-dir", &data_dir, "DIR",
                  "directory of the four IDX files (default: $AD_MNIST_DIR or data/mnist for mnist, "
                  "$AD_FASHION_MNIST_DIR or /usr/share/datasets/fashion-mnist for fashion)");
  args.add_choice("activation", &activation, examples::activation_names(), "activation of the hidden layers");
  args.add_size("train-limit", &train_limit, "N", "use only the first N training images (0: all)");
  args.add_size("test-limit", &test_limit, "N", "use only the first N test images (0: all)");
  args.add_double("val-fraction", &val_fraction, "F",
                  "fraction of the training images held out (stratified) for validation and early stopping", 0.0);
  args.add_double("dropout", &dropout, "P", "dropout probability after each hidden layer", 0.0);
  examples::add_refit_option(args, &no_refit);
  args.set_epilog(
      "MNIST files: scripts/download-mnist.sh (into data/mnist).\n\n"
      "Examples:\n  mnist                               # Fashion-MNIST here, unless data/mnist has MNIST\n"
      "  mnist --dataset mnist --data-dir ~/mnist --epochs 20 --hidden 512,256\n"
      "  mnist --train-limit 5000 --epochs 3  # a quick look\n"
      "  mpirun -np 2 mnist --distributed     # data-parallel on 2 ranks (rank 0 writes the files)");
  args.parse(argc, argv);
  if (val_fraction >= 1) args.fail("--val-fraction must be below 1");
  if (dropout >= 1) args.fail("--dropout must be below 1");

  try {
    if (dataset.empty())
      dataset = examples::has_idx_files(data_dir.empty() ? data::mnist_dir() : data_dir) ? "mnist" : "fashion";
    if (data_dir.empty()) data_dir = dataset == "mnist" ? data::mnist_dir() : data::fashion_mnist_dir();
    if (!examples::has_idx_files(data_dir)) {
      std::cerr << "mnist: the " << dataset << " IDX files (train-images-idx3-ubyte[.gz], ...) are not in '" << data_dir
                << "'.\n"
                << (dataset == "mnist" ? "Fetch them with scripts/download-mnist.sh, or pass --data-dir.\n"
                                       : "Install them with 'apt-get install dataset-fashion-mnist', or pass "
                                         "--data-dir.\n");
      return 1;
    }
    examples::start_distributed(o);
    examples::seed_and_threads(o);
    const auto load = dataset == "mnist" ? data::load_mnist : data::load_fashion_mnist;
    // Pixels stay bytes until a mini-batch needs them (a quarter of the memory; see data::PixelStorage).
    const data::Dataset full_train = head(load(data_dir, "train", data::PixelStorage::Bytes), train_limit);
    const data::Dataset test_set = head(load(data_dir, "t10k", data::PixelStorage::Bytes), test_limit);
    // The official test images are looked at once, at the end; the validation images come out of the training ones.
    auto [train_set, val_set] = val_fraction > 0 ? data::train_test_split(full_train, val_fraction, o.seed)
                                                 : std::make_pair(full_train, data::Dataset{});
    const std::size_t classes = 10, features = train_set.num_features();

    const auto make_model = [&] {
      return examples::make_mlp(features, o.hidden, classes, activation, "default", dropout);
    };
    auto model = make_model();
    auto opt = examples::make_optimizer(o, model.parameters());
    auto sched = examples::make_scheduler(o.schedule, *opt, o.epochs);
    std::cout << "mnist: " << (dataset == "mnist" ? "MNIST" : "Fashion-MNIST") << " from " << data_dir << ", "
              << train_set.size() << " training, " << val_set.size() << " validation and " << test_set.size()
              << " test images, MLP " << examples::describe_widths(features, o.hidden, classes) << " (" << activation
              << "), " << o.optimizer << " lr " << o.lr << ", schedule " << o.schedule << "\n"
              << nn::summary(model, Shape{o.batch_size, features}) << "\n";

    examples::Experiment run("mnist", o);
    run.load(model);
    const data::Dataset* val = val_set.size() ? &val_set : nullptr;
    run.fit(model, train::classification(), *opt, sched.get(), train_set, val);
    // The validation accuracy of the validated model: the refit model has seen the validation part.
    const double val_acc = val ? train::accuracy(val_set.labels, train::predict(model, val_set)) : 0.0;
    const std::size_t chosen_epochs = run.chosen_epochs();
    if (val && !no_refit) run.refit(model, make_model, opt, sched, train::classification(), train_set, val_set);
    run.save(model);
    const Tensor test_logits = train::predict(model, test_set);

    const std::vector<std::size_t> pred = train::predict_classes(test_logits);
    train::ConfusionMatrix cm(test_set.labels, pred, classes);
    if (!examples::is_main_process()) return 0;  // rank 0 reports and draws (the ranks hold the same model)
    std::cout << "\nTest confusion matrix (" << test_set.size() << " images):\n"
              << cm.str(train_set.class_names) << "\n"
              << cm.report(train_set.class_names) << "\n";
    const std::vector<std::size_t> wrong = train::misclassified(test_set.labels, pred);
    std::printf("test accuracy %.4f (%zu of %zu wrong), %.1f s\n", cm.accuracy(), wrong.size(), cm.total(),
                run.seconds());

    const std::string title = dataset == "mnist" ? "MNIST" : "Fashion-MNIST";
    std::vector<std::string> files = run.plot_curves(title);
    files.push_back(examples::plot_confusion(run.path("confusion.svg"), title + ": test confusion matrix", cm,
                                             train_set.class_names));
    if (!wrong.empty()) {
      std::vector<std::string> captions;
      for (std::size_t i : wrong) {
        const auto& names = train_set.class_names;
        const bool short_names = names.size() == classes && names[0].size() <= 2;
        captions.push_back(short_names ? "true " + names[test_set.labels[i]] + " / pred " + names[pred[i]]
                                       : names[test_set.labels[i]] + " → " + names[pred[i]]);
      }
      files.push_back(examples::plot_images(
          run.path("misclassified.svg"), title + ": misclassified test images, true → predicted", test_set.rows(wrong),
          iota(wrong.size()), 28, 28, captions, /*ink=*/dataset == "mnist"));
    }
    for (const auto& f : files) std::cout << "wrote " << f << "\n";
    examples::print_result({{"test_accuracy", cm.accuracy()},
                            {"validation_accuracy", val_acc},
                            {"epochs", static_cast<double>(run.history().size())},
                            {"best_epoch", static_cast<double>(chosen_epochs)},
                            {"seconds", run.seconds()}});
  } catch (const std::exception& e) {
    return examples::fail("mnist", e);
  }
}

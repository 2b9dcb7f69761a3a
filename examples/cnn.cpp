// cnn: a convolutional network on Fashion-MNIST clothing or MNIST digits (28 x 28 grey-scale images from IDX files,
// 60,000 training and 10,000 test images). By default the network of PyTorch's MNIST example (conv 32 3x3, conv 64
// 3x3, max-pool 2, dropout 0.25, linear 128, dropout 0.5, linear 10; examples/convnet/nets.h); --net lenet5 trains
// LeNet-5 instead.
//
// A stratified tenth of the training images is held out for validation: training (mini-batches of 64, Adam, cosine
// learning-rate schedule) keeps the weights of the epoch with the best validation accuracy (early stopping). The test set
// is evaluated once, at the end: the program prints the test accuracy and the confusion matrix, and draws the
// first-layer filters, the first layer's feature maps of one test image, the confusion matrix and the learning
// curves. Data and options as the mnist example (same --dataset, --data-dir, --train-limit, ...).
#include <algorithm>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "autodiff/tape.h"
#include "data/dataset.h"
#include "data/mnist.h"
#include "data/paths.h"
#include "data/split.h"
#include "examples/common/args.h"
#include "examples/common/distributed.h"
#include "examples/common/experiment.h"
#include "examples/common/idx_data.h"
#include "examples/common/pictures.h"
#include "examples/common/setup.h"
#include "examples/convnet/nets.h"
#include "io/file.h"
#include "nn/summary.h"
#include "train/train.h"

using namespace ad;
using examples::head;
using examples::iota;
using examples::TrainOptions;

namespace {

// Each row of m scaled to [0, 1] (min to 0, max to 1) for drawing; `per_row` false scales by the global range.
Tensor to_unit(const Tensor& m, bool per_row) {
  Tensor r = Tensor::empty(m.shape());
  const std::size_t rows = m.shape()[0], cols = m.numel() / std::max<std::size_t>(1, rows);
  const float* s = m.data();
  float* d = r.mutable_data();
  const auto [gmin, gmax] = std::minmax_element(s, s + m.numel());
  for (std::size_t i = 0; i < rows; ++i) {
    const auto [rmin, rmax] = std::minmax_element(s + i * cols, s + (i + 1) * cols);
    const float lo = per_row ? *rmin : *gmin, hi = per_row ? *rmax : *gmax;
    for (std::size_t j = 0; j < cols; ++j) d[i * cols + j] = hi > lo ? (s[i * cols + j] - lo) / (hi - lo) : 0.0f;
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  TrainOptions o;
  o.seed = 1;
  o.epochs = 15;
  o.lr = 1e-3;
  o.batch_size = 64;
  o.optimizer = "adam";
  o.schedule = "cosine";
  o.patience = 5;
  // Model selection on validation accuracy: after a few epochs this network's validation loss rises (over-confident
  // mistakes) while its accuracy still improves (docs/examples.md).
  o.monitor = "val_acc";
  o.eval_batch_size = 256;  // a batch of 1024 would hold ~0.5 GB of feature maps at once
  o.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::string dataset = "fashion", data_dir, net_name = "mnist";
  std::size_t train_limit = 0, test_limit = 0;
  double val_fraction = 0.1, flip = 0.0;
  bool refit = false;

  examples::ArgParser args("cnn",
                           "Classifies Fashion-MNIST clothing or MNIST digits (28x28 images from IDX files) with a "
                           "convolutional network, reports the test accuracy and confusion matrix, and draws the "
                           "first-layer filters and feature maps.");
  examples::add_training_options(args, o, /*with_hidden=*/false);
  examples::add_distributed_option(args, o);
  args.add_choice("net", &net_name, {"mnist", "lenet5"},
                  "network: mnist (PyTorch's MNIST example: conv32, conv64, pool, 128) or lenet5");
  args.add_choice("dataset", &dataset, {"fashion", "mnist"}, "which data set");
  args.add_string("data-dir", &data_dir, "DIR",
                  "directory of the four IDX files (default: $AD_FASHION_MNIST_DIR or "
                  "/usr/share/datasets/fashion-mnist for fashion, $AD_MNIST_DIR or data/mnist for mnist)");
  args.add_size("train-limit", &train_limit, "N", "use only the first N training images (0: all)");
  args.add_size("test-limit", &test_limit, "N", "use only the first N test images (0: all)");
  args.add_double("val-fraction", &val_fraction, "F",
                  "fraction of the training images held out (stratified) for validation and early stopping", 0.0);
  args.add_double("flip", &flip, "P",
                  "data augmentation: mirror each training image left-right with probability P (a "
                  "RandomHorizontalFlip layer before the network, active in training only)",
                  0.0);
  args.add_flag("refit", &refit,
                "after choosing the epoch on validation, train a fresh model on the training and validation parts "
                "together for that many epochs and test that one (scikit-learn's refit; measured no better here)");
  args.set_epilog(
      "Fashion-MNIST: apt-get install dataset-fashion-mnist. MNIST: scripts/download-mnist.sh (into data/mnist).\n\n"
      "Examples:\n  cnn                                   # Fashion-MNIST, PyTorch's MNIST-example network\n"
      "  cnn --net lenet5 --epochs 10\n"
      "  cnn --dataset mnist --epochs 5\n"
      "  cnn --train-limit 2000 --epochs 2     # a quick look\n"
      "  cnn --epochs 0 --load out/cnn/model.npz  # evaluate saved weights\n"
      "  mpirun -np 2 cnn --distributed        # data-parallel on 2 ranks, batch 64 each");
  args.parse(argc, argv);
  if (val_fraction >= 1) args.fail("--val-fraction must be below 1");
  if (flip > 1) args.fail("--flip must be at most 1");

  try {
    if (data_dir.empty()) data_dir = dataset == "mnist" ? data::mnist_dir() : data::fashion_mnist_dir();
    if (!examples::has_idx_files(data_dir)) {
      std::cerr << "cnn: the " << dataset << " IDX files (train-images-idx3-ubyte[.gz], ...) are not in '" << data_dir
                << "'.\n"
                << (dataset == "mnist" ? "Fetch them with scripts/download-mnist.sh, or pass --data-dir.\n"
                                       : "Install them with 'apt-get install dataset-fashion-mnist', or pass "
                                         "--data-dir.\n");
      return 1;
    }
    examples::start_distributed(o);
    examples::seed_and_threads(o);
    const auto load = dataset == "mnist" ? data::load_mnist : data::load_fashion_mnist;
    const data::Dataset full_train = head(load(data_dir, "train", data::PixelStorage::Bytes), train_limit);
    const data::Dataset test_set = head(load(data_dir, "t10k", data::PixelStorage::Bytes), test_limit);
    auto [train_set, val_set] = val_fraction > 0 ? data::train_test_split(full_train, val_fraction, o.seed)
                                                 : std::make_pair(full_train, data::Dataset{});
    const std::size_t classes = 10;
    const std::string title = dataset == "mnist" ? "MNIST" : "Fashion-MNIST";

    const auto make_model = [&] {
      nn::Sequential<float> net = cnn::make_net<float>(net_name);
      if (flip <= 0) return net;
      // Unflatten first (the flip reverses the image's last axis), then the network's own layers.
      nn::Sequential<float> m(nn::Unflatten<float>(1, {1, 28, 28}), nn::RandomHorizontalFlip<float>(flip));
      for (std::size_t i = 1; i < net.size(); ++i) m.push_back(net[i]);
      return m;
    };
    nn::Sequential<float> model = make_model();
    auto opt = examples::make_optimizer(o, model.parameters());
    auto sched = examples::make_scheduler(o.schedule, *opt, o.epochs);
    std::cout << "cnn: " << title << " from " << data_dir << ", " << train_set.size() << " training, " << val_set.size()
              << " validation and " << test_set.size() << " test images, network " << net_name << ", " << o.optimizer
              << " lr " << o.lr << ", schedule " << o.schedule << ", batch " << o.batch_size << ", " << o.threads
              << " thread(s)\n"
              << nn::summary(model, Shape{o.batch_size, 784}) << "\n";

    examples::Experiment run("cnn", o);
    run.load(model);
    const data::Dataset* val = val_set.size() ? &val_set : nullptr;
    run.fit(model, train::classification(), *opt, sched.get(), train_set, val);
    // The validation accuracy of the validated model: the refit model has seen the validation part.
    const double val_acc =
        val ? train::accuracy(val_set.labels, train::predict(model, val_set, o.eval_batch_size)) : 0.0;
    const std::size_t chosen_epochs = run.chosen_epochs();
    if (val && refit) run.refit(model, make_model, opt, sched, train::classification(), train_set, val_set);
    run.save(model);
    const Tensor test_logits = train::predict(model, test_set, o.eval_batch_size);
    const std::vector<std::size_t> pred = train::predict_classes(test_logits);
    train::ConfusionMatrix cm(test_set.labels, pred, classes);
    if (!examples::is_main_process()) return 0;  // rank 0 reports and draws (the ranks hold the same model)
    const std::size_t epochs_run = run.history().size() + (val && refit ? chosen_epochs : 0);  // incl. the refit
    const double per_epoch = epochs_run ? run.seconds() / double(epochs_run) : 0.0;
    std::cout << "\nTest confusion matrix (" << test_set.size() << " images):\n"
              << cm.str(train_set.class_names) << "\n"
              << cm.report(train_set.class_names) << "\n";
    std::printf("test accuracy %.4f, %zu epochs in %.1f s (%.1f s per epoch with validation)\n", cm.accuracy(),
                epochs_run, run.seconds(), per_epoch);

    // Pictures: learning curves, confusion matrix, first-layer filters, feature maps of the first test image.
    std::vector<std::string> files = run.plot_curves(title + " CNN");
    files.push_back(examples::plot_confusion(run.path("confusion.svg"), title + ": test confusion matrix", cm,
                                             train_set.class_names));
    std::size_t c1 = 0;  // the first convolution (after Unflatten and, with --flip, the flip layer)
    while (c1 + 1 < model.size() && !dynamic_cast<nn::Conv2d<float>*>(model[c1].get())) ++c1;
    auto& conv1 = model.at<nn::Conv2d<float>>(c1);
    const std::size_t k = conv1.weight.shape()[2], maps = conv1.weight.shape()[0];
    const Tensor filters = to_unit(reshape(conv1.weight, Shape{maps, conv1.weight.numel() / maps}), false);
    std::vector<std::string> filter_captions;
    for (std::size_t i = 0; i < maps; ++i) filter_captions.push_back("filter " + std::to_string(i));
    files.push_back(examples::plot_images(run.path("filters.svg"),
                                          title + ": first-layer filters (" + std::to_string(k) + "x" +
                                              std::to_string(k) + ", white = negative, black = positive)",
                                          filters, iota(maps), k, k, filter_captions, /*ink=*/true));
    if (test_set.size() > 0) {
      model.eval();
      NoGradGuard no_grad;
      const Tensor image = test_set.rows({0});  // (1, 784)
      Tensor fm = image;
      for (std::size_t i = 0; i <= c1 + 1; ++i) fm = (*model[i])(fm);  // up to conv1 + ReLU: (1, maps, h, w)
      const std::size_t h = fm.shape()[2], w = fm.shape()[3];
      const Tensor input = to_unit(image, true), unit_maps = to_unit(reshape(fm, Shape{maps, h * w}), true);
      std::vector<std::string> captions = {"input: " + train_set.class_names[test_set.labels[0]]};
      for (std::size_t i = 0; i < maps; ++i) captions.push_back("map " + std::to_string(i));
      // The input (28x28) and the maps (h x w) share one grid of h x w cells: the input is cropped to its centre.
      Tensor cells = Tensor::empty({maps + 1, h * w});
      const std::size_t off = (28 - h) / 2;
      for (std::size_t y = 0; y < h; ++y)
        for (std::size_t x = 0; x < w; ++x) cells.mutable_data()[y * w + x] = input.data()[(y + off) * 28 + x + off];
      std::copy(unit_maps.data(), unit_maps.data() + unit_maps.numel(), cells.mutable_data() + h * w);
      files.push_back(examples::plot_images(run.path("feature_maps.svg"),
                                            title + ": first-layer feature maps (after ReLU) of test image 0", cells,
                                            iota(maps + 1), h, w, captions, /*ink=*/dataset == "mnist"));
    }
    for (const auto& f : files) std::cout << "wrote " << f << "\n";
    examples::print_result({{"test_accuracy", cm.accuracy()},
                            {"validation_accuracy", val_acc},
                            {"epochs", static_cast<double>(epochs_run)},
                            {"best_epoch", static_cast<double>(chosen_epochs)},
                            {"seconds", run.seconds()},
                            {"seconds_per_epoch", per_epoch}});
  } catch (const std::exception& e) {
    return examples::fail("cnn", e);
  }
}

// breast_cancer: malignant or benign? A binary classifier on the 30 cell-nucleus measurements of the Wisconsin
// Diagnostic Breast Cancer data (data/sets/breast_cancer.csv, 569 tumours).
//
// The features are standardised with the mean and standard deviation of the training part only (the test part must
// not influence anything the model sees), the split is stratified so both parts keep the 37/63 class mix, and the
// network ends in a single logit trained with binary cross-entropy on logits (exact and stable, no sigmoid
// saturation). Malignant is treated as the positive class when reporting precision, recall and F1: missing a
// malignant tumour is the error that matters.
#include "data/breast_cancer.h"

#include <cstdio>
#include <exception>
#include <iostream>

#include "data/loader.h"
#include "data/one_hot.h"
#include "data/scaler.h"
#include "data/split.h"
#include "examples/common/args.h"
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
  o.batch_size = 16;
  o.optimizer = "adamw";
  o.weight_decay = 1e-2;
  o.schedule = "cosine";
  o.hidden = {32};
  double test_fraction = 0.2;
  std::string data_path;

  examples::ArgParser args("breast_cancer",
                           "Classifies the tumours of the Wisconsin breast cancer data set as malignant or benign with "
                           "an MLP trained on standardised features (BCE with logits), and reports accuracy, the "
                           "confusion matrix, precision/recall/F1 and ROC AUC on a stratified held-out test set.");
  examples::add_training_options(args, o);
  args.add_double("test-fraction", &test_fraction, "F", "fraction of the data held out for testing", 0.0, true);
  args.add_string("data", &data_path, "FILE", "the CSV file (default: the shipped data/sets/breast_cancer.csv)");
  args.set_epilog("Example:\n  breast_cancer --epochs 100 --hidden 32,16 --out out/bc");
  args.parse(argc, argv);
  if (test_fraction >= 1) args.fail("--test-fraction must be below 1");

  try {
    examples::seed_and_threads(o);
    const data::Dataset all = data_path.empty() ? data::load_breast_cancer() : data::load_breast_cancer(data_path);
    auto [train_set, test_set] = data::train_test_split(all, test_fraction, o.seed);
    data::StandardScaler scaler;
    train_set.X = scaler.fit_transform(train_set.X);
    test_set.X = scaler.transform(test_set.X);

    auto model = examples::make_mlp(all.num_features(), o.hidden, 1, "relu");
    auto opt = examples::make_optimizer(o, model.parameters());
    auto sched = examples::make_scheduler(o.schedule, *opt, o.epochs);
    data::DataLoader loader(train_set, o.batch_size, {true, false, o.seed});

    std::cout << "breast_cancer: " << train_set.size() << " training and " << test_set.size() << " test tumours, MLP "
              << examples::describe_widths(all.num_features(), o.hidden, 1) << ", " << o.optimizer << " lr " << o.lr
              << "\n";
    examples::Run run("breast_cancer", o, loader.num_samples());
    run.watch(opt.get());

    Tensor test_logits =
        examples::fit_classifier(examples::Task::Binary, model, *opt, sched.get(), loader, test_set, run);

    // Final report on the test set. The logit scores "benign"; its negative scores "malignant".
    const std::vector<std::size_t> pred = train::threshold(test_logits, 0.0f);
    train::ConfusionMatrix cm(test_set.labels, pred, 2);
    const double auc = train::roc_auc(test_set.labels, test_logits);
    std::cout << "\nTest set (" << test_set.size() << " tumours), confusion matrix:\n"
              << cm.str(all.class_names) << "\n"
              << cm.report(all.class_names) << "\n";
    std::printf("accuracy %.4f  ROC AUC %.4f  malignant: precision %.4f recall %.4f F1 %.4f\n", cm.accuracy(), auc,
                cm.precision(0), cm.recall(0), cm.f1(0));
    std::vector<std::string> files = run.plot_curves("breast_cancer");
    files.push_back(examples::plot_roc(run.path("roc.svg"), "Breast cancer: ROC curve on the test set", test_set.labels,
                                       examples::to_doubles(test_logits)));
    files.push_back(examples::plot_confusion(run.path("confusion.svg"), "Breast cancer: test confusion matrix", cm,
                                             all.class_names));
    for (const auto& f : files) std::cout << "wrote " << f << "\n";
    std::cout << "wrote " << run.path("metrics.csv") << "\n";
    examples::print_result({{"test_accuracy", cm.accuracy()},
                            {"auc", auc},
                            {"precision", cm.precision(0)},
                            {"recall", cm.recall(0)},
                            {"f1", cm.f1(0)},
                            {"seconds", run.seconds()}});
  } catch (const std::exception& e) {
    std::cerr << "breast_cancer: " << e.what() << "\n";
    return 1;
  }
}

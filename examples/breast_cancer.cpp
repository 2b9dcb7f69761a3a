// breast_cancer: malignant or benign? A binary classifier on the 30 cell-nucleus measurements of the Wisconsin
// Diagnostic Breast Cancer data (data/sets/breast_cancer.csv, 569 tumours).
//
// The data are split, stratified (each part keeps the 37/63 class mix), into training, validation and test parts; the
// features are standardised with the mean and standard deviation of the training part only (nothing the model sees
// may depend on the other parts). The network ends in a single logit trained with binary cross-entropy on logits
// (exact and stable, no sigmoid saturation); training stops early on the validation loss, keeping the best epoch's
// weights, and the test part is evaluated once at the end. With --cv K the same configuration is first
// cross-validated on the non-test data (stratified K folds): the spread of its validation accuracy says how much a
// single split can be trusted. Malignant is the positive class when reporting precision, recall and F1: missing a
// malignant tumour is the error that matters.
#include "data/breast_cancer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <iostream>

#include "data/kfold.h"
#include "data/scaler.h"
#include "data/split.h"
#include "examples/common/args.h"
#include "examples/common/experiment.h"
#include "examples/common/pictures.h"
#include "examples/common/setup.h"
#include "train/train.h"

using namespace ad;
using examples::TrainOptions;

int main(int argc, char** argv) {
  TrainOptions o;
  o.seed = 1;
  o.epochs = 200;
  o.lr = 1e-3;
  o.batch_size = 16;
  o.optimizer = "adamw";
  o.weight_decay = 0.1;
  o.schedule = "cosine";
  o.hidden = {128};
  o.patience = 20;
  double val_fraction = 0.16, test_fraction = 0.2;
  std::size_t cv = 0;
  bool no_refit = false;
  std::string data_path;

  examples::ArgParser args("breast_cancer",
                           "Classifies the tumours of the Wisconsin breast cancer data set as malignant or benign with "
                           "an MLP trained on standardised features (BCE with logits), and reports accuracy, the "
                           "confusion matrix, precision/recall/F1 and ROC AUC on a stratified held-out test set.");
  examples::add_training_options(args, o);
  args.add_double("val-fraction", &val_fraction, "F", "fraction of the data held out for validation", 0.0);
  args.add_double("test-fraction", &test_fraction, "F", "fraction of the data held out for testing", 0.0, true);
  args.add_size("cv", &cv, "K", "first cross-validate the configuration on the non-test data in K stratified folds");
  examples::add_refit_option(args, &no_refit);
  args.add_string("data", &data_path, "FILE", "the CSV file (default: the shipped data/sets/breast_cancer.csv)");
  args.set_epilog("Examples:\n  breast_cancer --epochs 100 --hidden 32,16 --out out/bc\n  breast_cancer --cv 5");
  args.parse(argc, argv);
  if (test_fraction + val_fraction >= 1) args.fail("--val-fraction plus --test-fraction must be below 1");
  if (cv == 1) args.fail("--cv needs at least 2 folds");

  try {
    examples::seed_and_threads(o);
    const data::Dataset all = data_path.empty() ? data::load_breast_cancer() : data::load_breast_cancer(data_path);
    data::Split parts = data::train_val_test_split(all, val_fraction, test_fraction, o.seed);
    auto standardised = [](data::Dataset train, data::Dataset other) {
      data::StandardScaler scaler;
      train.X = scaler.fit_transform(train.X);
      other.X = scaler.transform(other.X);
      return std::make_pair(train, other);
    };

    if (cv > 0) {  // K-fold cross-validation of the configuration on everything but the test part
      const data::SplitIndices idx = data::split_indices(all.size(), all.labels, val_fraction, test_fraction, o.seed);
      std::vector<std::size_t> non_test = idx.train;
      non_test.insert(non_test.end(), idx.validation.begin(), idx.validation.end());
      std::sort(non_test.begin(), non_test.end());
      const data::Dataset rest = all.subset(non_test);
      std::vector<double> accs;
      std::size_t f = 0;
      for (const data::Fold& fold : data::stratified_kfold(rest.labels, cv, o.seed)) {
        auto [tr, va] = standardised(rest.subset(fold.train), rest.subset(fold.validation));
        manual_seed(o.seed + ++f);
        auto m = examples::make_mlp(all.num_features(), o.hidden, 1, "relu");
        auto opt = examples::make_optimizer(o, m.parameters());
        auto sched = examples::make_scheduler(o.schedule, *opt, o.epochs);
        const train::FitResult r = train::fit(
            m, train::binary_classification(), *opt, tr,
            train::FitOptions()
                .epochs(o.epochs)
                .batch_size(o.batch_size)
                .scheduler(sched.get())
                .validation(&va)
                .loader({true, false, o.seed})
                .callbacks(o.patience == 0
                               ? std::vector<std::shared_ptr<train::Callback>>{}
                               : std::vector<std::shared_ptr<train::Callback>>{std::make_shared<train::EarlyStopping>(
                                     train::EarlyStoppingOptions().patience(o.patience).restore_best_weights(true))}));
        if (r.interrupted) {  // the cross-validation is not resumable: Ctrl-C ends it
          std::cout << "\nbreast_cancer: interrupted during the cross-validation\n";
          return 130;
        }
        accs.push_back(train::accuracy(va.labels, train::predict(m, va), 0.0f));
        std::printf("fold %zu: validation accuracy %.4f (%zu tumours)\n", f, accs.back(), va.size());
      }
      double mean = 0, var = 0;
      for (double a : accs) mean += a / static_cast<double>(accs.size());
      for (double a : accs) var += (a - mean) * (a - mean) / static_cast<double>(accs.size() - 1);
      std::printf("%zu-fold cross-validated accuracy %.4f +- %.4f (standard deviation over the folds)\n\n", cv, mean,
                  std::sqrt(var));
      manual_seed(o.seed);
    }

    auto [train_set, test_set] = standardised(parts.train, parts.test);
    data::Dataset val_set = standardised(parts.train, parts.validation).second;
    const auto make_model = [&] { return examples::make_mlp(all.num_features(), o.hidden, 1, "relu"); };
    auto model = make_model();
    auto opt = examples::make_optimizer(o, model.parameters());
    auto sched = examples::make_scheduler(o.schedule, *opt, o.epochs);
    std::cout << "breast_cancer: " << train_set.size() << " training, " << val_set.size() << " validation and "
              << test_set.size() << " test tumours, MLP " << examples::describe_widths(all.num_features(), o.hidden, 1)
              << ", " << o.optimizer << " lr " << o.lr << "\n";
    examples::Experiment exp("breast_cancer", o);
    exp.load(model);
    const data::Dataset* val = val_set.size() ? &val_set : nullptr;
    exp.fit(model, train::binary_classification(), *opt, sched.get(), train_set, val);
    // The validation accuracy of the validated model: the refit model has seen the validation part.
    const double val_acc = val ? train::accuracy(val_set.labels, train::predict(model, val_set), 0.0f) : 0.0;
    const std::size_t chosen_epochs = exp.chosen_epochs();
    if (val && !no_refit) exp.refit(model, make_model, opt, sched, train::binary_classification(), train_set, val_set);
    exp.save(model);

    // Final report on the test set. The logit scores "benign"; its negative scores "malignant".
    const Tensor test_logits = train::predict(model, test_set);
    const std::vector<std::size_t> pred = train::threshold(test_logits, 0.0f);
    train::ConfusionMatrix cm(test_set.labels, pred, 2);
    const double auc = train::roc_auc(test_set.labels, test_logits);
    std::cout << "\nTest set (" << test_set.size() << " tumours), confusion matrix:\n"
              << cm.str(all.class_names) << "\n"
              << cm.report(all.class_names) << "\n";
    std::printf("accuracy %.4f  ROC AUC %.4f  malignant: precision %.4f recall %.4f F1 %.4f\n", cm.accuracy(), auc,
                cm.precision(0), cm.recall(0), cm.f1(0));
    std::vector<std::string> files = exp.plot_curves("breast_cancer");
    files.push_back(examples::plot_roc(exp.path("roc.svg"), "Breast cancer: ROC curve on the test set", test_set.labels,
                                       examples::to_doubles(test_logits)));
    files.push_back(examples::plot_confusion(exp.path("confusion.svg"), "Breast cancer: test confusion matrix", cm,
                                             all.class_names));
    for (const auto& f : files) std::cout << "wrote " << f << "\n";
    examples::print_result({{"test_accuracy", cm.accuracy()},
                            {"auc", auc},
                            {"validation_accuracy", val_acc},
                            {"precision", cm.precision(0)},
                            {"recall", cm.recall(0)},
                            {"f1", cm.f1(0)},
                            {"epochs", static_cast<double>(exp.history().size())},
                            {"best_epoch", static_cast<double>(chosen_epochs)},
                            {"seconds", exp.seconds()}});
  } catch (const std::exception& e) {
    std::cerr << "breast_cancer: " << e.what() << "\n";
    return 1;
  }
}

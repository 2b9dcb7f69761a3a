// Metrics against values computed by hand: accuracy, confusion matrix, precision / recall / F1, ROC AUC with
// ties, MSE, MAE, R^2.
#include <doctest/doctest.h>

#include <cmath>

#include "autodiff/error.h"
#include "train/accuracy.h"
#include "train/confusion_matrix.h"
#include "train/predictions.h"
#include "train/regression_metrics.h"
#include "train/roc_auc.h"

using namespace ad;
using namespace ad::train;

namespace {
// 9 examples of 3 classes. Rows = truth: class 0 -> {0, 1, 0}, class 1 -> {1, 2}, class 2 -> {2, 2, 0, 1}.
const std::vector<std::size_t> kTrue = {0, 0, 0, 1, 1, 2, 2, 2, 2};
const std::vector<std::size_t> kPred = {0, 1, 0, 1, 2, 2, 2, 0, 1};
}  // namespace

TEST_CASE("train: predictions from scores and accuracy") {
  const Tensor scores = Tensor::from({0.1f, 0.7f, 0.2f, 0.5f, 0.5f, 0.0f, -1, -2, -0.5f}, {3, 3});
  CHECK(argmax_rows(scores) == std::vector<std::size_t>{1, 0, 2});  // ties go to the first
  CHECK(threshold(Tensor::from({0.2f, 0.5f, 0.9f}), 0.5f) == std::vector<std::size_t>{0, 0, 1});
  CHECK(predict_classes(Tensor::from({-0.1f, 0.3f}, {2, 1}), 0.0f) == std::vector<std::size_t>{0, 1});
  CHECK(accuracy(std::vector<std::size_t>{1, 0, 0}, scores) == doctest::Approx(2.0 / 3));
  CHECK(accuracy(kTrue, kPred) == doctest::Approx(5.0 / 9));
  CHECK(misclassified(kTrue, kPred) == std::vector<std::size_t>{1, 4, 7, 8});
  CHECK_THROWS_WITH_AS(accuracy({1, 2}, std::vector<std::size_t>{1}), "accuracy: 2 true labels but 1 predictions",
                       ShapeError);
  CHECK_THROWS_AS(accuracy({}, std::vector<std::size_t>{}), ValueError);
  CHECK_THROWS_AS(argmax_rows(Tensor::zeros({3})), ShapeError);
}

TEST_CASE("train: confusion matrix counts and per-class precision, recall and F1") {
  const ConfusionMatrix m(kTrue, kPred);
  REQUIRE(m.num_classes() == 3);
  const std::vector<std::vector<double>> expected = {{2, 1, 0}, {0, 1, 1}, {1, 1, 2}};
  CHECK(m.rows() == expected);
  CHECK(m.total() == 9);
  CHECK(m.support(2) == 4);
  CHECK(m.predicted_count(1) == 3);
  CHECK(m.accuracy() == doctest::Approx(5.0 / 9));
  // precision = TP / column sum, recall = TP / row sum, F1 = 2 TP / (row + column).
  CHECK(m.precision(0) == doctest::Approx(2.0 / 3));
  CHECK(m.precision(1) == doctest::Approx(1.0 / 3));
  CHECK(m.precision(2) == doctest::Approx(2.0 / 3));
  CHECK(m.recall(0) == doctest::Approx(2.0 / 3));
  CHECK(m.recall(1) == doctest::Approx(1.0 / 2));
  CHECK(m.recall(2) == doctest::Approx(1.0 / 2));
  CHECK(m.f1(0) == doctest::Approx(2.0 / 3));
  CHECK(m.f1(1) == doctest::Approx(2.0 / 5));
  CHECK(m.f1(2) == doctest::Approx(4.0 / 7));
  CHECK(m.macro_precision() == doctest::Approx(5.0 / 9));
  CHECK(m.macro_recall() == doctest::Approx(5.0 / 9));
  CHECK(m.macro_f1() == doctest::Approx(172.0 / 315));
  CHECK(m.weighted_f1() == doctest::Approx(178.0 / 315));
  CHECK(m.rows(true)[2] == std::vector<double>{0.25, 0.25, 0.5});

  const std::string table = m.str({"a", "b", "c"});
  CHECK(table.find("true \\ pred") == 0);
  CHECK(table.find("c           1 1 2") != std::string::npos);
  const std::string report = m.report();
  CHECK(report.find("macro avg") != std::string::npos);
  CHECK(report.find("0.546") != std::string::npos);  // macro F1 = 172/315 = 0.546
}

TEST_CASE("train: zero denominators give 0 and absent classes stay out of the macro average") {
  ConfusionMatrix m(4);  // class 3 never occurs
  m.add({0, 0, 1, 2}, {0, 0, 0, 0});
  CHECK(m.precision(1) == 0.0);  // never predicted
  CHECK(m.recall(1) == 0.0);
  CHECK(m.f1(1) == 0.0);
  CHECK(m.precision(0) == doctest::Approx(0.5));
  CHECK(m.macro_recall() == doctest::Approx(1.0 / 3));  // (1 + 0 + 0) / 3 classes that occur
  CHECK_THROWS_WITH_AS(m.add(4, 0), doctest::Contains("label 4 is out of range for 4 classes"), IndexError);
  CHECK_THROWS_AS(ConfusionMatrix(0), ValueError);
}

TEST_CASE("train: ROC AUC is the Mann-Whitney statistic, ties counting one half") {
  // Positives score 0.35, 0.8, 0.4; negatives 0.1, 0.4, 0.4. Pairs won: 0.35 beats 1, 0.8 beats 3, 0.4 beats 1
  // and ties 2 -> (1 + 3 + 1 + 2 * 0.5) / 9 = 2/3. With ranks: 0.1 -> 1, 0.35 -> 2, the three 0.4 -> 4, 0.8 -> 6;
  // R1 = 2 + 4 + 6 = 12, (12 - 3 * 4 / 2) / 9 = 2/3.
  const std::vector<std::size_t> y = {0, 0, 1, 1, 0, 1};
  const std::vector<double> s = {0.1, 0.4, 0.35, 0.8, 0.4, 0.4};
  CHECK(roc_auc(y, s) == doctest::Approx(2.0 / 3));
  CHECK(roc_auc(y, Tensor::from({0.1f, 0.4f, 0.35f, 0.8f, 0.4f, 0.4f})) == doctest::Approx(2.0 / 3));
  // (N, 2) scores: column 1 is the positive class.
  CHECK(roc_auc({0, 1}, Tensor::from({0.9f, 0.1f, 0.2f, 0.8f}, {2, 2})) == 1.0);
  CHECK(roc_auc({1, 0}, std::vector<double>{0.2, 0.9}) == 0.0);
  CHECK(roc_auc({1, 0, 1, 0}, std::vector<double>{5, 5, 5, 5}) == 0.5);

  // The curve's trapezoidal area equals the statistic.
  const RocCurve c = roc_curve(y, s);
  CHECK(c.fpr.front() == 0.0);
  CHECK(c.tpr.back() == 1.0);
  CHECK(c.fpr.size() == 5);  // +inf and the four distinct scores
  double area = 0;
  for (std::size_t k = 1; k < c.fpr.size(); ++k) area += (c.fpr[k] - c.fpr[k - 1]) * (c.tpr[k] + c.tpr[k - 1]) / 2;
  CHECK(area == doctest::Approx(2.0 / 3));

  CHECK_THROWS_WITH_AS(roc_auc({1, 1}, std::vector<double>{0.1, 0.2}), doctest::Contains("only one class is present"),
                       ValueError);
  CHECK_THROWS_WITH_AS(roc_auc({0, 2}, std::vector<double>{0.1, 0.2}), doctest::Contains("label 2 at position 1"),
                       ValueError);
  CHECK_THROWS_AS(roc_auc({0, 1}, std::vector<double>{0.1, std::nan("")}), ValueError);
}

TEST_CASE("train: mean squared error, mean absolute error and R^2") {
  // y = 1 2 4 5 (mean 3, SS_tot = 4 + 1 + 1 + 4 = 10), y_hat = 1.5 2 3 5 (SS_res = 0.25 + 1 = 1.25).
  const Tensor y = Tensor::from({1, 2, 4, 5}), p = Tensor::from({1.5f, 2, 3, 5}, {4, 1});
  CHECK(mean_squared_error(y, p) == doctest::Approx(0.3125));
  CHECK(mean_absolute_error(y, p) == doctest::Approx(0.375));
  CHECK(r2_score(y, p) == doctest::Approx(0.875));
  CHECK(r2_score(std::vector<double>{1, 2, 4, 5}, std::vector<double>{3, 3, 3, 3}) == 0.0);  // predicting the mean
  CHECK(r2_score(std::vector<double>{2, 2}, std::vector<double>{2, 2}) == 1.0);  // constant y, exact predictions
  CHECK(r2_score(std::vector<double>{2, 2}, std::vector<double>{2, 3}) == 0.0);  // constant y, errors: no division by 0
  // Two columns: R^2 averaged over them (0.875 and 1).
  const Tensor y2 = Tensor::from({1, 0, 2, 1, 4, 0, 5, 1}, {4, 2}),
               p2 = Tensor::from({1.5f, 0, 2, 1, 3, 0, 5, 1}, {4, 2});
  CHECK(r2_score(y2, p2) == doctest::Approx((0.875 + 1.0) / 2));
  CHECK_THROWS_WITH_AS(mean_squared_error(Tensor::zeros({4}), Tensor::zeros({2, 2})),
                       "mean_squared_error: shapes [4] and [2, 2] differ", ShapeError);
  CHECK_THROWS_AS(r2_score(std::vector<double>{}, std::vector<double>{}), ValueError);
}

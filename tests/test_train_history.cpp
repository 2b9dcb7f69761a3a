// History and the per-epoch CSV log: values per metric, best epoch, CSV round trip, atomic rewrites.
#include <doctest/doctest.h>

#include <cmath>

#include "autodiff/error.h"
#include "data/csv.h"
#include "test_data_util.h"
#include "train/csv_log.h"
#include "train/history.h"

using namespace ad;
using namespace ad::train;

TEST_CASE("train: History collects per-epoch values and finds the best epoch") {
  History h;
  h.add({{"loss", 0.9}, {"acc", 0.5}});
  h.add({{"loss", 0.4}, {"acc", 0.8}, {"val_acc", 0.75}});
  h.add({{"loss", 0.5}, {"acc", 0.85}, {"val_acc", 0.7}});
  CHECK(h.size() == 3);
  CHECK(h.epochs() == std::vector<std::size_t>{1, 2, 3});
  CHECK(h.names() == std::vector<std::string>{"loss", "acc", "val_acc"});
  CHECK(std::isnan(h["val_acc"][0]));
  CHECK(h.best_epoch("loss") == 2);
  CHECK(h.best_epoch("val_acc", true) == 2);
  CHECK(h.best("acc", true) == 0.85);
  CHECK(h.last("loss") == 0.5);
  CHECK_THROWS_WITH_AS(h["lr"], doctest::Contains("no metric named 'lr' (recorded: loss, acc, val_acc)"), IndexError);
  CHECK_THROWS_AS(h.add(3, {{"loss", 1}}), ValueError);
  CHECK(h.to_csv() == "epoch,loss,acc,val_acc\n1,0.9,0.5,nan\n2,0.4,0.8,0.75\n3,0.5,0.85,0.7\n");
}

TEST_CASE("train: CsvLog rewrites a complete CSV file after every epoch, atomically") {
  test_util::TempDir dir;
  const std::string path = dir.file("log.csv");
  CsvLog log(path);
  CHECK(dir.entries().empty());  // nothing written before the first epoch
  log.log(1, {{"loss", 0.5}});
  CHECK(test_util::read_bytes(path) == "epoch,loss\n1,0.5\n");
  log.log(2, {{"loss", 0.25}, {"val_loss", 0.3}});  // a new column: earlier epochs get nan
  CHECK(test_util::read_bytes(path) == "epoch,loss,val_loss\n1,0.5,nan\n2,0.25,0.3\n");
  CHECK(dir.entries() == std::vector<std::string>{"log.csv"});  // no temporary file left behind

  // The file reads back, as a History or as a numeric table.
  const History back = History::load_csv(path);
  CHECK(back.names() == std::vector<std::string>{"loss", "val_loss"});
  CHECK(back["loss"][1] == doctest::Approx(0.25));
  CHECK(std::isnan(back["val_loss"][0]));
  data::CsvOptions nan_ok;
  nan_ok.allow_non_finite = true;  // the log writes nan for metrics missing from an epoch
  CHECK(data::read_csv(path, nan_ok).rows() == 2);

  CHECK_THROWS_WITH_AS(CsvLog(dir.file("no/such/dir/log.csv")).log(1, {{"loss", 1}}),
                       doctest::Contains("no/such/dir/log.csv"), IOError);
  test_util::write_bytes(dir.file("other.csv"), "step,loss\n1,2\n");
  CHECK_THROWS_WITH_AS(History::load_csv(dir.file("other.csv")), doctest::Contains("expected a header \"epoch,"),
                       IOError);
}

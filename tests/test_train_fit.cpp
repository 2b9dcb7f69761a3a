// train::fit / evaluate / predict and the callbacks: what is logged, eval mode, early stopping, checkpoints, and an
// interrupted run resumed bit for bit.
#include <doctest/doctest.h>

#include <cmath>
#include <csignal>
#include <memory>

#include "autodiff/autodiff.h"
#include "data/dataset.h"
#include "io/npz.h"
#include "io/state.h"
#include "nn/nn.h"
#include "optim/optim.h"
#include "test_data_util.h"
#include "train/callbacks.h"
#include "train/fit.h"

using namespace ad;

namespace {

// Three Gaussian blobs in 4-D: separable, so a small MLP learns them in a few epochs.
data::Dataset blobs(std::size_t n, unsigned long long seed) {
  manual_seed(seed);
  Tensor X = Tensor::randn({n, 4});
  std::vector<std::size_t> labels(n);
  float* x = X.mutable_data();
  for (std::size_t i = 0; i < n; ++i) {
    labels[i] = i % 3;
    x[i * 4 + labels[i]] += 3.0f;
  }
  data::Dataset d;
  d.X = X;
  d.labels = labels;
  return d;
}

nn::Sequential<float> mlp() {
  return nn::Sequential(nn::Linear(4, 16), nn::ReLU(), nn::Dropout(0.1), nn::Linear(16, 3));
}

std::vector<float> values_of(const nn::Module<float>& m) {
  std::vector<float> v;
  for (const auto& p : m.parameters()) {
    const auto x = p.to_vector();
    v.insert(v.end(), x.begin(), x.end());
  }
  return v;
}

// Raises SIGINT after a given batch of a given epoch: what a user pressing Ctrl-C does, at a known point.
class CtrlCAt : public train::Callback {
 public:
  CtrlCAt(std::size_t epoch, std::size_t batch) : epoch_(epoch), batch_(batch) {}
  void on_batch_end(train::FitState& st, const train::Metrics&) override {
    if (st.epoch == epoch_ && st.batch == batch_) std::raise(SIGINT);
  }

 private:
  std::size_t epoch_, batch_;
};

}  // namespace

TEST_CASE("fit: trains, and logs the training and validation metrics, the learning rate of each epoch and its time") {
  const data::Dataset train = blobs(300, 1), val = blobs(90, 2);
  manual_seed(3);
  auto model = mlp();
  optim::SGD opt(model.parameters(), optim::SGDOptions(0.1).momentum(0.9));
  optim::StepLR sched(opt, /*step_size=*/2, /*gamma=*/0.5);
  auto r = train::fit(model, train::classification(), opt, train,
                      train::FitOptions().epochs(4).batch_size(30).validation(&val).scheduler(&sched));
  CHECK(r.epochs == 4);
  CHECK_FALSE(r.interrupted);
  for (const char* name : {"loss", "acc", "val_loss", "val_acc", "lr", "time"}) CHECK(r.history.has(name));
  CHECK(r.history["lr"] == std::vector<double>{0.1, 0.1, 0.05, 0.05});  // the rate each epoch trained with
  CHECK(r.history["loss"].back() < r.history["loss"].front());
  CHECK(r.history["val_acc"].back() > 0.9);
  // evaluate gives what fit logged for the validation set after the last epoch.
  const train::Metrics m = train::evaluate(model, train::classification(), val);
  CHECK(m[0].second == doctest::Approx(r.history["val_loss"].back()).epsilon(1e-12));
  CHECK(m[1].second == doctest::Approx(r.history["val_acc"].back()).epsilon(1e-12));
}

TEST_CASE("fit: evaluate and predict run in eval mode, record nothing, and restore the training mode") {
  const data::Dataset d = blobs(50, 4);
  manual_seed(5);
  auto model = mlp();
  const std::size_t nodes = live_nodes();
  const Tensor a = train::predict(model, d, /*batch_size=*/7), b = train::predict(model, d.X);
  // Dropout off: the same outputs however batched (up to rounding: BLAS may sum in another order for another batch size).
  const std::vector<float> av = a.to_vector(), bv = b.to_vector();
  REQUIRE(av.size() == bv.size());
  for (std::size_t i = 0; i < av.size(); ++i) CHECK(av[i] == doctest::Approx(bv[i]).epsilon(1e-5));
  CHECK_FALSE(a.requires_grad());
  CHECK(live_nodes() == nodes);
  CHECK(model.is_training());
  model.eval();
  train::evaluate(model, train::classification(), d);
  CHECK_FALSE(model.is_training());
  // A submodule the user put in eval mode (a frozen layer) stays there; the others return to training.
  model.train();
  auto dropout = model.named_children()[2].second;
  dropout->eval();
  train::predict(model, d);
  CHECK(model.is_training());
  CHECK_FALSE(dropout->is_training());
}

TEST_CASE("fit: early stopping stops after `patience` epochs without improvement and restores the best weights") {
  const data::Dataset train = blobs(120, 6);
  manual_seed(7);
  auto model = mlp();
  optim::SGD opt(model.parameters(), 0.05);
  // A validation "set" the model cannot learn (random labels): val_loss stops improving early.
  data::Dataset noise = blobs(60, 8);
  manual_seed(9);
  for (auto& l : noise.labels) l = static_cast<std::size_t>(Tensor::rand({1}).item() * 3) % 3;
  std::vector<float> best_values;
  std::size_t best_epoch = 0;
  double best = 1e300;
  auto stop =
      std::make_shared<train::EarlyStopping>(train::EarlyStoppingOptions().patience(2).restore_best_weights(true));
  auto track = std::make_shared<train::LambdaCallback>([&](train::FitState& st, const train::Metrics& logs) {
    for (const auto& [n, v] : logs)
      if (n == "val_loss" && v < best) {
        best = v;
        best_epoch = st.epoch;
        best_values = values_of(st.model);
      }
  });
  auto r = train::fit(model, train::classification(), opt, train,
                      train::FitOptions().epochs(60).batch_size(20).validation(&noise).callbacks({track, stop}));
  REQUIRE(stop->stopped_epoch() > 0);
  CHECK(r.epochs == stop->stopped_epoch());
  CHECK(stop->stopped_epoch() == stop->best_epoch() + 2);  // patience 2: two epochs without improvement, then stop
  CHECK(stop->best_epoch() == best_epoch);
  CHECK(values_of(model) == best_values);
}

TEST_CASE("fit: ModelCheckpoint writes the model of the best epoch, readable by load_checkpoint") {
  const data::Dataset train = blobs(150, 10), val = blobs(60, 11);
  manual_seed(12);
  auto model = mlp();
  optim::Adam opt(model.parameters(), optim::AdamOptions(0.01));
  test_util::TempDir dir;
  const std::string path = dir.file("best.npz");
  auto ckpt = std::make_shared<train::ModelCheckpoint>(path, train::ModelCheckpointOptions().monitor("val_acc"));
  std::vector<std::vector<float>> per_epoch;
  auto track = std::make_shared<train::LambdaCallback>(
      [&](train::FitState& st, const train::Metrics&) { per_epoch.push_back(values_of(st.model)); });
  auto r = train::fit(model, train::classification(), opt, train,
                      train::FitOptions().epochs(5).batch_size(25).validation(&val).callbacks({track, ckpt}));
  const std::size_t best = r.history.best_epoch("val_acc", /*maximize=*/true);
  CHECK(ckpt->best_epoch() == best);
  manual_seed(99);
  auto loaded = mlp();
  nn::load_checkpoint(path, loaded);
  CHECK(values_of(loaded) == per_epoch[best - 1]);
}

TEST_CASE(
    "fit: a run interrupted with Ctrl-C and resumed from its RunCheckpoint ends bit-identical to an uninterrupted "
    "one") {
  const data::Dataset train = blobs(200, 13), val = blobs(60, 14);
  test_util::TempDir dir;
  auto run = [&](const std::string& ckpt, std::shared_ptr<train::Callback> extra, const std::string& resume) {
    manual_seed(15);  // the same initial weights and Dropout draws for every run
    auto model = mlp();
    optim::Adam opt(model.parameters(), optim::AdamOptions(0.01));
    optim::ExponentialLR sched(opt, 0.9);
    std::vector<std::shared_ptr<train::Callback>> cbs = {
        std::make_shared<train::EarlyStopping>(train::EarlyStoppingOptions().patience(100)),
        std::make_shared<train::RunCheckpoint>(ckpt)};
    if (extra) cbs.push_back(extra);
    auto options = train::FitOptions().epochs(5).batch_size(16).validation(&val).scheduler(&sched).callbacks(cbs);
    options.resume_from(resume);
    auto r = train::fit(model, train::classification(), opt, train, options);
    return std::make_pair(r, values_of(model));
  };
  const auto [full, full_values] = run(dir.file("full.npz"), nullptr, "");
  for (const auto& [epoch, batch] : std::vector<std::pair<std::size_t, std::size_t>>{{2, 5}, {3, 13}, {1, 1}}) {
    INFO("interrupted after batch " << batch << " of epoch " << epoch);
    const std::string path = dir.file("run.npz");
    const auto [cut, cut_values] = run(path, std::make_shared<CtrlCAt>(epoch, batch), "");
    CHECK(cut.interrupted);
    CHECK(cut.epochs == epoch - 1);
    const auto [resumed, resumed_values] = run(path, nullptr, path);
    CHECK_FALSE(resumed.interrupted);
    CHECK(resumed_values == full_values);
    for (const char* name : {"loss", "acc", "val_loss", "val_acc", "lr"})
      CHECK(resumed.history[name] == full.history[name]);
  }
  // Resuming a finished run's checkpoint with more epochs continues it (the checkpoint is written at the end).
  const auto [more, more_values] = run(dir.file("full.npz"), nullptr, dir.file("full.npz"));
  CHECK(more.epochs == 5);
  CHECK(more_values == full_values);
}

TEST_CASE("fit: a run that early stopping ended stays ended when resumed, with the best weights restored") {
  const data::Dataset train = blobs(120, 6);
  data::Dataset noise = blobs(60, 8);  // labels the model cannot learn: val_loss stops improving early
  manual_seed(9);
  for (auto& l : noise.labels) l = static_cast<std::size_t>(Tensor::rand({1}).item() * 3) % 3;
  test_util::TempDir dir;
  const std::string path = dir.file("run.npz");
  auto run = [&](const std::string& resume) {
    manual_seed(7);
    auto model = mlp();
    optim::SGD opt(model.parameters(), 0.05);
    auto stop =
        std::make_shared<train::EarlyStopping>(train::EarlyStoppingOptions().patience(2).restore_best_weights(true));
    auto options = train::FitOptions().epochs(60).batch_size(20).validation(&noise).callbacks(
        {stop, std::make_shared<train::RunCheckpoint>(path)});
    options.resume_from(resume);
    const train::FitResult r = train::fit(model, train::classification(), opt, train, options);
    return std::make_pair(r, values_of(model));
  };
  const auto [first, first_values] = run("");
  REQUIRE(first.epochs < 60);
  const auto [again, again_values] = run(path);
  CHECK(again.epochs == first.epochs);  // no further epoch
  CHECK(again.history.size() == first.history.size());
  CHECK(again_values == first_values);  // the best epoch's weights, as after the first run
}

TEST_CASE("fit: RunCheckpoint with a minimum interval skips epoch-end writes but always writes the last epoch") {
  const data::Dataset train = blobs(60, 21);
  test_util::TempDir dir;
  const std::string path = dir.file("run.npz"), every = dir.file("every.npz");
  manual_seed(22);
  auto model = mlp();
  optim::SGD opt(model.parameters(), 0.1);
  std::vector<std::int64_t> saved_position;  // the epoch the throttled file would resume at, after each epoch
  auto probe = std::make_shared<train::LambdaCallback>([&](train::FitState&, const train::Metrics&) {
    saved_position.push_back(io::load_state(path).integer("fit.epoch", "test"));
  });
  train::fit(model, train::classification(), opt, train,
             train::FitOptions().epochs(3).callbacks(
                 {std::make_shared<train::RunCheckpoint>(every),
                  std::make_shared<train::RunCheckpoint>(path, 1, /*min_seconds_between_writes=*/1e9), probe}));
  // The first epoch-end write happens (nothing was written before), the second comes too soon and is skipped, the
  // last epoch's is always written: the state to continue from, as a checkpoint written after every epoch has it.
  CHECK(saved_position == std::vector<std::int64_t>{2, 2, 4});
  CHECK(io::load_state(path).integer("fit.epoch", "test") == io::load_state(every).integer("fit.epoch", "test"));
}

TEST_CASE(
    "fit: a finished run continued to more epochs equals a longer run, best-weight restore and added callbacks "
    "notwithstanding") {
  const data::Dataset train = blobs(120, 31), val = blobs(60, 32);
  test_util::TempDir dir;
  const std::string path = dir.file("run.npz");
  std::size_t best_epoch = 0;
  auto run = [&](std::size_t epochs, const std::string& resume, bool extra_callback) {
    manual_seed(33);
    auto model = mlp();
    optim::Adam opt(model.parameters(), optim::AdamOptions(0.2));  // large steps: the validation loss goes up and down
    auto stop =
        std::make_shared<train::EarlyStopping>(train::EarlyStoppingOptions().patience(1000).restore_best_weights(true));
    std::vector<std::shared_ptr<train::Callback>> cbs = {stop, std::make_shared<train::RunCheckpoint>(path)};
    // A callback the saved run did not have starts fresh; the others get their own state back by name.
    if (extra_callback) cbs.insert(cbs.begin(), std::make_shared<train::ModelCheckpoint>(dir.file("best.npz")));
    auto options = train::FitOptions().epochs(epochs).batch_size(16).validation(&val).callbacks(cbs);
    options.resume_from(resume);
    auto r = train::fit(model, train::classification(), opt, train, options);
    best_epoch = stop->best_epoch();
    return std::make_pair(r, values_of(model));
  };
  const auto [longer, longer_values] = run(8, "", false);
  run(4, "", false);        // a finished run of 4 epochs, its best weights restored at its end ...
  REQUIRE(best_epoch < 4);  // (so that they differ from its last epoch's)
  const auto [continued, continued_values] = run(8, path, true);  // ... continued from its last epoch to 8
  CHECK(continued.epochs == 8);
  CHECK(continued.history["val_loss"] == longer.history["val_loss"]);
  CHECK(continued_values == longer_values);
}

TEST_CASE("bad input: fit: resuming from a checkpoint of another model names the entry and both shapes") {
  const data::Dataset train = blobs(60, 16);
  test_util::TempDir dir;
  const std::string path = dir.file("run.npz");
  {
    manual_seed(17);
    auto model = mlp();
    optim::SGD opt(model.parameters(), 0.1);
    train::fit(model, train::classification(), opt, train,
               train::FitOptions().epochs(1).callbacks({std::make_shared<train::RunCheckpoint>(path)}));
  }
  auto other = nn::Sequential(nn::Linear(4, 8), nn::ReLU(), nn::Linear(8, 3));
  optim::SGD opt(other.parameters(), 0.1);
  CHECK_THROWS_WITH_AS(
      train::fit(other, train::classification(), opt, train, train::FitOptions().epochs(2).resume_from(path)),
      doctest::Contains("'0.weight' has shape [4, 16] in the checkpoint and [4, 8] in the model"), ShapeError);
}

TEST_CASE("bad input: fit: an empty validation set, no batch to train on, or another batch size on resume") {
  const data::Dataset train = blobs(10, 41);
  test_util::TempDir dir;
  manual_seed(42);
  auto model = mlp();
  optim::SGD opt(model.parameters(), 0.1);
  const data::Dataset empty = train.subset({});
  CHECK_THROWS_WITH_AS(train::fit(model, train::classification(), opt, train, train::FitOptions().validation(&empty)),
                       doctest::Contains("the validation data set is empty"), ValueError);
  CHECK_THROWS_WITH_AS(
      train::fit(model, train::classification(), opt, train,
                 train::FitOptions().batch_size(16).loader({/*shuffle=*/true, /*drop_last=*/true, /*seed=*/0})),
      "fit: no batch to train on: 10 examples, batch size 16 with drop_last", ValueError);
  const std::string path = dir.file("run.npz");
  train::fit(model, train::classification(), opt, train,
             train::FitOptions().epochs(1).batch_size(4).callbacks({std::make_shared<train::RunCheckpoint>(path)}));
  CHECK_THROWS_WITH_AS(train::fit(model, train::classification(), opt, train,
                                  train::FitOptions().epochs(2).batch_size(5).resume_from(path)),
                       doctest::Contains("the run was saved with batch size 4, and is resumed with 5 (resuming '"),
                       ValueError);
}

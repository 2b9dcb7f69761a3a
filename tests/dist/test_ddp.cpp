// Data-parallel training under mpirun -np N (N = 2, 3 in CI): collectives, DistributedDataParallel against one
// process on the whole batch (1e-12 in double, 1e-5 in float), bit-identical parameters on every rank, the models
// checked at the start, unused parameters reported, metrics reduced, and runs resumed on another number of ranks.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "autodiff/error.h"
#include "autodiff/random.h"
#include "data/dataset.h"
#include "dist/comm.h"
#include "dist/ddp.h"
#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/linear.h"
#include "nn/loss.h"
#include "nn/sequential.h"
#include "optim/adam.h"
#include "optim/sgd.h"
#include "train/callbacks.h"
#include "train/fit.h"

using namespace ad;

namespace {

std::size_t R() { return static_cast<std::size_t>(dist::rank()); }
std::size_t N() { return static_cast<std::size_t>(dist::world_size()); }

// Every rank holds the same bits in t: its values equal the ranks' minimum and maximum, exactly.
template <class T>
bool same_on_every_rank(const TensorT<T>& t) {
  TensorT<T> lo = t.detach().clone(), hi = t.detach().clone();
  dist::allreduce(lo, dist::ReduceOp::Min);
  dist::allreduce(hi, dist::ReduceOp::Max);
  return std::memcmp(lo.data(), t.data(), t.numel() * sizeof(T)) == 0 &&
         std::memcmp(hi.data(), t.data(), t.numel() * sizeof(T)) == 0;
}

template <class T>
nn::Sequential<T> make_net(std::size_t hidden = 5) {
  return nn::Sequential(nn::Linear<T>(3, hidden), nn::Tanh<T>(), nn::Linear<T>(hidden, 4), nn::Tanh<T>(),
                        nn::Linear<T>(4, 2));
}

// ||a - b|| / ||b|| over all parameters together (Euclidean norms).
template <class T>
double relative_difference(const std::vector<TensorT<T>>& a, const std::vector<TensorT<T>>& b) {
  double diff = 0, norm = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::size_t j = 0; j < a[i].numel(); ++j) {
      const double x = a[i].data()[j], y = b[i].data()[j];
      diff += (x - y) * (x - y);
      norm += y * y;
    }
  return std::sqrt(diff / norm);
}

// A regression data set of n rows: x ~ N(0, 1) (3 features), y = (sin(x0 + x1), x2^2 - x1), the same on every rank.
data::Dataset regression_rows(std::size_t n) {
  manual_seed(123);
  data::Dataset d;
  d.X = Tensor::randn({n, 3});
  std::vector<float> y(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    const float* x = d.X.data() + 3 * i;
    y[2 * i] = std::sin(x[0] + x[1]);
    y[2 * i + 1] = x[2] * x[2] - x[1];
  }
  d.y = Tensor::from(y, {n, 2});
  return d;
}

// doctest::Contains of a std::string (it takes a doctest::String, which copies).
doctest::Contains contains(const std::string& s) { return doctest::Contains(s.c_str()); }

// The rows `idx` of a (n, d) double tensor.
TensorD rows_of(const TensorD& t, const std::vector<std::size_t>& idx) {
  const std::size_t d = t.shape()[1];
  std::vector<double> v;
  for (std::size_t i : idx) v.insert(v.end(), t.data() + i * d, t.data() + (i + 1) * d);
  return TensorD::from(v, {idx.size(), d});
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("ad_dist_test_" + name)).string();
}

}  // namespace

TEST_CASE("dist: rank and world size; allreduce sums, averages, min and max; broadcast gives root's values") {
  CHECK(R() < N());
  CHECK(dist::where() == "rank " + std::to_string(R()) + " of " + std::to_string(N()));
  const double r = static_cast<double>(R()), n = static_cast<double>(N());
  TensorD t = TensorD::from({r, 2 * r + 1});
  dist::allreduce(t);
  CHECK(t.data()[0] == n * (n - 1) / 2);
  CHECK(t.data()[1] == n * (n - 1) + n);
  Tensor f = Tensor::from({static_cast<float>(r)});
  dist::allreduce(f, dist::ReduceOp::Average);
  CHECK(f.data()[0] == doctest::Approx((n - 1) / 2));
  CHECK(dist::allreduce(r, dist::ReduceOp::Max) == n - 1);
  CHECK(dist::allreduce(r + 5, dist::ReduceOp::Min) == 5);
  TensorD b = TensorD::from({r, -r});
  dist::broadcast(b, static_cast<int>(N() - 1));
  CHECK(b.data()[0] == n - 1);
  CHECK(b.data()[1] == -(n - 1));
  std::string s = R() == 0 ? "from rank 0" : "";
  dist::broadcast(s, 0);
  CHECK(s == "from rank 0");
  dist::barrier();
}

TEST_CASE("dist: tensors of different sizes on different ranks are refused on every rank, naming the sizes") {
  TensorD t = TensorD::zeros({R() == 0 ? std::size_t(3) : std::size_t(2)});
  CHECK_THROWS_WITH_AS(dist::allreduce(t),
                       contains("allreduce of a tensor of shape [" + std::to_string(t.numel()) +
                                "]: the ranks pass different sizes (from 2 to 3 elements"),
                       ShapeError);
}

TEST_CASE("ddp: N ranks on B/N examples each follow one process on B to 1e-12 in double, bit-identical on every rank") {
  const std::size_t per_rank = 3, global = per_rank * N(), steps = 6;
  // Rank-dependent initialisation: the wrapper must start every rank from rank 0's parameters.
  manual_seed(1000 + R());
  auto model = make_net<double>();
  manual_seed(1000);
  auto reference = make_net<double>();  // rank 0's initialisation, trained on the whole batch in this process
  dist::DistributedDataParallel<double> ddp(model);
  for (const auto& p : model.parameters()) CHECK(same_on_every_rank(p));
  optim::Adam<double> opt(model.parameters(), optim::AdamOptions(0.05));
  optim::Adam<double> ref_opt(reference.parameters(), optim::AdamOptions(0.05));
  manual_seed(77);
  const TensorD X = TensorD::randn({steps * global, 3}), Y = TensorD::randn({steps * global, 2});
  for (std::size_t k = 0; k < steps; ++k) {
    // Global batch k is rows [k B, (k + 1) B); rank r takes rows k B + r, k B + r + N, ... (a DistributedSampler
    // shard of it).
    std::vector<std::size_t> all, mine;
    for (std::size_t i = 0; i < global; ++i) all.push_back(k * global + i);
    for (std::size_t i = R(); i < global; i += N()) mine.push_back(k * global + i);
    opt.zero_grad();
    nn::mse_loss(ddp(rows_of(X, mine)), rows_of(Y, mine)).backward();
    ddp.finish_gradients();
    opt.step();
    ref_opt.zero_grad();
    nn::mse_loss(reference(rows_of(X, all)), rows_of(Y, all)).backward();
    ref_opt.step();
    for (const auto& p : model.parameters()) REQUIRE(same_on_every_rank(p));
  }
  CHECK(relative_difference(model.parameters(), reference.parameters()) < 1e-12);
  CHECK(ddp.stats().steps == steps);
}

TEST_CASE("ddp: buckets hold the parameters in reverse order, within bucket_bytes, one per bucket when bigger") {
  manual_seed(1);
  auto model = make_net<double>(5);  // sizes: 15, 5, 20, 4, 8, 2 values; 120, 40, 160, 32, 64, 16 bytes
  dist::DistributedDataParallel<double> ddp(model, dist::DistributedDataParallelOptions().bucket_bytes(100));
  const std::vector<std::vector<std::string>> want{
      {"4.bias", "4.weight"}, {"2.bias"}, {"2.weight"}, {"0.bias"}, {"0.weight"}};
  CHECK(ddp.bucket_names() == want);
  // Several buckets give the same averaged gradients as one.
  manual_seed(1);
  auto single = make_net<double>(5);
  dist::DistributedDataParallel<double> one(single, dist::DistributedDataParallelOptions().bucket_bytes(1 << 20));
  CHECK(one.bucket_names().size() == 1);
  manual_seed(50 + R());
  const TensorD x = TensorD::randn({4, 3}), y = TensorD::randn({4, 2});
  nn::mse_loss(model(x), y).backward();
  nn::mse_loss(single(x), y).backward();
  ddp.finish_gradients();
  one.finish_gradients();
  for (std::size_t i = 0; i < model.parameters().size(); ++i) {
    const TensorD a = model.parameters()[i].grad(), b = single.parameters()[i].grad();
    CHECK(std::memcmp(a.data(), b.data(), a.numel() * sizeof(double)) == 0);
    CHECK(same_on_every_rank(a));
  }
}

TEST_CASE("ddp: models that differ fail at the start on every rank, naming the first mismatched parameter") {
  manual_seed(1);
  auto model = make_net<float>(R() == N() - 1 ? 6 : 5);
  const std::string last = std::to_string(N() - 1);
  CHECK_THROWS_WITH_AS(dist::DistributedDataParallel<float>{model},
                       contains("DistributedDataParallel: the ranks' models differ: entry 0 (in registration "
                                "order) is parameter '0.weight' of shape [3, 5] on rank 0 and parameter "
                                "'0.weight' of shape [3, 6] on rank " +
                                last),
                       dist::DistError);
  // A missing layer: the first entry that differs is the one after the common part.
  auto shorter = R() == N() - 1 ? nn::Sequential(nn::Linear(3, 5)) : nn::Sequential(nn::Linear(3, 5), nn::Linear(5, 1));
  CHECK_THROWS_WITH_AS(dist::DistributedDataParallel<float>{shorter},
                       contains("entry 2 (in registration order) is parameter '1.weight' of shape [5, 1] on "
                                "rank 0 and nothing (2 entries) on rank " +
                                last),
                       dist::DistError);
}

TEST_CASE("ddp: a parameter without gradient in a backward pass is named on every rank, and the ranks stay in step") {
  manual_seed(1);
  auto model = make_net<double>();
  dist::DistributedDataParallel<double> ddp(model);
  const TensorD x = TensorD::randn({2, 3});
  // Only the first layer takes part: every later parameter gets no gradient.
  x.matmul(model.parameters()[0]).sum().backward();
  CHECK_THROWS_WITH_AS(ddp.finish_gradients(), contains("parameter '4.bias' received no gradient"), GraphError);
  // The next, complete pass works.
  model.zero_grad();
  nn::mse_loss(ddp(x), TensorD::zeros({2, 2})).backward();
  ddp.finish_gradients();
  for (const auto& p : model.parameters()) CHECK(same_on_every_rank(p.grad()));
}

TEST_CASE("ddp: BatchNorm's running statistics are rank 0's after every training forward (broadcast_buffers)") {
  manual_seed(1);
  auto model = nn::Sequential(nn::Linear(3, 4), nn::BatchNorm1d(4), nn::Linear(4, 1));
  dist::DistributedDataParallel<float> ddp(model);
  manual_seed(9 + R());  // each rank its own batch: different batch statistics
  for (int step = 0; step < 3; ++step) {
    ddp(Tensor::randn({6, 3})).sum().backward();
    ddp.finish_gradients();
    ddp.before_forward();
    for (const auto& [name, b] : model.named_buffers()) CHECK(same_on_every_rank(b));
  }
}

TEST_CASE("fit with data_parallel: N ranks follow one process on the global batch (float, 1e-5), metrics reduced") {
  const data::Dataset d = regression_rows(72), val = regression_rows(25);
  const std::size_t per_rank = 4;
  auto options = [&](std::size_t batch, std::size_t epochs) {
    return train::FitOptions().epochs(epochs).batch_size(batch).loader({true, false, 11}).validation(&val);
  };
  manual_seed(5);
  auto model = make_net<float>();
  dist::DistributedDataParallel<float> ddp(model);
  optim::SGD opt(model.parameters(), optim::SGDOptions(0.1).momentum(0.9));
  const train::FitResult r = train::fit(model, train::regression(), opt, d, options(per_rank, 3).data_parallel(&ddp));
  manual_seed(5);
  auto reference = make_net<float>();
  optim::SGD ref_opt(reference.parameters(), optim::SGDOptions(0.1).momentum(0.9));
  const train::FitResult ref = train::fit(reference, train::regression(), ref_opt, d, options(per_rank * N(), 3));
  CHECK(relative_difference(model.parameters(), reference.parameters()) < 1e-5);
  for (const auto& p : model.parameters()) CHECK(same_on_every_rank(p));
  for (const std::string name : {"loss", "mae", "val_loss", "val_mae"})
    for (std::size_t e = 0; e < 3; ++e) {
      CAPTURE(name);
      CHECK(r.history[name][e] == doctest::Approx(ref.history[name][e]).epsilon(1e-5));
      // Every rank records the same history (the sums are reduced before the division).
      CHECK(dist::allreduce(r.history[name][e], dist::ReduceOp::Max) == r.history[name][e]);
    }
}

TEST_CASE(
    "fit with data_parallel: a run saved at an epoch end resumes on any number of ranks with the same global batch") {
  const data::Dataset d = regression_rows(72);
  const std::size_t per_rank = 4, global = per_rank * N();
  const auto options = [&](std::size_t batch, std::size_t epochs) {
    return train::FitOptions().epochs(epochs).batch_size(batch).loader({true, false, 11});
  };
  // Uninterrupted, one process: 4 epochs on the global batch.
  manual_seed(5);
  auto reference = make_net<float>();
  optim::Adam ref_opt(reference.parameters(), optim::AdamOptions(0.01));
  train::fit(reference, train::regression(), ref_opt, d, options(global, 4));

  // N ranks for 2 epochs, rank 0 writing the run; then one process resumes it for epochs 3 and 4.
  const std::string from_ranks = temp_path("from_ranks.npz");
  {
    manual_seed(5);
    auto model = make_net<float>();
    dist::DistributedDataParallel<float> ddp(model);
    optim::Adam opt(model.parameters(), optim::AdamOptions(0.01));
    std::vector<std::shared_ptr<train::Callback>> callbacks;
    if (R() == 0) callbacks.push_back(std::make_shared<train::RunCheckpoint>(from_ranks));
    train::fit(model, train::regression(), opt, d, options(per_rank, 2).data_parallel(&ddp).callbacks(callbacks));
  }
  dist::barrier();
  manual_seed(99);
  auto resumed = make_net<float>();
  optim::Adam resumed_opt(resumed.parameters(), optim::AdamOptions(0.01));
  train::fit(resumed, train::regression(), resumed_opt, d, options(global, 4).resume_from(from_ranks));
  CHECK(relative_difference(resumed.parameters(), reference.parameters()) < 1e-5);

  // One process for 2 epochs (each rank its own file), then N ranks resume it.
  const std::string from_one = temp_path("from_one_" + std::to_string(R()) + ".npz");
  {
    manual_seed(5);
    auto model = make_net<float>();
    optim::Adam opt(model.parameters(), optim::AdamOptions(0.01));
    train::fit(model, train::regression(), opt, d,
               options(global, 2).callbacks({std::make_shared<train::RunCheckpoint>(from_one)}));
  }
  manual_seed(98 + R());
  auto model = make_net<float>();
  dist::DistributedDataParallel<float> ddp(model);
  optim::Adam opt(model.parameters(), optim::AdamOptions(0.01));
  train::fit(model, train::regression(), opt, d, options(per_rank, 4).data_parallel(&ddp).resume_from(from_one));
  CHECK(relative_difference(model.parameters(), reference.parameters()) < 1e-5);
  for (const auto& p : model.parameters()) CHECK(same_on_every_rank(p));
  // Another global batch is refused, with both sizes.
  auto other = make_net<float>();
  dist::DistributedDataParallel<float> other_ddp(other);
  optim::Adam other_opt(other.parameters(), optim::AdamOptions(0.01));
  CHECK_THROWS_WITH_AS(train::fit(other, train::regression(), other_opt, d,
                                  options(per_rank + 1, 4).data_parallel(&other_ddp).resume_from(from_one)),
                       contains("the run was saved with batch size " + std::to_string(global) +
                                ", and is resumed with " + std::to_string((per_rank + 1) * N())),
                       ValueError);
  dist::barrier();
  std::filesystem::remove(from_one);
  if (R() == 0) std::filesystem::remove(from_ranks);
}

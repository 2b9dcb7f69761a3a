// Recording is per thread: the tape, grad mode, anomaly mode and the random generator belong to the thread that
// uses them, so two threads can train two models at once. These tests also run under ThreadSanitizer
// (scripts/test-sanitize.sh), which checks that nothing is shared between the threads without synchronisation.
#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <string>
#include <thread>
#include <vector>

#include "autodiff/autodiff.h"
#include "nn/activation.h"
#include "nn/linear.h"
#include "nn/loss.h"
#include "nn/sequential.h"
#include "optim/adam.h"

using namespace ad;

namespace {

// Trains an 8-16-3 MLP with Adam for 60 full-batch steps on a fixed three-class data set, everything drawn from
// this thread's generator seeded with `seed`; returns every parameter value, in order.
std::vector<float> train_mlp(unsigned long long seed) {
  manual_seed(seed);
  const Tensor x = Tensor::randn({64, 8});
  std::vector<std::size_t> labels(64);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const float* row = x.data() + 8 * i;
    labels[i] = row[0] + row[1] > 0.5f ? 0 : (row[2] > 0 ? 1 : 2);
  }
  auto model = nn::Sequential(nn::Linear(8, 16), nn::Tanh(), nn::Linear(16, 3));
  optim::Adam opt(model.parameters(), optim::AdamOptions(0.01));
  for (int step = 0; step < 60; ++step) {
    const Tensor loss = nn::cross_entropy(model(x), labels);
    opt.zero_grad();
    loss.backward();
    opt.step();
  }
  std::vector<float> values;
  for (const Tensor& p : model.parameters()) {
    const std::vector<float> v = p.to_vector();
    values.insert(values.end(), v.begin(), v.end());
  }
  return values;
}

}  // namespace

TEST_CASE("threads: two models trained at the same time on two threads match training them one after the other") {
  const std::vector<float> a = train_mlp(1), b = train_mlp(2);
  REQUIRE(a != b);  // different seeds, different models: the comparison below can tell them apart

  std::vector<float> ta, tb;
  std::size_t live_a = 1, live_b = 1;
  std::thread t1([&] {
    ta = train_mlp(1);
    live_a = live_nodes();
  });
  std::thread t2([&] {
    tb = train_mlp(2);
    live_b = live_nodes();
  });
  t1.join();
  t2.join();
  CHECK(ta == a);  // bit-identical, not approximately equal
  CHECK(tb == b);
  CHECK(live_a == 0);  // each thread released all of its own nodes
  CHECK(live_b == 0);
}

TEST_CASE("threads: backward on another thread than the one that recorded the graph is a GraphError") {
  // Everything happens on fresh threads: their backward-pass counters start at the same value, so a seed gradient
  // left behind by the refused pass (stamped with the other thread's pass number) would be taken for the recording
  // thread's own and doubled.
  bool threw = false, grad_untouched = false;
  std::vector<float> grad;
  std::thread recorder([&] {
    Tensor w = Tensor::from({1.0f, 2.0f}, true);
    Tensor y = (w * w).sum();
    std::thread other([&] {
      try {
        y.backward();
      } catch (const GraphError& e) {
        threw = std::string(e.what()).find("another thread") != std::string::npos;
      }
    });
    other.join();
    grad_untouched = !w.grad().defined();  // nothing reached the leaves
    y.backward();                          // the recording thread can still use its graph
    grad = w.grad().to_vector();
  });
  recorder.join();
  CHECK(threw);
  CHECK(grad_untouched);
  REQUIRE(grad.size() == 2);
  CHECK(grad[0] == 2.0f);  // not 4: the seed of the refused pass was not added to this one
  CHECK(grad[1] == 4.0f);
}

TEST_CASE("threads: NoGradGuard and AnomalyGuard on one thread leave the other thread's modes alone") {
  // The main thread turns both modes around while the other thread checks its own defaults and records a node.
  NoGradGuard no_grad;
  AnomalyGuard anomaly;
  REQUIRE_FALSE(grad_enabled());
  REQUIRE(anomaly_enabled());

  bool grad_on = false, anomaly_off = false, recorded = false, nan_passed = false;
  std::thread other([&] {
    grad_on = grad_enabled();
    anomaly_off = !anomaly_enabled();
    Tensor w = Tensor::from({-1.0f}, true);
    recorded = (w * 2.0f).requires_grad();
    nan_passed = std::isnan(log(w).item());  // a recorded NaN, and no AnomalyError without anomaly mode
    {
      NoGradGuard inner;  // and the other way round: this thread's guard does not touch the main thread
      AnomalyGuard off(false);
    }
  });
  other.join();
  CHECK(grad_on);
  CHECK(anomaly_off);
  CHECK(recorded);
  CHECK(nan_passed);
  CHECK_FALSE(grad_enabled());
  CHECK(anomaly_enabled());
}

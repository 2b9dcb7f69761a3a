// Recording is per thread: the tape, grad mode, anomaly mode and the random generator belong to the thread that
// uses them, so two threads can train two models at once. These tests also run under ThreadSanitizer
// (scripts/test-sanitize.sh), which checks that nothing is shared between the threads without synchronisation.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <cstddef>
#include <string>
#include <thread>
#include <vector>

#include "autodiff/autodiff.h"
#include "autodiff/blas.h"
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

// ---- Biased reference counting (autodiff/ref.h): references taken and dropped on different threads ---------------
namespace {

// Counts its own destruction (the tests check "freed exactly once, and only when the last reference is gone").
struct Probe : RefCounted {
  explicit Probe(std::atomic<int>& destroyed) : destroyed_(destroyed) {}
  ~Probe() override { destroyed_.fetch_add(1); }
  std::atomic<int>& destroyed_;
};

}  // namespace

TEST_CASE("refcount: an object made on one thread and dropped on another after its maker exited is freed once") {
  std::atomic<int> destroyed{0};
  Ref<Probe> moved;
  std::thread maker([&] {
    Ref<Probe> p = Ref<Probe>::adopt_new(new Probe(destroyed));
    Ref<Probe> copy = p;  // two references counted by the owner, without atomics
    moved = std::move(p);
  });
  maker.join();
  CHECK(destroyed == 0);
  moved.reset();  // the owner has exited: this thread merges the object itself
  CHECK(destroyed == 1);
}

TEST_CASE("refcount: a reference dropped on another thread while the maker lives is freed at the maker's next object") {
  std::atomic<int> destroyed{0};
  Ref<Probe> p = Ref<Probe>::adopt_new(new Probe(destroyed));
  std::thread other([q = std::move(p)]() mutable { q.reset(); });  // the owner's count is now matched by -1 there
  other.join();
  CHECK(destroyed == 0);                                          // queued to its owner (this thread) for merging
  Ref<Probe> next = Ref<Probe>::adopt_new(new Probe(destroyed));  // a safe point: the owner merges its queue
  CHECK(destroyed == 1);
  next.reset();
  CHECK(destroyed == 2);
}

TEST_CASE("refcount: many threads copying and dropping one shared tensor leave it alive, then free it once") {
  std::atomic<int> destroyed{0};
  Ref<Probe> shared = Ref<Probe>::adopt_new(new Probe(destroyed));
  Tensor values = Tensor::ones({16});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      float sum = 0;
      for (int i = 0; i < 2000; ++i) {
        Ref<Probe> mine = shared;  // non-owner: atomic count
        Tensor v = values;         // a tensor handle shared with the main thread
        sum += v.data()[(i + t) % 16];
      }
      CHECK(sum == 2000);
    });
  for (int i = 0; i < 2000; ++i) {  // meanwhile the owner copies and drops its own references
    Ref<Probe> mine = shared;
    Tensor v = values;
  }
  for (auto& th : threads) th.join();
  CHECK(destroyed == 0);
  shared.reset();
  CHECK(destroyed == 1);
}

TEST_CASE("refcount: tensors made by a worker thread and handed back keep their values and are freed") {
  std::vector<Tensor> results(3);
  std::vector<std::thread> workers;
  for (int t = 0; t < 3; ++t)
    workers.emplace_back([&results, t] {
      Tensor x = Tensor::full({4}, float(t), true);
      results[t] = (x * 2.0f).detach();  // made on the worker, owned by it, kept by the main thread
    });
  for (auto& w : workers) w.join();
  for (int t = 0; t < 3; ++t) CHECK(results[t].to_vector() == std::vector<float>(4, 2.0f * t));
  results.clear();  // dropped here after the workers exited: no leak (LeakSanitizer checks this in CI)
}

TEST_CASE("threads: conv2d split over worker threads, called from two threads at once, matches one thread") {
  // Each call of conv2d (forward and backward) splits its images over the library's workers; two user threads
  // doing so at the same time take turns, and the BLAS thread count is restored afterwards.
  const int saved = blas::num_threads();
  auto run = [](unsigned long long seed) {
    manual_seed(seed);
    Tensor x = Tensor::randn({6, 4, 10, 9}, true);
    Tensor w = Tensor::randn({8, 4, 3, 3}, true);
    Tensor y = max_pool2d(relu(conv2d(x, w, Tensor{}, 1, 1)), 2);
    sum(y * y).backward();
    std::vector<float> all(x.grad().data(), x.grad().data() + x.numel());
    all.insert(all.end(), w.grad().data(), w.grad().data() + w.numel());
    return all;
  };
  blas::set_num_threads(1);
  const std::vector<float> want1 = run(11), want2 = run(12);
  blas::set_num_threads(2);
  std::vector<float> got1, got2;
  std::thread t1([&] { got1 = run(11); });
  std::thread t2([&] { got2 = run(12); });
  t1.join();
  t2.join();
  CHECK(blas::num_threads() == 2);
  blas::set_num_threads(saved);
  REQUIRE(got1.size() == want1.size());
  for (std::size_t i = 0; i < want1.size(); ++i) {
    CHECK(got1[i] == doctest::Approx(want1[i]).epsilon(1e-4));
    CHECK(got2[i] == doctest::Approx(want2[i]).epsilon(1e-4));
  }
}

// The tape's semantics: accumulation, graph release, retain_graph, no_grad, detach, leaves, deep graphs, threads.
#include <doctest/doctest.h>

#include <algorithm>
#include <thread>

#include "autodiff/autodiff.h"
#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/dropout.h"
#include "nn/linear.h"
#include "nn/loss.h"
#include "nn/sequential.h"
#include "optim/adam.h"

using namespace ad;

TEST_CASE("tape: a tensor used twice receives the sum of both gradient contributions") {
  TensorD x = TensorD::from({1.0, -2.0, 3.0}, true);
  TensorD y = (x * x + x).sum();  // dy/dx = 2x + 1
  y.backward();
  CHECK(x.grad().to_vector() == std::vector<double>{3.0, -3.0, 7.0});
}

TEST_CASE("tape: leaf gradients accumulate across backward calls until zero_grad") {
  TensorD x = TensorD::from({2.0}, true);
  (x * 3.0).sum().backward();
  (x * 3.0).sum().backward();
  CHECK(x.grad().item() == 6.0);
  x.zero_grad();
  CHECK(x.grad().item() == 0.0);
  (x * x).sum().backward();
  CHECK(x.grad().item() == 4.0);
  x.zero_grad(/*set_to_none=*/true);
  CHECK_FALSE(x.grad().defined());
}

TEST_CASE("tape: the graph is released after backward, a second backward is a clear error") {
  TensorD x = TensorD::from({1.0, 2.0}, true);
  TensorD y = exp(x).sum();
  y.backward();
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("second time"), GraphError);
  // The advice is C++ (backward(/*retain_graph=*/true)), not Python's keyword syntax.
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("call backward(/*retain_graph=*/true)"), GraphError);
  try {
    y.backward();
  } catch (const GraphError& e) {
    CHECK(std::string(e.what()).find("retain_graph=true") == std::string::npos);
  }
}

TEST_CASE("tape: backward of a tensor computed without gradients says why, in C++ terms") {
  TensorD x = TensorD::from({1.0, 2.0}, true);
  TensorD y;
  {
    NoGradGuard g;
    y = (x * x).sum();
  }
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("computed while a NoGradGuard was active"), GraphError);
}

TEST_CASE("tape: retain_graph keeps the graph for another backward, which accumulates again") {
  TensorD x = TensorD::from({0.5}, true);
  TensorD y = (x * x * x).sum();  // dy/dx = 3x^2 = 0.75
  y.backward(/*retain_graph=*/true);
  y.backward();
  CHECK(x.grad().item() == doctest::Approx(1.5));
  CHECK_THROWS_AS(y.backward(), GraphError);
}

TEST_CASE("tape: backward of a non-scalar needs an explicit seed of its shape") {
  TensorD x = TensorD::from({1.0, 2.0, 3.0}, true);
  TensorD y = x * 2.0;
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("shape [3]"), GraphError);
  CHECK_THROWS_WITH_AS(y.backward(TensorD::ones({2})), doctest::Contains("[2]"), ShapeError);
  y.backward(TensorD::from({1.0, 10.0, 100.0}));
  CHECK(x.grad().to_vector() == std::vector<double>{2.0, 20.0, 200.0});
}

TEST_CASE("tape: backward of a tensor that does not require grad is a clear error") {
  TensorD c = TensorD::ones({2});
  CHECK_THROWS_WITH_AS(c.sum().backward(), doctest::Contains("does not require grad"), GraphError);
}

TEST_CASE("tape: requires_grad propagates from any input, constants and no_grad results record nothing") {
  TensorD a = TensorD::ones({2}, true), c = TensorD::ones({2});
  const std::size_t before = live_nodes();
  TensorD y = a + c;
  CHECK(y.requires_grad());
  CHECK_FALSE(y.is_leaf());
  CHECK(y.grad_fn_name() == "add");
  CHECK(live_nodes() == before + 1);
  TensorD k = c * c;
  CHECK_FALSE(k.requires_grad());
  CHECK(k.is_leaf());
  {
    NoGradGuard g;
    TensorD z = a * 2.0;
    CHECK_FALSE(z.requires_grad());
    CHECK(live_nodes() == before + 1);
    { NoGradGuard nested; }
    CHECK_FALSE(grad_enabled());
  }
  CHECK(grad_enabled());
}

TEST_CASE("tape: non-leaf gradients are freed unless retain_grad() was called") {
  TensorD x = TensorD::from({1.0, 2.0}, true);
  TensorD h = x * 3.0;
  TensorD k = x * 5.0;
  k.retain_grad();
  (h * k).sum().backward();
  CHECK_FALSE(h.grad().defined());
  CHECK(k.grad().to_vector() == std::vector<double>{3.0, 6.0});    // d(h k)/dk = h
  CHECK(x.grad().to_vector() == std::vector<double>{30.0, 60.0});  // d(15 x^2)/dx = 30 x
}

TEST_CASE("tape: detach shares values but cuts the graph") {
  TensorD x = TensorD::from({2.0}, true);
  TensorD d = x.detach();
  CHECK_FALSE(d.requires_grad());
  CHECK(d.data() == x.data());
  TensorD y = (x * d).sum();  // d treated as a constant: dy/dx = d = 2
  y.backward();
  CHECK(x.grad().item() == 2.0);
}

TEST_CASE("tape: requires_grad_ applies to leaves only") {
  TensorD x = TensorD::ones({2});
  x.requires_grad_();
  CHECK(x.requires_grad());
  TensorD y = x * 2.0;
  CHECK_THROWS_AS(y.requires_grad_(false), GraphError);
}

TEST_CASE("tape: a 1,000,000-op chain back-propagates and is destroyed without recursion") {
  Tensor x = Tensor::from({1.0f, 2.0f}, true);
  const std::size_t before = live_nodes();
  Tensor y = x;
  for (int i = 0; i < 1000000; ++i) y = y * 1.0f;
  CHECK(live_nodes() == before + 1000000);
  y.sum().backward();
  CHECK(x.grad().to_vector() == std::vector<float>{1.0f, 1.0f});
  CHECK(live_nodes() == before + 1);  // only y's own (released) node: y still owns it
  y = Tensor();
  CHECK(live_nodes() == before);

  // An unreleased chain (no backward) is also destroyed iteratively.
  Tensor z = x;
  for (int i = 0; i < 1000000; ++i) z = z + 0.0f;
  z = Tensor();
  CHECK(live_nodes() == before);
}

TEST_CASE("tape: the live-node count returns to its starting value once graphs are released or dropped") {
  const std::size_t before = live_nodes();
  {
    TensorD w = TensorD::randn({3, 3}, true);
    for (int step = 0; step < 5; ++step) {
      TensorD loss = tanh(matmul(TensorD::randn({4, 3}), w)).pow(2.0).mean();
      loss.backward();
    }
    TensorD unused = exp(w).sum();  // recorded but never differentiated
  }
  CHECK(live_nodes() == before);
}

namespace {
// The live-node tests below run on a fresh thread: its tape starts empty whatever other tests left on the main
// thread's, so they can assert the count returns to exactly zero.
template <class F>
std::size_t live_nodes_after_on_new_thread(F body) {
  std::size_t live = 1;
  std::thread t([&] {
    body();
    live = live_nodes();
  });
  t.join();
  return live;
}
}  // namespace

TEST_CASE("tape: no node is left alive after backward and after dropping a graph that was never differentiated") {
  CHECK(live_nodes_after_on_new_thread([] {
          TensorD w = TensorD::randn({3, 3}, true);
          {
            TensorD loss = tanh(matmul(TensorD::randn({4, 3}), w)).pow(2.0).mean();
            loss.backward();
            CHECK(live_nodes() == 1);  // only the released node that `loss` itself still owns
          }
          CHECK(live_nodes() == 0);
          { TensorD unused = exp(w * 2.0).sum(); }  // recorded, never differentiated, dropped
        }) == 0);
}

TEST_CASE("tape: no node is left alive after retain_graph and a second backward") {
  CHECK(live_nodes_after_on_new_thread([] {
          TensorD x = TensorD::randn({5}, true);
          TensorD y = (sin(x) * x).sum();
          const std::size_t recorded = live_nodes();
          y.backward(/*retain_graph=*/true);
          CHECK(live_nodes() == recorded);  // the graph is kept for the second pass
          y.backward();
          CHECK(live_nodes() == 1);  // released: only y's own node, which y still owns
        }) == 0);
}

TEST_CASE("tape: no node is left alive after an exception thrown in the middle of a forward pass") {
  CHECK(live_nodes_after_on_new_thread([] {
          TensorD w = TensorD::randn({3, 3}, true);
          // A shape error after some ops were recorded.
          CHECK_THROWS_AS(tanh(matmul(TensorD::randn({4, 3}), w)) + TensorD::ones({2, 3}), ShapeError);
          // An anomaly (NaN from log) thrown by an op whose inputs are recorded nodes.
          AnomalyGuard anomaly;
          CHECK_THROWS_AS(log(w.sum() * 0.0 - 1.0), AnomalyError);
        }) == 0);
}

TEST_CASE("tape: no node is left alive after each full training step of a model with Adam") {
  std::size_t most_between_steps = 0;
  CHECK(live_nodes_after_on_new_thread([&] {
          manual_seed(3);
          auto model =
              nn::Sequential(nn::Linear(4, 8), nn::BatchNorm1d(8), nn::ReLU(), nn::Dropout(0.2), nn::Linear(8, 3));
          optim::Adam opt(model.parameters(), optim::AdamOptions(0.01));
          const Tensor x = Tensor::randn({16, 4});
          const std::vector<std::size_t> labels = {0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0};
          for (int step = 0; step < 5; ++step) {
            {
              Tensor loss = nn::cross_entropy(model(x), labels);
              opt.zero_grad();
              loss.backward();
              opt.step();
            }
            // Nothing may survive a step (e.g. running statistics or optimizer state chained to the last graph).
            most_between_steps = std::max(most_between_steps, live_nodes());
          }
        }) == 0);
  CHECK(most_between_steps == 0);
}

TEST_CASE("tape: modifying a saved tensor in place before backward is detected") {
  TensorD w = TensorD::from({1.0, 2.0}, true);
  TensorD x = TensorD::from({3.0, 4.0});
  TensorD y = (w * x).sum();
  x.mutable_data()[0] = 5.0;  // the gradient w.r.t. w would silently use 5 instead of 3
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("modified in place"), GraphError);
}

TEST_CASE("tape: each thread records its own graphs, two threads give the same results as one") {
  auto train = [](unsigned long long seed) {
    manual_seed(seed);
    TensorD w = TensorD::randn({4, 3}, true);
    TensorD x = TensorD::randn({8, 4});
    for (int step = 0; step < 50; ++step) {
      TensorD loss = tanh(matmul(x, w)).pow(2.0).mean();
      w.zero_grad();
      loss.backward();
      NoGradGuard g;
      double* p = w.mutable_data();
      for (std::size_t i = 0; i < w.numel(); ++i) p[i] -= 0.1 * w.grad().data()[i];
    }
    return w.to_vector();
  };
  const std::vector<double> a = train(1), b = train(2);
  std::vector<double> ta, tb;
  std::thread t1([&] { ta = train(1); });
  std::thread t2([&] { tb = train(2); });
  t1.join();
  t2.join();
  CHECK(ta == a);
  CHECK(tb == b);
  CHECK(a != b);
}

TEST_CASE("tape: repeated training steps reuse pooled buffers instead of allocating") {
  TensorD w = TensorD::randn({64, 64}, true);
  TensorD x = TensorD::randn({32, 64});
  auto step = [&] {
    TensorD loss = relu(matmul(x, w)).mean();
    w.zero_grad();
    loss.backward();
  };
  for (int i = 0; i < 3; ++i) step();
  const std::size_t allocs = pool_stats().os_allocations;
  for (int i = 0; i < 20; ++i) step();
  CHECK(pool_stats().os_allocations == allocs);
}

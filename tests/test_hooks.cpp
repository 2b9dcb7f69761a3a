// Gradient hooks (Tensor::register_hook, register_post_accumulate_grad_hook) and module forward hooks, with
// PyTorch's semantics: what the hooks see, what their results change, when they run, and their removal.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "autodiff/autodiff.h"
#include "nn/nn.h"

using namespace ad;

TEST_CASE("hooks: a hook on a non-leaf sees its gradient and its result flows on to the inputs") {
  TensorD x = TensorD::from({1, 2}, true);
  TensorD y = x * 2.0;
  std::vector<double> seen;
  y.register_hook([&](const TensorD& g) {
    seen = g.to_vector();
    return g * 3.0;
  });
  (y * TensorD::from({1, 10})).sum().backward();
  CHECK(seen == std::vector<double>{1, 10});
  CHECK(x.grad().to_vector() == std::vector<double>{6, 60});
}

TEST_CASE("hooks: several hooks run in registration order, each on the previous one's result") {
  TensorD x = TensorD::from({1}, true);
  TensorD y = x * 1.0;
  y.register_hook([](const TensorD& g) { return g * 2.0; });
  y.register_hook([](const TensorD& g) { return g + 1.0; });
  y.register_hook([](const TensorD&) { return TensorD(); });  // undefined: keeps the gradient
  y.sum().backward();
  CHECK(x.grad().item() == 3);  // (1 * 2) + 1
}

TEST_CASE("hooks: retain_grad keeps the gradient as the hooks left it (PyTorch 2 semantics)") {
  TensorD x = TensorD::from({1, 1}, true);
  TensorD y = x * 5.0;
  y.retain_grad();
  y.register_hook([](const TensorD& g) { return g * 0.5; });
  y.sum().backward();
  CHECK(y.grad().to_vector() == std::vector<double>{0.5, 0.5});
  CHECK(x.grad().to_vector() == std::vector<double>{2.5, 2.5});
}

TEST_CASE("hooks: a leaf's hook sees the whole gradient of the pass, once, before it is accumulated") {
  TensorD x = TensorD::from({3}, true);
  std::vector<double> seen;
  x.register_hook([&](const TensorD& g) {
    seen.push_back(g.item());
    return g * 10.0;
  });
  (x * x + x).backward();  // d/dx = 2x + 1 = 7, from two uses of x
  CHECK(seen == std::vector<double>{7});
  CHECK(x.grad().item() == 70);
  (x * 2.0).backward();  // a second pass: the hook sees 2 (not the accumulated 72), .grad accumulates its result
  CHECK(seen == std::vector<double>{7, 2});
  CHECK(x.grad().item() == 90);
}

TEST_CASE("hooks: a hook runs on every pass through its tensor, and not after remove()") {
  TensorD x = TensorD::from({1}, true);
  TensorD y = x * 2.0;
  int calls = 0;
  RemovableHandle h = y.register_hook([&](const TensorD& g) {
    ++calls;
    return g;
  });
  TensorD z = y * 3.0;
  z.backward(/*retain_graph=*/true);
  z.backward(/*retain_graph=*/true);
  CHECK(calls == 2);
  h.remove();
  z.backward();
  CHECK(calls == 2);
}

TEST_CASE("hooks: a hook may remove itself while it runs") {
  TensorD x = TensorD::from({1}, true);
  TensorD y = x * 2.0;
  int calls = 0;
  RemovableHandle h;
  h = y.register_hook([&](const TensorD& g) {
    ++calls;
    h.remove();
    return g;
  });
  TensorD z = y.sum();
  z.backward(true);
  z.backward();
  CHECK(calls == 1);
}

TEST_CASE("hooks: a post-accumulate hook runs once per pass, after the leaf's gradient is complete in grad()") {
  TensorD w = TensorD::from({2}, true);
  std::vector<double> seen;
  w.register_post_accumulate_grad_hook([&](const TensorD& p) { seen.push_back(p.grad().item()); });
  (w * w + w * 3.0).backward();  // two contributions: 2w + 3 = 7
  CHECK(seen == std::vector<double>{7});
  (w * 1.0).backward();
  CHECK(seen == std::vector<double>{7, 8});  // accumulated: 7 + 1
}

TEST_CASE("hooks: post-accumulate hooks fire as each parameter's gradient is final, last layer first") {
  // The basis of overlapping gradient communication with backward (data-parallel training): when the hook of the
  // last layer's weight runs, the first layer's backward has not run yet.
  manual_seed(1);
  auto model = nn::Sequential(nn::Linear<double>(3, 4), nn::Tanh<double>(), nn::Linear<double>(4, 2));
  std::vector<std::string> order;
  bool first_layer_done_when_last_fired = true;
  std::vector<RemovableHandle> handles;
  for (auto& [name, p] : model.named_parameters()) {
    handles.push_back(p.register_post_accumulate_grad_hook([&, name = name](const TensorD&) {
      order.push_back(name);
      if (name == "2.weight") first_layer_done_when_last_fired = model.named_parameters()[0].second.grad().defined();
    }));
  }
  TensorD x = TensorD::randn({5, 3});
  model(x).sum().backward();
  CHECK(order == std::vector<std::string>{"2.weight", "2.bias", "0.weight", "0.bias"});
  CHECK_FALSE(first_layer_done_when_last_fired);
  for (auto& h : handles) h.remove();
  order.clear();
  model.zero_grad();
  model(x).sum().backward();
  CHECK(order.empty());
}

TEST_CASE("hooks: a post-accumulate hook does not run in a pass that does not reach its leaf") {
  TensorD a = TensorD::from({1}, true), b = TensorD::from({2}, true);
  int calls = 0;
  a.register_post_accumulate_grad_hook([&](const TensorD&) { ++calls; });
  TensorD ya = a * 2.0, yb = b * 2.0;
  yb.backward();
  CHECK(calls == 0);
  CHECK_FALSE(a.grad().defined());
  ya.backward();
  CHECK(calls == 1);
}

TEST_CASE("hooks: a leaf that is itself the root of backward runs its hooks") {
  TensorD x = TensorD::from({4}, true);
  int post = 0;
  x.register_hook([](const TensorD& g) { return g * 2.0; });
  x.register_post_accumulate_grad_hook([&](const TensorD&) { ++post; });
  x.backward();
  CHECK(x.grad().item() == 2);
  CHECK(post == 1);
}

TEST_CASE("hooks: gradients of tensors without hooks are the same with hooked leaves in the graph") {
  manual_seed(7);
  TensorD a = TensorD::randn({3}, true), b = TensorD::randn({3}, true);
  auto loss = [&] { return (exp(a) * b + a * a).sum(); };
  loss().backward();
  const auto ga = a.grad().to_vector(), gb = b.grad().to_vector();
  a.zero_grad(true);
  b.zero_grad(true);
  b.register_post_accumulate_grad_hook([](const TensorD&) {});
  loss().backward();
  CHECK(a.grad().to_vector() == ga);
  CHECK(b.grad().to_vector() == gb);
}

// ---- Module hooks -----------------------------------------------------------------------------------------------

TEST_CASE("module hooks: a pre-hook may replace the input and a hook the output, in registration order") {
  nn::Linear<double> layer(2, 1);
  layer.weight.fill_(1);
  layer.bias.fill_(0);
  std::vector<std::string> calls;
  layer.register_forward_pre_hook([&](nn::Module<double>& m, const TensorD& in) {
    calls.push_back("pre " + m.name());
    return in * 2.0;
  });
  layer.register_forward_hook([&](nn::Module<double>&, const TensorD& in, const TensorD& out) {
    calls.push_back("post, input " + std::to_string(int(in.sum().item())));
    return out + 1.0;
  });
  layer.register_forward_hook([&](nn::Module<double>&, const TensorD&, const TensorD&) {
    calls.push_back("post 2");
    return TensorD();
  });
  TensorD y = layer(TensorD::from({1, 2}, {1, 2}));
  CHECK(y.item() == 7);  // (1 + 2) * 2 + 1
  CHECK(calls == std::vector<std::string>{"pre Linear", "post, input 6", "post 2"});
}

TEST_CASE("module hooks: layers inside a Sequential run their hooks, and remove() stops them, also after a move") {
  auto model = nn::Sequential(nn::Linear(2, 3), nn::ReLU(), nn::Linear(3, 1));
  std::vector<Shape> shapes;
  RemovableHandle h = model[1]->register_forward_hook([&](nn::Module<float>&, const Tensor&, const Tensor& out) {
    shapes.push_back(out.shape());
    return Tensor();
  });
  model(Tensor::ones({4, 2}));
  CHECK(shapes == std::vector<Shape>{Shape{4, 3}});
  nn::Sequential<float> moved = std::move(model);
  moved(Tensor::ones({5, 2}));
  CHECK(shapes.size() == 2);
  h.remove();
  moved(Tensor::ones({5, 2}));
  CHECK(shapes.size() == 2);
}

TEST_CASE("module hooks: a forward hook's output is what backward differentiates") {
  nn::Linear<double> layer(3, 2);
  layer.register_forward_hook([](nn::Module<double>&, const TensorD&, const TensorD& out) { return out * 2.0; });
  TensorD x = TensorD::ones({1, 3}, true);
  layer(x).sum().backward();
  const TensorD w = layer.weight;  // (in, out): d/dx_i = 2 sum_j w_ij
  for (std::size_t i = 0; i < 3; ++i) CHECK(x.grad().at({0, i}) == doctest::Approx(2 * (w.at({i, 0}) + w.at({i, 1}))));
}

TEST_CASE("nn: Lambda makes a module of any tensor function, usable in a Sequential") {
  auto model =
      nn::Sequential(nn::Linear<double>(2, 2), nn::Lambda<double>([](const TensorD& x) { return x * x; }, "square"));
  CHECK(model.str().find("Lambda(square)") != std::string::npos);
  CHECK(model.num_parameters() == 6);
  TensorD x = TensorD::randn({3, 2}, true);
  auto r = gradcheck<double>([&](const std::vector<TensorD>& v) { return model(v[0]); }, {x});
  CHECK_MESSAGE(r.ok, r.report);
}

TEST_CASE("nn: SiLU and GELU modules equal their functions, and GELU takes PyTorch's approximate names") {
  TensorD x = TensorD::from({-2, -0.5, 0, 0.7, 3});
  nn::SiLU<double> silu_m;
  nn::GELU<double> gelu_m, gelu_t("tanh");
  CHECK(silu_m(x).to_vector() == silu(x).to_vector());
  CHECK(gelu_m(x).to_vector() == gelu(x).to_vector());
  CHECK(gelu_t(x).to_vector() == gelu_tanh(x).to_vector());
  CHECK(gelu_t.str() == "GELU(approximate='tanh')");
  // PyTorch 1.13: F.silu / F.gelu / F.gelu(approximate='tanh') at 0.7, float64.
  CHECK(silu(x).at({3}) == doctest::Approx(0.46773144051771626).epsilon(1e-14));
  CHECK(gelu(x).at({3}) == doctest::Approx(0.5306254434438489).epsilon(1e-14));
  CHECK(gelu_tanh(x).at({3}) == doctest::Approx(0.5305701347051167).epsilon(1e-14));
  CHECK_THROWS_AS(nn::GELU<double>("erf"), ValueError);
}

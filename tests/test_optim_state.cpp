// Optimizer state dicts: a restored optimizer continues bit for bit, and a wrong dict is refused with nothing changed.
#include <doctest/doctest.h>

#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "autodiff/autodiff.h"
#include "optim/optim.h"

using namespace ad;

namespace {

template <class T>
using MakeOptimizer = std::function<std::unique_ptr<optim::Optimizer<T>>(std::vector<TensorT<T>>)>;

template <class T>
struct Named {
  std::string name;
  MakeOptimizer<T> make;
};

template <class Opt, class T, class Options>
MakeOptimizer<T> make(Options options) {
  return [options](std::vector<TensorT<T>> params) { return std::make_unique<Opt>(std::move(params), options); };
}

// Every optimizer, and every option that adds state, each with a rate that moves the parameters visibly.
template <class T>
std::vector<Named<T>> all_optimizers() {
  using namespace optim;
  return {
      {"SGD", make<SGD<T>, T>(SGDOptions(0.05).weight_decay(0.01))},
      {"SGD momentum", make<SGD<T>, T>(SGDOptions(0.05).momentum(0.9))},
      {"SGD Nesterov", make<SGD<T>, T>(SGDOptions(0.05).momentum(0.9).nesterov(true))},
      {"SGD convex", make<SGD<T>, T>(SGDOptions(0.05).momentum(0.5).kind(MomentumKind::Convex))},
      {"Adagrad", make<Adagrad<T>, T>(AdagradOptions(0.1).lr_decay(0.01))},
      {"RMSprop", make<RMSprop<T>, T>(RMSpropOptions(0.01))},
      {"RMSprop centered momentum", make<RMSprop<T>, T>(RMSpropOptions(0.01).centered(true).momentum(0.5))},
      {"Adam", make<Adam<T>, T>(AdamOptions(0.05).weight_decay(0.01))},
      {"AdamW", make<AdamW<T>, T>(AdamWOptions(0.05))},
  };
}

// Three parameters: a matrix, a vector, and one the loss never uses (it never gets a gradient).
template <class T>
std::vector<TensorT<T>> make_params() {
  return {TensorT<T>::from({T(0.5), T(-1.0), T(0.25), T(2.0), T(-0.75), T(1.5)}, Shape{2, 3}, true),
          TensorT<T>::from({T(1.0), T(-0.5), T(0.3)}, true), TensorT<T>::from({T(7.0)}, true)};
}

template <class T>
std::vector<TensorT<T>> copy_params(const std::vector<TensorT<T>>& params) {
  std::vector<TensorT<T>> out;
  for (const TensorT<T>& p : params) {
    TensorT<T> c = TensorT<T>::empty(p.shape(), true);
    c.copy_(p);
    out.push_back(c);
  }
  return out;
}

// A smooth non-quadratic loss of the first two parameters.
template <class T>
void train(optim::Optimizer<T>& opt, std::vector<TensorT<T>>& params, int steps) {
  for (int t = 0; t < steps; ++t) {
    opt.zero_grad();
    TensorT<T> h = tanh(matmul(params[0], params[1]));
    (pow(h - T(0.5), T(2)).sum() + (params[1] * params[1]).sum() * T(0.1)).backward();
    opt.step();
  }
}

// NamedTensors copies share storage (tensors are handles): tests that edit a dict edit a deep copy.
template <class T>
NamedTensors<T> deep_copy(const NamedTensors<T>& dict) {
  NamedTensors<T> out;
  for (const auto& [name, t] : dict) {
    TensorT<T> c = TensorT<T>::empty(t.shape());
    c.copy_(t);
    out.emplace_back(name, c);
  }
  return out;
}

template <class T>
bool bitwise_equal(const TensorT<T>& a, const TensorT<T>& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.numel() * sizeof(T)) == 0;
}

template <class T>
bool bitwise_equal(const NamedTensors<T>& a, const NamedTensors<T>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].first != b[i].first || !bitwise_equal(a[i].second, b[i].second)) return false;
  return true;
}

template <class T>
TensorT<T>& entry(NamedTensors<T>& dict, const std::string& name) {
  for (auto& [n, t] : dict)
    if (n == name) return t;
  FAIL("no entry " << name);
  return dict.front().second;
}

}  // namespace

TEST_CASE_TEMPLATE("optim: state_dict round trip continues the trajectory bit for bit", T, float, double) {
  for (const Named<T>& o : all_optimizers<T>()) {
    CAPTURE(o.name);
    // Run A: 5 steps (with the rate changed by a schedule), save, 5 more steps.
    std::vector<TensorT<T>> a = make_params<T>();
    std::unique_ptr<optim::Optimizer<T>> opt_a = o.make(a);
    optim::ExponentialLR<T> sched_a(*opt_a, 0.9);
    for (int e = 0; e < 5; ++e) {
      train(*opt_a, a, 1);
      sched_a.step();
    }
    const std::vector<TensorT<T>> saved_params = copy_params(a);
    const NamedTensors<T> saved_opt = opt_a->state_dict();
    const NamedTensors<T> saved_sched = sched_a.state_dict();
    for (int e = 0; e < 5; ++e) {
      train(*opt_a, a, 1);
      sched_a.step();
    }

    // Run B: fresh optimizer and scheduler over the saved parameter values, restored, 5 steps.
    std::vector<TensorT<T>> b = copy_params(saved_params);
    std::unique_ptr<optim::Optimizer<T>> opt_b = o.make(b);
    optim::ExponentialLR<T> sched_b(*opt_b, 0.9);
    opt_b->load_state_dict(saved_opt);
    sched_b.load_state_dict(saved_sched);
    CHECK(opt_b->step_count(0) == 5);
    CHECK(opt_b->step_count(2) == 0);  // never had a gradient
    for (int e = 0; e < 5; ++e) {
      train(*opt_b, b, 1);
      sched_b.step();
    }

    for (std::size_t i = 0; i < a.size(); ++i) CHECK(bitwise_equal(a[i], b[i]));
    CHECK(bitwise_equal(opt_a->state_dict(), opt_b->state_dict()));
    CHECK(opt_a->lr() == opt_b->lr());
    // The saved dict is a copy: training on did not change it.
    CHECK_FALSE(bitwise_equal(saved_opt, opt_a->state_dict()));
  }
}

TEST_CASE("optim: state_dict names each parameter's step counter and buffers") {
  std::vector<TensorD> params = make_params<double>();
  optim::Adam<double> opt(params);
  std::vector<std::string> names;
  for (const auto& [name, t] : opt.state_dict()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"lr", "state.0.step", "state.0.exp_avg", "state.0.exp_avg_sq", "state.1.step",
                                          "state.1.exp_avg", "state.1.exp_avg_sq", "state.2.step", "state.2.exp_avg",
                                          "state.2.exp_avg_sq"});
  CHECK(opt.state_dict()[2].second.shape() == Shape{2, 3});

  optim::RMSprop<double> plain(params), full(params, optim::RMSpropOptions().momentum(0.9).centered(true));
  CHECK(plain.state_dict().size() == 1 + 3 * 2);
  CHECK(full.state_dict().size() == 1 + 3 * 4);  // square_avg, momentum_buffer, grad_avg
}

TEST_CASE("optim: step counters and the learning rate survive a float state dict exactly") {
  // Past 2^24 a float cannot count by one; the limb encoding still restores the counter exactly.
  std::vector<Tensor> params = {Tensor::zeros({1}, true)};
  optim::Adam<float> opt(params, 0.1);
  NamedTensors<float> dict = opt.state_dict();
  const std::uint64_t big = (std::uint64_t{1} << 40) + 3;
  float* limbs = entry(dict, "state.0.step").mutable_data();
  for (int i = 0; i < 4; ++i) limbs[i] = static_cast<float>((big >> (16 * i)) & 0xFFFF);
  opt.load_state_dict(dict);
  CHECK(opt.step_count(0) == big);
  CHECK(opt.lr() == 0.1);  // the double 0.1, not float(0.1)
}

TEST_CASE("optim: load_state_dict refuses a wrong dict with a clear message and changes nothing") {
  std::vector<TensorD> params = make_params<double>();
  optim::Adam<double> opt(params, 0.05);
  train(opt, params, 3);
  const NamedTensors<double> good = opt.state_dict();
  auto unchanged = [&] {
    CHECK(bitwise_equal(opt.state_dict(), good));
    CHECK(opt.lr() == 0.05);
  };

  SUBCASE("missing entry") {
    NamedTensors<double> bad = deep_copy(good);
    bad.erase(bad.begin() + 5);
    CHECK_THROWS_WITH_AS(opt.load_state_dict(bad),
                         doctest::Contains("Adam::load_state_dict: missing entry 'state.1.exp_avg'"), ValueError);
  }
  SUBCASE("unexpected entry") {
    NamedTensors<double> bad = deep_copy(good);
    bad.emplace_back("state.3.exp_avg", TensorD::zeros({1}));
    CHECK_THROWS_WITH_AS(opt.load_state_dict(bad), doctest::Contains("unexpected entry 'state.3.exp_avg'"), ValueError);
  }
  SUBCASE("repeated entry") {
    NamedTensors<double> bad = deep_copy(good);
    bad.push_back(bad[2]);
    CHECK_THROWS_WITH_AS(opt.load_state_dict(bad), doctest::Contains("'state.0.exp_avg' appears twice"), ValueError);
  }
  SUBCASE("wrong shape") {
    NamedTensors<double> bad = deep_copy(good);
    entry(bad, "state.0.exp_avg_sq") = TensorD::zeros({3, 2});
    CHECK_THROWS_WITH_AS(opt.load_state_dict(bad),
                         doctest::Contains("'state.0.exp_avg_sq' has shape [3, 2], expected [2, 3]"), ShapeError);
  }
  SUBCASE("undefined tensor") {
    NamedTensors<double> bad = deep_copy(good);
    entry(bad, "state.1.exp_avg") = TensorD();
    CHECK_THROWS_WITH_AS(opt.load_state_dict(bad), doctest::Contains("undefined"), ValueError);
  }
  SUBCASE("a step counter that is not an encoded integer (found after the tensors were matched)") {
    NamedTensors<double> bad = deep_copy(good);
    for (auto& [name, t] : bad)  // make every buffer differ, so a partial write would show
      if (name != "lr" && name.find("step") == std::string::npos) t.fill_(42.0);
    entry(bad, "state.2.step").mutable_data()[1] = 0.5;
    CHECK_THROWS_WITH_AS(opt.load_state_dict(bad), doctest::Contains("'state.2.step' is not an encoded scalar"),
                         ValueError);
  }
  SUBCASE("a negative learning rate") {
    NamedTensors<double> bad = deep_copy(good);
    entry(bad, "lr") = TensorD::from({0.0, 0.0, 0.0, double(0xBFF0)});  // limbs of the bits of -1.0
    CHECK_THROWS_WITH_AS(opt.load_state_dict(bad), doctest::Contains("invalid learning rate -1"), ValueError);
  }
  SUBCASE("another optimizer's state") {
    optim::SGD<double> sgd(params, optim::SGDOptions(0.1).momentum(0.9));
    CHECK_THROWS_WITH_AS(opt.load_state_dict(sgd.state_dict()), doctest::Contains("unexpected entry"), ValueError);
  }
  SUBCASE("parameters of other shapes") {
    std::vector<TensorD> other = {TensorD::zeros({3, 2}, true), TensorD::zeros({3}, true), TensorD::zeros({1}, true)};
    optim::Adam<double> opt2(other);
    CHECK_THROWS_AS(opt2.load_state_dict(good), ShapeError);
  }
  unchanged();
}

TEST_CASE("optim: an optimizer refuses undefined, non-leaf and repeated parameters") {
  TensorD w = TensorD::ones({2}, true);
  CHECK_THROWS_WITH_AS(optim::SGD<double>({w, TensorD()}, 0.1), doctest::Contains("parameter 1 is an undefined"),
                       ValueError);
  CHECK_THROWS_WITH_AS(optim::Adam<double>({w * 2.0}),
                       doctest::Contains("not a leaf tensor (it was produced by 'mul')"), ValueError);
  CHECK_THROWS_WITH_AS(optim::Adagrad<double>({w, w}), doctest::Contains("parameter 1 appears more than once"),
                       ValueError);
  CHECK_THROWS_AS(optim::SGD<double>({w}, 0.1).step_count(1), IndexError);
}

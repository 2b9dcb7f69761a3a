// Optimizer state dicts: a restored optimizer continues bit for bit, and a wrong dict is refused with nothing changed.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <variant>
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
      {"AdagradMomentum", make<AdagradMomentum<T>, T>(AdagradMomentumOptions(0.05).weight_decay(0.01))},
      {"AdagradMomentum without momentum", make<AdagradMomentum<T>, T>(AdagradMomentumOptions(0.1).momentum(0.0))},
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

// StateDict copies share tensor storage (tensors are handles): tests that edit a dict's tensors edit a deep copy.
StateDict deep_copy(const StateDict& dict) {
  StateDict out;
  for (const auto& [name, value] : dict.entries()) {
    StateDict::Value v = value;
    std::visit(
        [](auto& x) {
          using V = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<V, Tensor> || std::is_same_v<V, TensorD>) {
            V c = V::empty(x.shape());
            c.copy_(x);
            x = c;
          }
        },
        v);
    out.set(name, std::move(v));
  }
  return out;
}

template <class T>
bool bitwise_equal(const TensorT<T>& a, const TensorT<T>& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.numel() * sizeof(T)) == 0;
}

// Same names in the same order, each of the same kind and the same bits (a real compares its bits, so -0.0 and NaN
// are told apart from 0.0 and from each other).
bool bitwise_equal(const StateDict::Value& a, const StateDict::Value& b) {
  if (a.index() != b.index()) return false;
  if (const auto* t = std::get_if<Tensor>(&a)) return bitwise_equal(*t, std::get<Tensor>(b));
  if (const auto* t = std::get_if<TensorD>(&a)) return bitwise_equal(*t, std::get<TensorD>(b));
  if (const auto* r = std::get_if<double>(&a)) return std::memcmp(r, &std::get<double>(b), sizeof(double)) == 0;
  if (const auto* i = std::get_if<std::int64_t>(&a)) return *i == std::get<std::int64_t>(b);
  return std::get<std::vector<std::uint64_t>>(a) == std::get<std::vector<std::uint64_t>>(b);
}
bool bitwise_equal(const StateDict& a, const StateDict& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a.entries()[i].first != b.entries()[i].first || !bitwise_equal(a.entries()[i].second, b.entries()[i].second))
      return false;
  return true;
}

// f must throw E with a message containing every one of `parts`.
template <class E, class F>
void check_throws(F f, std::initializer_list<const char*> parts) {
  std::string msg;
  bool thrown = false;
  try {
    f();
  } catch (const E& e) {
    thrown = true;
    msg = e.what();
  }
  REQUIRE(thrown);
  INFO(msg);
  for (const char* part : parts) CHECK(msg.find(part) != std::string::npos);
}

std::vector<std::string> names_of(const StateDict& dict) {
  std::vector<std::string> names;
  for (const auto& [name, v] : dict.entries()) names.push_back(name);
  return names;
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
    const StateDict saved_opt = opt_a->state_dict();
    const StateDict saved_sched = sched_a.state_dict();
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
  CHECK(names_of(opt.state_dict()) == std::vector<std::string>{"lr", "state.0.step", "state.0.exp_avg",
                                                               "state.0.exp_avg_sq", "state.1.step", "state.1.exp_avg",
                                                               "state.1.exp_avg_sq", "state.2.step", "state.2.exp_avg",
                                                               "state.2.exp_avg_sq"});
  CHECK(opt.state_dict().tensor<double>("state.0.exp_avg", "test").shape() == Shape{2, 3});
  CHECK(opt.state_dict().tensor<double>("state.1.exp_avg_sq", "test").shape() == Shape{3});

  optim::RMSprop<double> plain(params), full(params, optim::RMSpropOptions().momentum(0.9).centered(true));
  CHECK(plain.state_dict().size() == 1 + 3 * 2);
  CHECK(full.state_dict().size() == 1 + 3 * 4);  // square_avg, momentum_buffer, grad_avg

  optim::AdagradMomentum<double> am(params), am0(params, optim::AdagradMomentumOptions().momentum(0.0));
  CHECK(names_of(am.state_dict()) == std::vector<std::string>{"lr", "state.0.step", "state.0.sum",
                                                              "state.0.momentum_buffer", "state.1.step", "state.1.sum",
                                                              "state.1.momentum_buffer", "state.2.step", "state.2.sum",
                                                              "state.2.momentum_buffer"});
  CHECK(am0.state_dict().size() == 1 + 3 * 2);  // sum only
}

TEST_CASE_TEMPLATE("optim: the learning rate is a real, step counters are integers, buffers are tensors of T", T, float,
                   double) {
  // The scalars keep their own types whatever T is: a float optimizer's state holds the double learning rate and
  // 64-bit step counts, not float approximations of them.
  std::vector<TensorT<T>> params = make_params<T>();
  optim::Adam<T> opt(params, 0.001);
  train(opt, params, 3);
  const StateDict dict = opt.state_dict();
  for (const auto& [name, value] : dict.entries()) {
    CAPTURE(name);
    if (name == "lr")
      CHECK(std::holds_alternative<double>(value));
    else if (name.size() > 5 && name.compare(name.size() - 5, 5, ".step") == 0)
      CHECK(std::holds_alternative<std::int64_t>(value));
    else
      CHECK(std::holds_alternative<TensorT<T>>(value));
  }
  CHECK(dict.real("lr", "test") == 0.001);  // the double 0.001, not float(0.001)
  CHECK(dict.integer("state.0.step", "test") == 3);
  CHECK(dict.integer("state.1.step", "test") == 3);
  CHECK(dict.integer("state.2.step", "test") == 0);  // never had a gradient
  CHECK(kind_of(dict.at("lr", "test")) == "real");
  CHECK(kind_of(dict.at("state.0.step", "test")) == "integer");
  CHECK(kind_of(dict.at("state.0.exp_avg", "test")) == (sizeof(T) == 4 ? "float32 tensor" : "float64 tensor"));
}

TEST_CASE("optim: step counters and the learning rate are restored exactly, beyond what a float or double counts") {
  // 2^62 + 3 is neither a float nor a double (their 24- and 53-bit significands round it); the integer entry keeps
  // every bit, and the learning rate comes back as the very double that was saved.
  std::vector<Tensor> params = {Tensor::zeros({1}, true), Tensor::zeros({2}, true)};
  optim::Adam<float> opt(params, 0.1);
  StateDict dict = opt.state_dict();
  const std::int64_t big = (std::int64_t{1} << 62) + 3;
  REQUIRE(static_cast<std::int64_t>(static_cast<double>(big)) != big);
  const double lr = std::nextafter(0.1, 1.0);  // not float(0.1), nor 0.1
  dict.set("state.0.step", big);
  dict.set("state.1.step", std::numeric_limits<std::int64_t>::max());
  dict.set("lr", lr);
  opt.load_state_dict(dict);
  CHECK(opt.step_count(0) == static_cast<std::uint64_t>(big));
  CHECK(opt.step_count(1) == static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
  CHECK(opt.lr() == lr);
  const StateDict back = opt.state_dict();
  CHECK(back.integer("state.0.step", "test") == big);
  CHECK(back.real("lr", "test") == lr);
  CHECK(bitwise_equal(back, dict));
}

TEST_CASE("optim: load_state_dict refuses a wrong dict with a clear message and changes nothing") {
  std::vector<TensorD> params = make_params<double>();
  optim::Adam<double> opt(params, 0.05);
  train(opt, params, 3);
  const StateDict good = opt.state_dict();
  // Every buffer of `bad` differs from the optimizer's, so a partial write before the error would show.
  StateDict bad = deep_copy(good);
  for (const auto& [name, value] : bad.entries())
    if (const TensorD* t = std::get_if<TensorD>(&value)) TensorD(*t).fill_(42.0);
  auto unchanged = [&] {
    CHECK(bitwise_equal(opt.state_dict(), good));
    CHECK(opt.lr() == 0.05);
    CHECK(opt.step_count(0) == 3);
  };

  SUBCASE("missing entry") {
    StateDict missing;
    for (const auto& [name, value] : bad.entries())
      if (name != "state.1.exp_avg") missing.set(name, value);
    CHECK_THROWS_WITH_AS(opt.load_state_dict(missing),
                         doctest::Contains("Adam::load_state_dict: missing entry 'state.1.exp_avg'"), ValueError);
  }
  SUBCASE("unexpected entry") {
    bad.set("state.3.exp_avg", TensorD::zeros({1}));
    CHECK_THROWS_WITH_AS(opt.load_state_dict(bad), doctest::Contains("unexpected entry 'state.3.exp_avg'"), ValueError);
  }
  SUBCASE("a name set twice holds its last value: a state dict cannot repeat an entry") {
    const std::size_t n = bad.size();
    bad.set("state.0.exp_avg", TensorD::full({2, 3}, 7.0));
    CHECK(bad.size() == n);
    CHECK(bad.tensor<double>("state.0.exp_avg", "test").to_vector() == std::vector<double>(6, 7.0));
    CHECK(names_of(bad) == names_of(good));  // in place, not appended
  }
  SUBCASE("wrong shape") {
    bad.set("state.0.exp_avg_sq", TensorD::zeros({3, 2}));
    CHECK_THROWS_WITH_AS(opt.load_state_dict(bad),
                         doctest::Contains("'state.0.exp_avg_sq' has shape [3, 2], expected [2, 3]"), ShapeError);
  }
  SUBCASE("undefined tensor") {
    bad.set("state.1.exp_avg", TensorD());
    CHECK_THROWS_WITH_AS(opt.load_state_dict(bad), doctest::Contains("undefined"), ValueError);
  }
  SUBCASE("a buffer of the other precision") {
    bad.set("state.1.exp_avg", Tensor::zeros({3}));
    CHECK_THROWS_WITH_AS(opt.load_state_dict(bad),
                         doctest::Contains("entry 'state.1.exp_avg' is a float32 tensor, expected a float64 tensor"),
                         ValueError);
  }
  SUBCASE("a step counter that is a real") {
    bad.set("state.2.step", 3.0);
    check_throws<ValueError>([&] { opt.load_state_dict(bad); },
                             {"Adam::load_state_dict: entry 'state.2.step' is a real, expected a", "integer"});
  }
  SUBCASE("a step counter that is a tensor (as the old limb encoding stored it)") {
    bad.set("state.0.step", TensorD::from({3.0, 0.0, 0.0, 0.0}));
    check_throws<ValueError>([&] { opt.load_state_dict(bad); },
                             {"entry 'state.0.step' is a float64 tensor, expected a", "integer"});
  }
  SUBCASE("a learning rate that is an integer") {
    bad.set("lr", std::int64_t{1});
    check_throws<ValueError>([&] { opt.load_state_dict(bad); },
                             {"Adam::load_state_dict", "entry 'lr' is a", "integer, expected a real"});
  }
  SUBCASE("a learning rate given as 64-bit words") {
    bad.set("lr", std::vector<std::uint64_t>{0x3FB999999999999Au});
    check_throws<ValueError>([&] { opt.load_state_dict(bad); },
                             {"Adam::load_state_dict", "entry 'lr' is a", "64-bit words", "expected a real"});
  }
  SUBCASE("a negative step counter (found after the kinds and shapes were matched)") {
    bad.set("state.2.step", std::int64_t{-1});
    CHECK_THROWS_WITH_AS(opt.load_state_dict(bad), doctest::Contains("'state.2.step' holds a negative step count -1"),
                         ValueError);
  }
  SUBCASE("a negative learning rate") {
    bad.set("lr", -1.0);
    CHECK_THROWS_WITH_AS(opt.load_state_dict(bad), doctest::Contains("invalid learning rate -1"), ValueError);
  }
  SUBCASE("a NaN or infinite learning rate") {
    bad.set("lr", std::nan(""));
    CHECK_THROWS_WITH_AS(opt.load_state_dict(bad), doctest::Contains("invalid learning rate nan"), ValueError);
    bad.set("lr", std::numeric_limits<double>::infinity());
    CHECK_THROWS_WITH_AS(opt.load_state_dict(bad), doctest::Contains("invalid learning rate inf"), ValueError);
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

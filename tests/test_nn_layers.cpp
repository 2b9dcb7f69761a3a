// Layers: values against hand computations, gradients against finite differences (double precision, random
// shapes including a batch of one), initialiser statistics, Dropout and BatchNorm behaviour in both modes.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <random>
#include <type_traits>
#include <vector>

#include "autodiff/autodiff.h"
#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/dropout.h"
#include "nn/init.h"
#include "nn/linear.h"
#include "nn/residual.h"
#include "nn/sequential.h"

using namespace ad;

namespace {

using Fn = std::function<TensorD(const std::vector<TensorD>&)>;

void check_gradients(const Fn& f, const std::vector<TensorD>& inputs) {
  const GradcheckResult r = gradcheck<double>(f, inputs);
  INFO(r.report);
  CHECK(r.ok);
  CHECK(r.checked > 0);
}

// Batch sizes and widths for the randomised gradient checks; the first case is always a batch of one.
struct Dims {
  std::size_t batch, in, out;
};
std::vector<Dims> random_dims(unsigned seed, int count) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::size_t> b(1, 5), w(1, 5);
  std::vector<Dims> out{{1, w(rng), w(rng)}};
  for (int i = 1; i < count; ++i) out.push_back({b(rng), w(rng), w(rng)});
  return out;
}

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / double(v.size());
}
double std_of(const std::vector<double>& v) {
  const double m = mean_of(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / double(v.size()));
}
template <class T>
std::vector<double> values(const TensorT<T>& t) {
  return std::vector<double>(t.data(), t.data() + t.numel());
}

}  // namespace

// ---- Linear ----------------------------------------------------------------------------------------------------

TEST_CASE("nn: Linear computes x W + b on row vectors") {
  nn::Linear<double> lin(2, 3);
  lin.weight.copy_(TensorD::from({1, 2, 3, 4, 5, 6}, {2, 3}));
  lin.bias.copy_(TensorD::from({0.5, -1, 2}));
  const TensorD x = TensorD::from({1, -1, 2, 0.5}, {2, 2});
  // Row 1: [1, -1] W = [1-4, 2-5, 3-6] = [-3, -3, -3]; row 2: [2, 0.5] W = [2+2, 4+2.5, 6+3] = [4, 6.5, 9].
  CHECK(lin(x).to_vector() == std::vector<double>{-2.5, -4, -1, 4.5, 5.5, 11});
  // A single example as a 1-D row.
  CHECK(lin(TensorD::from({1, -1})).to_vector() == std::vector<double>{-2.5, -4, -1});
  CHECK(lin(TensorD::from({1, -1})).shape() == Shape{3});
}

TEST_CASE("nn: Linear gradients (random shapes, batch 1 included, with and without bias)") {
  manual_seed(11);
  for (const Dims& d : random_dims(101, 5)) {
    CAPTURE(d.batch);
    CAPTURE(d.in);
    CAPTURE(d.out);
    for (bool bias : {true, false}) {
      nn::Linear<double> lin(d.in, d.out, bias);
      const TensorD x = TensorD::randn({d.batch, d.in}, true);
      std::vector<TensorD> inputs{x, lin.weight};
      if (bias) inputs.push_back(lin.bias);
      check_gradients([&](const std::vector<TensorD>& v) { return lin(v[0]); }, inputs);
    }
  }
}

TEST_CASE("nn: Linear default init is U(-1/sqrt(in), 1/sqrt(in)) and reproducible") {
  manual_seed(3);
  nn::Linear<float> a(100, 50);
  manual_seed(3);
  nn::Linear<float> b(100, 50);
  CHECK(a.weight.to_vector() == b.weight.to_vector());
  CHECK(a.bias.to_vector() == b.bias.to_vector());
  const auto w = values(a.weight);
  for (double v : w) REQUIRE(std::fabs(v) <= 0.1);
  CHECK(std_of(w) == doctest::Approx(0.1 / std::sqrt(3.0)).epsilon(0.05));  // U(-a, a) has std a / sqrt(3)
  nn::Linear<float> c(100, 50);                                             // the generator moved on: different values
  CHECK(c.weight.to_vector() != a.weight.to_vector());
}

// ---- Initialisers ------------------------------------------------------------------------------------------------

TEST_CASE("nn: Xavier/Glorot initialisers respect their bound and variance") {
  manual_seed(5);
  const std::size_t in = 300, out = 200;
  TensorT<float> w = Tensor::zeros({in, out});
  nn::init::xavier_uniform_(w);
  const double bound = std::sqrt(6.0 / double(in + out));
  const auto v = values(w);
  double biggest = 0;
  for (double x : v) biggest = std::max(biggest, std::fabs(x));
  CHECK(biggest <= bound);
  CHECK(biggest > 0.99 * bound);  // the whole interval is used
  CHECK(std::fabs(mean_of(v)) < 0.002);
  CHECK(std_of(v) == doctest::Approx(bound / std::sqrt(3.0)).epsilon(0.02));

  nn::init::glorot_normal_(w, /*gain=*/2.0);
  CHECK(std_of(values(w)) == doctest::Approx(2.0 * std::sqrt(2.0 / double(in + out))).epsilon(0.02));
  CHECK_THROWS_AS(nn::init::xavier_uniform_(Tensor::zeros({7})), ValueError);  // fans need rank >= 2
}

TEST_CASE("nn: He/Kaiming initialisers have std sqrt(2 / fan_in)") {
  manual_seed(6);
  const std::size_t in = 400, out = 300;
  TensorT<double> w = TensorD::zeros({in, out});
  nn::init::kaiming_normal_(w);
  CHECK(std::fabs(mean_of(values(w))) < 0.002);
  CHECK(std_of(values(w)) == doctest::Approx(std::sqrt(2.0 / double(in))).epsilon(0.02));

  nn::init::he_uniform_(w);
  const double bound = std::sqrt(6.0 / double(in));
  for (double x : values(w)) REQUIRE(std::fabs(x) <= bound);
  CHECK(std_of(values(w)) == doctest::Approx(std::sqrt(2.0 / double(in))).epsilon(0.02));

  nn::init::kaiming_normal_(w, 0.0, nn::init::FanMode::FanOut);
  CHECK(std_of(values(w)) == doctest::Approx(std::sqrt(2.0 / double(out))).epsilon(0.02));

  CHECK(nn::init::calculate_gain(nn::init::Nonlinearity::Tanh) == doctest::Approx(5.0 / 3.0));
  CHECK(nn::init::calculate_gain(nn::init::Nonlinearity::LeakyReLU, 0.2) == doctest::Approx(std::sqrt(2.0 / 1.04)));
}

TEST_CASE("nn: initialisers are reproducible with the same seed and do not record on the tape") {
  TensorT<float> a = Tensor::zeros({20, 30}, true), b = Tensor::zeros({20, 30}, true);
  manual_seed(42);
  nn::init::normal_(a, 1.0, 0.5);
  nn::init::uniform_(a, -2.0, 3.0);
  manual_seed(42);
  nn::init::normal_(b, 1.0, 0.5);
  nn::init::uniform_(b, -2.0, 3.0);
  CHECK(a.to_vector() == b.to_vector());
  CHECK(a.is_leaf());
  CHECK(a.grad_fn_name().empty());
  for (float x : a.to_vector()) REQUIRE((x >= -2.0f && x <= 3.0f));
  manual_seed(43);
  nn::init::uniform_(b, -2.0, 3.0);
  CHECK(a.to_vector() != b.to_vector());
  nn::init::constant_(a, 0.25);
  for (float x : a.to_vector()) REQUIRE(x == 0.25f);
  CHECK_THROWS_AS(nn::init::uniform_(a, 1.0, 0.0), ValueError);
  CHECK_THROWS_AS(nn::init::normal_(a, 0.0, -1.0), ValueError);
}

// ---- Activations -------------------------------------------------------------------------------------------------

TEST_CASE("nn: activation modules match their functions and differentiate correctly") {
  manual_seed(21);
  std::vector<std::shared_ptr<nn::Module<double>>> acts{
      std::make_shared<nn::Sigmoid<double>>(),  std::make_shared<nn::Tanh<double>>(),
      std::make_shared<nn::ReLU<double>>(),     std::make_shared<nn::LeakyReLU<double>>(0.2),
      std::make_shared<nn::ELU<double>>(0.7),   std::make_shared<nn::Softplus<double>>(2.0),
      std::make_shared<nn::Softmax<double>>(),  std::make_shared<nn::LogSoftmax<double>>(),
      std::make_shared<nn::Identity<double>>(), std::make_shared<nn::Softmax<double>>(0)};
  for (const Dims& d : random_dims(202, 3)) {
    // Values away from the kinks of ReLU / LeakyReLU / ELU at 0, where finite differences straddle two slopes.
    TensorD x = TensorD::randn({d.batch, d.in});
    double* p = x.mutable_data();
    for (std::size_t i = 0; i < x.numel(); ++i)
      if (std::fabs(p[i]) < 0.05) p[i] += 0.1;
    x.requires_grad_(true);
    for (auto& act : acts) {
      CAPTURE(act->describe());
      check_gradients([&](const std::vector<TensorD>& v) { return act->forward(v[0]); }, {x});
    }
  }
  const TensorD x = TensorD::from({-2, -0.5, 0, 0.5, 2}, {1, 5});
  CHECK(nn::Sigmoid<double>()(x).to_vector() == sigmoid(x).to_vector());
  CHECK(nn::Tanh<double>()(x).to_vector() == tanh(x).to_vector());
  CHECK(nn::ReLU<double>()(x).to_vector() == std::vector<double>{0, 0, 0, 0.5, 2});
  CHECK(nn::LeakyReLU<double>(0.1)(x).to_vector() == std::vector<double>{-0.2, -0.05, 0, 0.5, 2});
  CHECK(nn::ELU<double>(1.0)(x).at({0, 0}) == doctest::Approx(std::exp(-2.0) - 1));
  CHECK(nn::Softplus<double>()(x).at({0, 4}) == doctest::Approx(std::log1p(std::exp(2.0))));
  CHECK(sum(nn::Softmax<double>()(x)).item() == doctest::Approx(1.0));
  CHECK(nn::LogSoftmax<double>()(x).to_vector() == log_softmax(x).to_vector());
  CHECK(nn::Identity<double>()(x).to_vector() == x.to_vector());
  CHECK(nn::LeakyReLU<double>(0.1).describe() == "LeakyReLU(negative_slope=0.1)");
}

TEST_CASE("nn: Heaviside is a forward-only step") {
  const TensorD x = TensorD::from({-1.5, 0, 1e-9, 3}, true);
  const TensorD y = nn::Heaviside<double>()(x);
  CHECK(y.to_vector() == std::vector<double>{0, 0, 1, 1});
  CHECK(!y.requires_grad());  // no gradient flows through a step
}

// ---- Dropout -----------------------------------------------------------------------------------------------------

TEST_CASE("nn: Dropout zeroes a fraction p, keeps the scale in expectation, and is the identity in eval") {
  manual_seed(31);
  nn::Dropout<double> drop(0.3);
  const TensorD x = TensorD::ones({200, 100});
  const auto y = values(drop(x));
  std::size_t zeros = 0;
  for (double v : y) {
    if (v == 0)
      ++zeros;
    else
      REQUIRE(v == doctest::Approx(1.0 / 0.7));
  }
  CHECK(double(zeros) / double(y.size()) == doctest::Approx(0.3).epsilon(0.05));
  CHECK(mean_of(y) == doctest::Approx(1.0).epsilon(0.02));  // inverted dropout: E[y] = x

  drop.eval();
  const TensorD z = TensorD::randn({4, 5});
  CHECK(drop(z).to_vector() == z.to_vector());
  drop.train();
  CHECK(nn::Dropout<double>(0.0)(z).to_vector() == z.to_vector());

  CHECK_THROWS_AS(nn::Dropout<float>(1.0), ValueError);
  CHECK_THROWS_AS(nn::Dropout<float>(-0.1), ValueError);
  CHECK_THROWS_AS(nn::Dropout<float>(std::nan("")), ValueError);
  CHECK_THROWS_AS(nn::dropout(z, 1.5), ValueError);
}

TEST_CASE("nn: Dropout gradient is the mask scaled by 1 / (1 - p)") {
  nn::Dropout<double> drop(0.4);
  for (const Dims& d : random_dims(303, 3)) {
    const TensorD x = TensorD::randn({d.batch, d.in}, true);
    // Re-seeding inside f gives the same mask on every call, as gradcheck requires.
    check_gradients(
        [&](const std::vector<TensorD>& v) {
          manual_seed(9);
          return drop(v[0]);
        },
        {x});
  }
  manual_seed(9);
  const TensorD x = TensorD::randn({3, 4}, true);
  const TensorD y = drop(x);
  y.sum().backward();
  const auto g = values(x.grad());
  const auto yv = values(y);
  for (std::size_t i = 0; i < g.size(); ++i) CHECK(g[i] == doctest::Approx(yv[i] == 0 ? 0.0 : 1.0 / 0.6));
}

// ---- BatchNorm1d -------------------------------------------------------------------------------------------------

TEST_CASE("nn: BatchNorm1d normalises a training batch and tracks running statistics") {
  manual_seed(41);
  nn::BatchNorm1d<double> bn(3);
  CHECK(bn.describe() == "BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=true)");
  // Columns with very different means and scales.
  TensorD x = TensorD::randn({64, 3}) * TensorD::from({1.0, 10.0, 0.1}) + TensorD::from({5.0, -3.0, 100.0});
  x = x.detach();
  const TensorD y = bn(x);
  for (std::size_t c = 0; c < 3; ++c) {
    const auto col = values(select(y, 1, c));
    CHECK(std::fabs(mean_of(col)) < 1e-9);
    const auto xc = values(select(x, 1, c));
    const double var = std_of(xc) * std_of(xc);
    CHECK(std_of(col) * std_of(col) == doctest::Approx(var / (var + 1e-5)));  // 1, up to eps
    // running_mean = 0.9 * 0 + 0.1 * mean; running_var = 0.9 * 1 + 0.1 * unbiased variance.
    CHECK(bn.running_mean.at({c}) == doctest::Approx(0.1 * mean_of(xc)));
    CHECK(bn.running_var.at({c}) == doctest::Approx(0.9 + 0.1 * var * 64.0 / 63.0));
  }

  // gamma and beta scale and shift the normalised values.
  bn.weight.copy_(TensorD::from({2.0, 1.0, 1.0}));
  bn.bias.copy_(TensorD::from({0.0, 0.0, -4.0}));
  const TensorD y2 = bn(x);
  CHECK(std_of(values(select(y2, 1, 0))) == doctest::Approx(2.0).epsilon(1e-4));
  CHECK(mean_of(values(select(y2, 1, 2))) == doctest::Approx(-4.0));
}

TEST_CASE("nn: BatchNorm1d uses the running statistics in eval mode") {
  nn::BatchNorm1d<double> bn(2);
  bn.running_mean.copy_(TensorD::from({1.0, -2.0}));
  bn.running_var.copy_(TensorD::from({4.0, 0.25}));
  bn.weight.copy_(TensorD::from({3.0, 1.0}));
  bn.bias.copy_(TensorD::from({0.5, 0.0}));
  bn.eval();
  const TensorD x = TensorD::from({3.0, -1.0}, {1, 2});  // a batch of one is fine in eval mode
  const TensorD y = bn(x);
  CHECK(y.at({0, 0}) == doctest::Approx(3.0 * (3.0 - 1.0) / std::sqrt(4.0 + 1e-5) + 0.5));
  CHECK(y.at({0, 1}) == doctest::Approx((-1.0 + 2.0) / std::sqrt(0.25 + 1e-5)));
  const auto rm = bn.running_mean.to_vector();
  bn(TensorD::randn({8, 2}));
  CHECK(bn.running_mean.to_vector() == rm);  // eval does not update the statistics
}

TEST_CASE("nn: BatchNorm1d gradients through the batch statistics and in eval mode") {
  manual_seed(42);
  for (const Dims& d : random_dims(404, 4)) {
    const std::size_t batch = d.batch + 1;  // training needs two rows or more
    nn::BatchNorm1d<double> bn(d.in);
    nn::init::normal_(bn.weight, 1.0, 0.5);
    nn::init::normal_(bn.bias, 0.0, 0.5);
    const TensorD x = TensorD::randn({batch, d.in}, true);
    check_gradients([&](const std::vector<TensorD>& v) { return bn(v[0]); }, {x, bn.weight, bn.bias});

    bn.eval();
    const TensorD x1 = TensorD::randn({d.batch, d.in}, true);  // batch 1 in the first round
    check_gradients([&](const std::vector<TensorD>& v) { return bn(v[0]); }, {x1, bn.weight, bn.bias});
  }
}

TEST_CASE("nn: BatchNorm1d rejects a batch of one in training and wrong shapes") {
  nn::BatchNorm1d<float> bn(3);
  CHECK_THROWS_AS(bn(Tensor::randn({1, 3})), ValueError);
  CHECK_THROWS_AS(bn(Tensor::randn({4, 2})), ShapeError);
  CHECK_THROWS_AS(bn(Tensor::randn({3})), ShapeError);
  nn::BatchNorm1d<float> plain(3, 1e-5, 0.1, /*affine=*/false);
  CHECK(plain.num_parameters() == 0);
  CHECK(plain.named_buffers().size() == 2);
}

// ---- Residual ----------------------------------------------------------------------------------------------------

TEST_CASE("nn: Residual computes x + h tanh(x W + b)") {
  nn::Residual<double> res(2, 0.1);
  res.weight.copy_(TensorD::from({1, 0, 0, -1}, {2, 2}));
  res.bias.copy_(TensorD::from({0.5, 0}));
  const TensorD x = TensorD::from({1.0, 2.0}, {1, 2});
  const TensorD y = res(x);
  CHECK(y.at({0, 0}) == doctest::Approx(1.0 + 0.1 * std::tanh(1.5)));
  CHECK(y.at({0, 1}) == doctest::Approx(2.0 + 0.1 * std::tanh(-2.0)));
  CHECK(res.str() == "Residual(features=2, h=0.1\n  (act): Tanh()\n)");

  auto relu_block = nn::Residual(3, 0.5, std::make_shared<nn::ReLU<double>>());
  static_assert(std::is_same_v<decltype(relu_block), nn::Residual<double>>);
  auto default_block = nn::Residual(3);
  static_assert(std::is_same_v<decltype(default_block), nn::Residual<float>>);
  CHECK_THROWS_AS(default_block(Tensor::randn({2, 4})), ShapeError);
}

TEST_CASE("nn: Residual gradients (random shapes, batch 1 included)") {
  manual_seed(51);
  for (const Dims& d : random_dims(505, 4)) {
    nn::Residual<double> res(d.in, 0.3);
    const TensorD x = TensorD::randn({d.batch, d.in}, true);
    check_gradients([&](const std::vector<TensorD>& v) { return res(v[0]); }, {x, res.weight, res.bias});
  }
  // A deep stack of residual blocks stays trainable: the identity path carries the gradient.
  auto deep = nn::Sequential(nn::Residual<double>(3, 0.2), nn::Residual<double>(3, 0.2), nn::Residual<double>(3, 0.2));
  const TensorD x = TensorD::randn({2, 3}, true);
  std::vector<TensorD> inputs{x};
  for (const auto& p : deep.parameters()) inputs.push_back(p);
  check_gradients([&](const std::vector<TensorD>& v) { return deep(v[0]); }, inputs);
}

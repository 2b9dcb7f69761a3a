// The layers of convolutional networks: Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, BatchNorm2d, Dropout2d,
// Flatten and Unflatten: PyTorch's defaults, initialisation, names and checkpoint layout; BatchNorm2d's statistics;
// and conv2d split over two threads agreeing with one thread.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "autodiff/autodiff.h"
#include "autodiff/blas.h"
#include "io/npz.h"
#include "nn/nn.h"
#include "tests/gradcheck_util.h"
#include "tests/test_data_util.h"

using namespace ad;

TEST_CASE("nn: Conv2d has PyTorch's parameter layout, names, description and default initialisation") {
  manual_seed(3);
  nn::Conv2d<double> conv(6, 8, Size2(3, 5), 2, 1, 1, 2);
  CHECK(conv.describe() == "Conv2d(6, 8, kernel_size=(3, 5), stride=2, padding=1, groups=2)");
  CHECK(conv.weight.shape() == Shape{8, 3, 3, 5});
  CHECK(conv.bias.shape() == Shape{8});
  const auto params = conv.named_parameters();
  REQUIRE(params.size() == 2);
  CHECK(params[0].first == "weight");
  CHECK(params[1].first == "bias");
  // U(-b, b), b = 1 / sqrt(fan_in), fan_in = in / groups * kh * kw = 45: bounded, and the variance of a uniform.
  const double b = 1 / std::sqrt(45.0);
  double sq = 0;
  for (std::size_t i = 0; i < conv.weight.numel(); ++i) {
    CHECK(std::abs(conv.weight.data()[i]) <= b);
    sq += conv.weight.data()[i] * conv.weight.data()[i];
  }
  CHECK(sq / double(conv.weight.numel()) == doctest::Approx(b * b / 3).epsilon(0.2));
  for (std::size_t i = 0; i < 8; ++i) CHECK(std::abs(conv.bias.data()[i]) <= b);
  CHECK(nn::Conv2d<float>(1, 2, 3, 1, 0, 1, 1, false).describe() ==
        "Conv2d(1, 2, kernel_size=3, stride=1, bias=false)");
}

TEST_CASE("nn: Conv2d forward is conv2d, padding modes pad first, padding same keeps the size") {
  nn::Conv2d<double> conv(2, 3, 3, 1, 1);
  const TensorD x = TensorD::randn({2, 2, 5, 6});
  const TensorD y = conv(x);
  const TensorD want = conv2d(x, conv.weight, conv.bias, 1, 1);
  for (std::size_t i = 0; i < y.numel(); ++i) CHECK(y.data()[i] == want.data()[i]);

  nn::Conv2d<double> refl(2, 3, 3, 1, 1, 1, 1, true, "reflect");
  const TensorD yr = refl(x);
  const TensorD wr = conv2d(pad(x, {1, 1, 1, 1}, "reflect"), refl.weight, refl.bias);
  REQUIRE(yr.shape() == Shape{2, 3, 5, 6});
  for (std::size_t i = 0; i < yr.numel(); ++i) CHECK(yr.data()[i] == doctest::Approx(wr.data()[i]).epsilon(1e-14));

  nn::Conv2d<double> same(2, 4, Size2(4, 3), 1, "same", Size2(1, 2));
  CHECK(same(x).shape() == Shape{2, 4, 5, 6});
  CHECK_THROWS_AS(nn::Conv2d<double>(3, 4, 3, 1, 0, 1, 2), ValueError);  // groups must divide the channels
  CHECK_THROWS_AS(nn::Conv2d<double>(2, 4, 3, 2, "same"), ValueError);
  CHECK_THROWS_AS(nn::Conv2d<double>(2, 4, 3, 1, 0, 1, 1, true, "mirror"), ValueError);
}

TEST_CASE("nn: a CNN checkpoint stores conv weights as (out, in, kh, kw) under PyTorch's names") {
  manual_seed(1);
  auto model = nn::Sequential(nn::Conv2d<float>(1, 4, 3), nn::ReLU(), nn::BatchNorm2d<float>(4),
                              nn::MaxPool2d<float>(2), nn::Flatten<float>(), nn::Linear<float>(4 * 3 * 3, 2));
  model(Tensor::randn({2, 1, 8, 8}));
  test_util::TempDir dir;
  const std::string path = dir.file("cnn.npz");
  nn::save_checkpoint(path, model);
  const auto entries = io::load_npz<float>(path);
  auto find = [&](const std::string& name) -> Tensor {
    for (const auto& [n, t] : entries)
      if (n == name) return t;
    FAIL("no entry " << name);
    return {};
  };
  const Tensor w = find("0.weight");
  CHECK(w.shape() == Shape{4, 1, 3, 3});
  const auto& conv = model.at<nn::Conv2d<float>>(0);
  for (std::size_t i = 0; i < w.numel(); ++i) CHECK(w.data()[i] == conv.weight.data()[i]);
  CHECK(find("0.bias").shape() == Shape{4});
  CHECK(find("2.running_mean").shape() == Shape{4});
  CHECK(find("2.running_var").shape() == Shape{4});
  auto copy = nn::Sequential(nn::Conv2d<float>(1, 4, 3), nn::ReLU(), nn::BatchNorm2d<float>(4), nn::MaxPool2d<float>(2),
                             nn::Flatten<float>(), nn::Linear<float>(4 * 3 * 3, 2));
  nn::load_checkpoint(path, copy);
  model.eval(), copy.eval();
  const Tensor x = Tensor::randn({3, 1, 8, 8});
  const Tensor a = model(x), b = copy(x);
  for (std::size_t i = 0; i < a.numel(); ++i) CHECK(a.data()[i] == b.data()[i]);
}

TEST_CASE("nn: BatchNorm2d normalises each channel over batch, height and width, and tracks running statistics") {
  nn::BatchNorm2d<double> bn(3);
  CHECK(bn.describe() == "BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=true)");
  const TensorD x = TensorD::randn({4, 3, 5, 2}) * 2.0 + 1.0;
  const TensorD y = bn(x);
  const std::size_t per = 4 * 5 * 2;
  for (std::size_t c = 0; c < 3; ++c) {
    double m = 0, v = 0, ym = 0, yv = 0;
    for (std::size_t n = 0; n < 4; ++n)
      for (std::size_t i = 0; i < 10; ++i) {
        const std::size_t k = (n * 3 + c) * 10 + i;
        m += x.data()[k], ym += y.data()[k];
      }
    m /= per, ym /= per;
    for (std::size_t n = 0; n < 4; ++n)
      for (std::size_t i = 0; i < 10; ++i) {
        const std::size_t k = (n * 3 + c) * 10 + i;
        v += (x.data()[k] - m) * (x.data()[k] - m), yv += (y.data()[k] - ym) * (y.data()[k] - ym);
      }
    CHECK(std::abs(ym) < 1e-12);
    CHECK(yv / per == doctest::Approx(v / per / (v / per + 1e-5)).epsilon(1e-10));
    CHECK(bn.running_mean.data()[c] == doctest::Approx(0.1 * m).epsilon(1e-12));
    CHECK(bn.running_var.data()[c] == doctest::Approx(0.9 + 0.1 * v / (per - 1)).epsilon(1e-12));
  }
  bn.eval();
  const TensorD ye = bn(x);
  const double s = 1 / std::sqrt(bn.running_var.data()[1] + 1e-5);
  CHECK(ye.data()[10] == doctest::Approx((x.data()[10] - bn.running_mean.data()[1]) * s).epsilon(1e-12));
  CHECK_THROWS_AS(bn(TensorD::randn({4, 3, 5})), ShapeError);
  CHECK_THROWS_AS(bn(TensorD::randn({4, 2, 5, 5})), ShapeError);
}

TEST_CASE("nn: BatchNorm2d training-mode gradients to second order over random shapes") {
  using ad::testing::rand_int;
  for (int trial = 0; trial < 4; ++trial) {
    const std::size_t c = rand_int(1, 3);
    // At least two values per channel (a variance needs them).
    const Shape xs{rand_int(1, 3), c, rand_int(1, 3), rand_int(2, 3)};
    const TensorD x = ad::testing::random_input(xs, -1, 1);
    const TensorD w = ad::testing::random_input(Shape{c}, 0.5, 1.5), b = ad::testing::random_input(Shape{c}, -1, 1);
    ad::testing::expect_gradcheck(
        [c](const std::vector<TensorD>& v) {
          TensorD rm = TensorD::zeros({c}), rv = TensorD::ones({c});
          const TensorD y = nn::batch_norm(v[0], rm, rv, v[1], v[2], true, 0.1, 1e-5);
          return y * y * y;
        },
        {x, w, b}, "batch_norm over (N, C, H, W)");
  }
}

TEST_CASE("nn: Dropout2d zeroes whole channels and scales the rest, identity in eval mode") {
  manual_seed(5);
  nn::Dropout2d<double> drop(0.5);
  CHECK(drop.describe() == "Dropout2d(p=0.5)");
  const TensorD x = TensorD::ones({8, 6, 3, 4});
  const TensorD y = drop(x);
  std::size_t dropped = 0;
  for (std::size_t m = 0; m < 8 * 6; ++m) {
    const double first = y.data()[m * 12];
    CHECK((first == 0.0 || first == 2.0));
    for (std::size_t i = 1; i < 12; ++i) CHECK(y.data()[m * 12 + i] == first);
    dropped += first == 0.0;
  }
  CHECK(dropped > 8);
  CHECK(dropped < 40);
  CHECK(nn::dropout2d(TensorD::ones({6, 3, 4}), 0.5).shape() == Shape{6, 3, 4});  // unbatched (C, H, W)
  drop.eval();
  const TensorD z = drop(x);
  for (std::size_t i = 0; i < z.numel(); ++i) CHECK(z.data()[i] == 1.0);
  CHECK_THROWS_AS(nn::dropout2d(TensorD::ones({6, 3}), 0.5), ShapeError);
  CHECK_THROWS_AS(nn::Dropout2d<double>(1.0), ValueError);
}

TEST_CASE("nn: dropout2d gradients to second order over random shapes (the same mask in every evaluation)") {
  using ad::testing::rand_int;
  for (int trial = 0; trial < 4; ++trial) {
    const Shape xs = trial % 2 ? Shape{rand_int(1, 3), rand_int(1, 4), rand_int(1, 3), rand_int(1, 3)}
                               : Shape{rand_int(1, 4), rand_int(1, 3), rand_int(1, 3)};
    const TensorD x = ad::testing::random_input(xs, -1, 1);
    ad::testing::expect_gradcheck(
        [](const std::vector<TensorD>& v) {
          manual_seed(9);  // the mask is a constant of the function: redrawn identically each time
          const TensorD y = nn::dropout2d(v[0], 0.4);
          return y * y;
        },
        {x}, "dropout2d");
  }
}

TEST_CASE("nn: pooling layers, Flatten and Unflatten follow PyTorch's defaults") {
  nn::MaxPool2d<double> mp(2);
  CHECK(mp.describe() == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=false)");
  nn::AvgPool2d<double> ap(3, 2, 1);
  CHECK(ap.describe() == "AvgPool2d(kernel_size=3, stride=2, padding=1)");
  nn::AdaptiveAvgPool2d<double> gap(1);
  const TensorD x = TensorD::randn({2, 3, 6, 5});
  CHECK(mp(x).shape() == Shape{2, 3, 3, 2});
  CHECK(ap(x).shape() == Shape{2, 3, 3, 3});
  const TensorD g = gap(x);
  CHECK(g.shape() == Shape{2, 3, 1, 1});
  double m = 0;
  for (std::size_t i = 0; i < 30; ++i) m += x.data()[i];
  CHECK(g.data()[0] == doctest::Approx(m / 30).epsilon(1e-13));
  nn::Flatten<double> flat;
  CHECK(flat(x).shape() == Shape{2, 90});
  nn::Unflatten<double> unflat(1, {3, 6, 5});
  CHECK(unflat(flat(x)).shape() == Shape{2, 3, 6, 5});
  CHECK(unflat.describe() == "Unflatten(dim=1, unflattened_size=(3, 6, 5))");
  CHECK_THROWS_AS(unflat(TensorD::randn({2, 89})), ShapeError);
}

TEST_CASE("conv2d split over two threads agrees with one thread") {
  const int saved = blas::num_threads();
  TensorD x = TensorD::randn({5, 4, 9, 8}, true);
  TensorD w = TensorD::randn({6, 2, 3, 3}, true);
  const TensorD g = TensorD::randn({5, 6, 5, 4});
  std::vector<std::vector<double>> results;
  for (int threads : {1, 2}) {
    blas::set_num_threads(threads);
    x.zero_grad(true), w.zero_grad(true);
    const TensorD y = conv2d(x, w, TensorD{}, 2, 1, 1, 2);
    y.backward(g);
    std::vector<double> all(y.data(), y.data() + y.numel());
    all.insert(all.end(), x.grad().data(), x.grad().data() + x.numel());
    all.insert(all.end(), w.grad().data(), w.grad().data() + w.numel());
    const TensorD p = max_pool2d(x, 3, 2, 1);
    all.insert(all.end(), p.data(), p.data() + p.numel());
    results.push_back(all);
  }
  blas::set_num_threads(saved);
  REQUIRE(results[0].size() == results[1].size());
  for (std::size_t i = 0; i < results[0].size(); ++i)
    CHECK(results[0][i] == doctest::Approx(results[1][i]).epsilon(1e-12));
}

TEST_CASE("nn: RandomHorizontalFlip mirrors images in training (p = 1 all, p = 0 none), never in eval mode") {
  const TensorD x = TensorD::from({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, Shape{2, 1, 2, 3}, true);
  nn::RandomHorizontalFlip<double> all(1.0), none(0.0);
  CHECK(all.describe() == "RandomHorizontalFlip(p=1)");
  const TensorD y = all(x);
  const std::vector<double> want = {3, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10};
  for (std::size_t i = 0; i < want.size(); ++i) CHECK(y.data()[i] == want[i]);
  // A permutation: the gradient of sum(y * c) is c mirrored back.
  const TensorD c = TensorD::arange(12).reshape({2, 1, 2, 3});
  sum(y * c).backward();
  const std::vector<double> back = {2, 1, 0, 5, 4, 3, 8, 7, 6, 11, 10, 9};
  for (std::size_t i = 0; i < back.size(); ++i) CHECK(x.grad().data()[i] == back[i]);
  const TensorD z = none(x);
  for (std::size_t i = 0; i < 12; ++i) CHECK(z.data()[i] == x.data()[i]);
  all.eval();
  const TensorD e = all(x);
  for (std::size_t i = 0; i < 12; ++i) CHECK(e.data()[i] == x.data()[i]);
  // p = 0.5 on many images: about half are mirrored, each either wholly or not at all.
  manual_seed(4);
  nn::RandomHorizontalFlip<double> half;
  const TensorD many = TensorD::arange(400 * 3).reshape({400, 1, 1, 3});
  const TensorD m = half(many);
  std::size_t flipped = 0;
  for (std::size_t i = 0; i < 400; ++i) flipped += m.data()[3 * i] > m.data()[3 * i + 2];
  CHECK(flipped > 150);
  CHECK(flipped < 250);
  CHECK_THROWS_AS(nn::RandomHorizontalFlip<double>(1.5), ValueError);
}

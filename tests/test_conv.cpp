// conv2d, max_pool2d, avg_pool2d, adaptive_avg_pool2d and pad: values and gradients equal PyTorch's on fixed
// inputs (tests/conv_expected.inc), first and second derivatives agree with finite differences over random
// geometries, and bad geometry is reported with the op, the shapes and the parameter.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "autodiff/autodiff.h"
#include "tests/gradcheck_util.h"

using namespace ad;
using ad::testing::expect_gradcheck;
using ad::testing::rand_int;

namespace {

struct ConvCase {
  const char* name;
  std::vector<std::size_t> y_shape;
  std::vector<double> y, gx, gw, gb;
  std::vector<std::size_t> x_shape, w_shape;
};
#include "tests/conv_expected.inc"

TensorD filled(const Shape& s, const std::function<double(std::size_t)>& f) {
  TensorD t = TensorD::empty(s);
  for (std::size_t i = 0; i < t.numel(); ++i) t.mutable_data()[i] = f(i);
  t.requires_grad_(true);
  return t;
}

using Op = std::function<TensorD(const TensorD&, const TensorD&, const TensorD&)>;

// The same calls as tests/pytorch/conv_reference.py, by case name.
const std::map<std::string, Op>& ops() {
  static const std::map<std::string, Op> m = {
      {"conv_groups_stride_pad_dilation",
       [](const TensorD& x, const TensorD& w, const TensorD& b) {
         return conv2d(x, w, b, Size2(2, 1), Size2(1, 2), Size2(1, 2), 2);
       }},
      {"conv_plain_nobias", [](const TensorD& x, const TensorD& w, const TensorD&) { return conv2d(x, w); }},
      {"conv_pointwise", [](const TensorD& x, const TensorD& w, const TensorD& b) { return conv2d(x, w, b); }},
      {"conv_depthwise",
       [](const TensorD& x, const TensorD& w, const TensorD& b) { return conv2d(x, w, b, 2, 1, 1, 4); }},
      {"conv_same",
       [](const TensorD& x, const TensorD& w, const TensorD& b) { return conv2d(x, w, b, 1, "same", Size2(1, 2)); }},
      {"conv_unbatched",
       [](const TensorD& x, const TensorD& w, const TensorD& b) { return conv2d(x, w, b, Size2(1, 2)); }},
      {"max_pool_k3_s2_p1_ceil",
       [](const TensorD& x, const TensorD&, const TensorD&) { return max_pool2d(x, 3, 2, 1, 1, true); }},
      {"max_pool_dilated", [](const TensorD& x, const TensorD&,
                              const TensorD&) { return max_pool2d(x, Size2(2, 3), Size2(2, 1), 0, Size2(2, 1)); }},
      {"max_pool_default", [](const TensorD& x, const TensorD&, const TensorD&) { return max_pool2d(x, 2); }},
      {"avg_pool_ceil_exclude_pad",
       [](const TensorD& x, const TensorD&, const TensorD&) { return avg_pool2d(x, 3, 2, 1, true, false); }},
      {"avg_pool_include_pad",
       [](const TensorD& x, const TensorD&, const TensorD&) { return avg_pool2d(x, Size2(3, 2), 2, 1); }},
      {"avg_pool_divisor",
       [](const TensorD& x, const TensorD&, const TensorD&) { return avg_pool2d(x, 2, 0, 0, false, true, 5); }},
      {"avg_pool_ceil_include_pad",
       [](const TensorD& x, const TensorD&, const TensorD&) { return avg_pool2d(x, 2, 2, 1, true); }},
      {"adaptive_3x2",
       [](const TensorD& x, const TensorD&, const TensorD&) { return adaptive_avg_pool2d(x, Size2(3, 2)); }},
      {"adaptive_1x1", [](const TensorD& x, const TensorD&, const TensorD&) { return adaptive_avg_pool2d(x, 1); }},
      {"adaptive_up_4x7",
       [](const TensorD& x, const TensorD&, const TensorD&) { return adaptive_avg_pool2d(x, Size2(4, 7)); }},
      {"pad_constant",
       [](const TensorD& x, const TensorD&, const TensorD&) {
         return pad(x, {1, 2, 0, 1}, "constant", 0.5);
       }},
      {"pad_constant_crop",
       [](const TensorD& x, const TensorD&, const TensorD&) {
         return pad(x, {-1, 2, 1, -1});
       }},
      {"pad_reflect",
       [](const TensorD& x, const TensorD&, const TensorD&) {
         return pad(x, {2, 1, 1, 2}, "reflect");
       }},
      {"pad_replicate",
       [](const TensorD& x, const TensorD&, const TensorD&) {
         return pad(x, {3, 0, 2, 1}, "replicate");
       }},
      {"pad_circular",
       [](const TensorD& x, const TensorD&, const TensorD&) {
         return pad(x, {1, 2, 2, 0}, "circular");
       }},
  };
  return m;
}

void expect_values(const TensorD& t, const std::vector<double>& want, const std::string& what) {
  INFO(what);
  REQUIRE(t.defined());
  REQUIRE(t.numel() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i)
    CHECK(std::abs(t.data()[i] - want[i]) <= 1e-12 * (1 + std::abs(want[i])));
}

}  // namespace

TEST_CASE("conv and pooling ops give PyTorch's values and gradients") {
  for (const ConvCase& c : kConvCases) {
    INFO(c.name);
    const Op& op = ops().at(c.name);
    const TensorD x = filled(Shape(c.x_shape), [](std::size_t i) { return 2 * std::sin(0.37 * double(i) + 0.1); });
    const TensorD w = c.w_shape.empty()
                          ? TensorD{}
                          : filled(Shape(c.w_shape), [](std::size_t i) { return 0.5 * std::cos(0.23 * double(i)); });
    const TensorD b =
        c.gb.empty() ? TensorD{} : filled(Shape{c.gb.size()}, [](std::size_t i) { return 0.1 * double(i) - 0.2; });
    const TensorD y = op(x, w, b);
    CHECK(y.shape() == Shape(c.y_shape));
    expect_values(y, c.y, "value");
    TensorD cw = TensorD::empty(y.shape());
    for (std::size_t i = 0; i < cw.numel(); ++i) cw.mutable_data()[i] = std::sin(0.11 * double(i) + 0.3);
    sum(y * cw).backward();
    expect_values(x.grad(), c.gx, "input gradient");
    if (w.defined()) expect_values(w.grad(), c.gw, "weight gradient");
    if (b.defined()) expect_values(b.grad(), c.gb, "bias gradient");
  }
}

TEST_CASE("conv2d: gradients to second order over random geometries") {
  for (int trial = 0; trial < 12; ++trial) {
    const long long groups = static_cast<long long>(rand_int(1, 2));
    const std::size_t cg = rand_int(1, 2), og = rand_int(1, 2), n = rand_int(1, 2);
    const Size2 k(static_cast<long long>(rand_int(1, 3)), static_cast<long long>(rand_int(1, 3)));
    const Size2 s(static_cast<long long>(rand_int(1, 2)), static_cast<long long>(rand_int(1, 2)));
    const Size2 d(static_cast<long long>(rand_int(1, 2)), static_cast<long long>(rand_int(1, 2)));
    const Size2 p(static_cast<long long>(rand_int(0, 1)), static_cast<long long>(rand_int(0, 1)));
    const std::size_t h = static_cast<std::size_t>(d.h * (k.h - 1) + 1) + rand_int(0, 2);
    const std::size_t w = static_cast<std::size_t>(d.w * (k.w - 1) + 1) + rand_int(0, 2);
    const bool bias = rand_int(0, 1) == 1;
    const std::size_t C = cg * static_cast<std::size_t>(groups), O = og * static_cast<std::size_t>(groups);
    std::vector<TensorD> in = {
        ad::testing::random_input(Shape{n, C, h, w}, -1, 1),
        ad::testing::random_input(Shape{O, cg, static_cast<std::size_t>(k.h), static_cast<std::size_t>(k.w)}, -1, 1)};
    if (bias) in.push_back(ad::testing::random_input(Shape{O}, -1, 1));
    // The output is squared so that the second derivative in each argument is not zero (conv2d is bilinear).
    expect_gradcheck(
        [&](const std::vector<TensorD>& v) {
          const TensorD y = conv2d(v[0], v[1], v.size() > 2 ? v[2] : TensorD{}, s, p, d, groups);
          return y * y;
        },
        in,
        "conv2d groups=" + std::to_string(groups) + " k=" + std::to_string(k.h) + "x" + std::to_string(k.w) +
            " s=" + std::to_string(s.h) + "," + std::to_string(s.w) + " d=" + std::to_string(d.h) + "," +
            std::to_string(d.w) + " p=" + std::to_string(p.h) + "," + std::to_string(p.w));
  }
}

TEST_CASE("conv2d: third derivatives through its gradient ops") {
  // grad of conv2d records conv2d_input_grad and conv2d_weight_grad; their own backward_graph runs at third order.
  const TensorD x = ad::testing::random_input(Shape{1, 2, 4, 3}, -1, 1);
  const TensorD w = ad::testing::random_input(Shape{2, 1, 2, 2}, -1, 1);
  const auto gx = [](const std::vector<TensorD>& v) {
    const TensorD y = conv2d(v[0], v[1], TensorD{}, 1, 1, 1, 2);
    return grad<double>({sum(y * y * y)}, {v[0]}, {}, GradOptions{true, true, false})[0];
  };
  GradcheckResult r = gradgradcheck<double>(gx, {x, w});
  CHECK_MESSAGE(r.ok, r.report);
}

TEST_CASE("pooling and pad: gradients to second order over random geometries") {
  for (int trial = 0; trial < 8; ++trial) {
    const Size2 k(static_cast<long long>(rand_int(1, 3)), static_cast<long long>(rand_int(1, 3)));
    const Size2 s(static_cast<long long>(rand_int(1, 3)), static_cast<long long>(rand_int(1, 3)));
    const Size2 p(static_cast<long long>(rand_int(0, static_cast<std::size_t>(k.h / 2))),
                  static_cast<long long>(rand_int(0, static_cast<std::size_t>(k.w / 2))));
    const bool ceil_mode = rand_int(0, 1) == 1;
    const Shape xs{rand_int(1, 2), rand_int(1, 2), static_cast<std::size_t>(k.h) + rand_int(0, 3),
                   static_cast<std::size_t>(k.w) + rand_int(0, 3)};
    // Distinct values a grid step apart: no ties (and no kink) within the finite-difference step in max_pool2d.
    TensorD x = ad::testing::random_input(xs, -1, 1);
    for (std::size_t i = 0; i < x.numel(); ++i)
      x.mutable_data()[i] = 0.05 * double((i * 7919) % x.numel()) + 0.01 * x.data()[i];
    const std::string geo = " k=" + std::to_string(k.h) + "x" + std::to_string(k.w) + " s=" + std::to_string(s.h) +
                            "," + std::to_string(s.w) + " p=" + std::to_string(p.h) + "," + std::to_string(p.w) +
                            (ceil_mode ? " ceil" : "");
    // max_pool2d is piecewise linear: squared, so that its second derivative is not identically zero.
    expect_gradcheck(
        [&](const std::vector<TensorD>& v) {
          const TensorD y = max_pool2d(v[0], k, s, p, 1, ceil_mode);
          return y * y;
        },
        {x}, "max_pool2d" + geo);
    const bool include = rand_int(0, 1) == 1;
    expect_gradcheck(
        [&](const std::vector<TensorD>& v) {
          const TensorD y = avg_pool2d(v[0], k, s, p, ceil_mode, include);
          return y * y;
        },
        {x}, "avg_pool2d" + geo + (include ? "" : " exclude pad"));
    const Size2 o(static_cast<long long>(rand_int(1, 4)), static_cast<long long>(rand_int(1, 4)));
    expect_gradcheck(
        [&](const std::vector<TensorD>& v) {
          const TensorD y = adaptive_avg_pool2d(v[0], o);
          return y * y;
        },
        {x}, "adaptive_avg_pool2d to " + std::to_string(o.h) + "x" + std::to_string(o.w));
    const char* modes[] = {"constant", "reflect", "replicate", "circular"};
    const std::string mode = modes[rand_int(0, 3)];
    // Amounts below each axis' size (reflect's limit, and within circular's).
    auto amount = [&](std::size_t axis) {
      return static_cast<long long>(rand_int(0, std::min<std::size_t>(2, xs[axis] - 1)));
    };
    const long long a = amount(3), a2 = amount(3), b = amount(2), b2 = amount(2);
    expect_gradcheck(
        [&](const std::vector<TensorD>& v) {
          const TensorD y = pad(v[0], {a, a2, b, b2}, mode, 0.25);
          return y * y;
        },
        {x},
        "pad " + mode + " (" + std::to_string(a) + ", " + std::to_string(a2) + ", " + std::to_string(b) + ", " +
            std::to_string(b2) + ")");
  }
}

TEST_CASE("max_pool2d: a NaN is the window's maximum and takes the gradient, an all -inf window picks its first") {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  TensorD x = TensorD::from({1.0, nan, 5.0, 2.0, -inf, -inf, -inf, -inf}, Shape{1, 2, 2, 2}, true);
  const TensorD y = max_pool2d(x, 2);
  CHECK(std::isnan(y.data()[0]));
  CHECK(y.data()[1] == -inf);
  sum(y).backward();
  const std::vector<double> want = {0, 1, 0, 0, 1, 0, 0, 0};
  for (std::size_t i = 0; i < want.size(); ++i) CHECK(x.grad().data()[i] == want[i]);
}

TEST_CASE("conv2d in float agrees with double") {
  const TensorD xd = TensorD::randn(Shape{2, 4, 9, 8});
  const TensorD wd = TensorD::randn(Shape{6, 2, 3, 3});
  const TensorD bd = TensorD::randn(Shape{6});
  auto to_float = [](const TensorD& t) {
    Tensor f = Tensor::empty(t.shape());
    for (std::size_t i = 0; i < t.numel(); ++i) f.mutable_data()[i] = static_cast<float>(t.data()[i]);
    return f;
  };
  const TensorD yd = conv2d(xd, wd, bd, 2, 1, 1, 2);
  const Tensor yf = conv2d(to_float(xd), to_float(wd), to_float(bd), 2, 1, 1, 2);
  REQUIRE(yf.shape() == yd.shape());
  for (std::size_t i = 0; i < yd.numel(); ++i) CHECK(std::abs(yf.data()[i] - yd.data()[i]) < 1e-4);
}

TEST_CASE("conv and pooling: bad geometry names the op, the shapes and the parameter") {
  const TensorD x = TensorD::randn(Shape{2, 3, 5, 5});
  const TensorD w = TensorD::randn(Shape{4, 3, 3, 3});
  CHECK_THROWS_WITH_AS(conv2d(x, TensorD::randn(Shape{4, 2, 3, 3})),
                       "conv2d: input of shape [2, 3, 5, 5] has 3 channels, but weight of shape [4, 2, 3, 3] expects "
                       "2 x groups=1 = 2",
                       ShapeError);
  CHECK_THROWS_WITH_AS(conv2d(TensorD::randn(Shape{3, 25}), w),
                       "conv2d: expected a 4-D input (N, C, H, W) or a 3-D one (C, H, W), got shape [3, 25] (rank 2)",
                       ShapeError);
  CHECK_THROWS_WITH_AS(conv2d(TensorD::randn(Shape{1, 2, 3, 5, 5}), w),
                       "conv2d: expected a 4-D input (N, C, H, W) or a 3-D one (C, H, W), got shape [1, 2, 3, 5, 5] "
                       "(rank 5)",
                       ShapeError);
  CHECK_THROWS_WITH_AS(conv2d(TensorD::randn(Shape{2, 3, 2, 5}), w),
                       "conv2d: kernel size (3, 3) is larger than the padded input: input shape [2, 3, 2, 5], padding "
                       "(0, 0) gives 2 x 5",
                       ShapeError);
  CHECK_THROWS_WITH_AS(conv2d(x, w, TensorD{}, 0), "conv2d: stride must be at least 1, got (0, 0)", ValueError);
  CHECK_THROWS_WITH_AS(conv2d(x, w, TensorD{}, 1, 0, Size2(1, 0)), "conv2d: dilation must be at least 1, got (1, 0)",
                       ValueError);
  CHECK_THROWS_WITH_AS(conv2d(x, w, TensorD{}, 1, -1), "conv2d: padding must be at least 0, got (-1, -1)", ValueError);
  CHECK_THROWS_WITH_AS(conv2d(x, w, TensorD::randn(Shape{3})),
                       "conv2d: bias of shape [3] does not match weight of shape [4, 3, 3, 3] (expected (4))",
                       ShapeError);
  CHECK_THROWS_WITH_AS(conv2d(x, TensorD::randn(Shape{3, 1, 3, 3}), TensorD{}, 1, 0, 1, 2),
                       "conv2d: weight of shape [3, 1, 3, 3] has 3 output channels, not divisible by groups=2",
                       ShapeError);
  CHECK_THROWS_WITH_AS(conv2d(x, w, TensorD{}, 2, "same"), "conv2d: padding=\"same\" needs stride 1, got stride (2, 2)",
                       ValueError);
  CHECK_THROWS_WITH_AS(max_pool2d(x, 6),
                       "max_pool2d: kernel size (6, 6) is larger than the padded input: input shape [2, 3, 5, 5], "
                       "padding (0, 0) gives 5 x 5",
                       ShapeError);
  CHECK_THROWS_WITH_AS(max_pool2d(x, 2, 2, 2), "max_pool2d: padding (2, 2) must be at most half the kernel size (2, 2)",
                       ValueError);
  CHECK_THROWS_WITH_AS(avg_pool2d(x, 0), "avg_pool2d: kernel_size must be at least 1, got (0, 0)", ValueError);
  CHECK_THROWS_WITH_AS(
      max_pool2d(TensorD::randn(Shape{5, 5}), 2),
      "max_pool2d: expected a 4-D input (N, C, H, W) or a 3-D one (C, H, W), got shape [5, 5] (rank 2)", ShapeError);
  CHECK_THROWS_WITH_AS(adaptive_avg_pool2d(x, Size2(0, 2)),
                       "adaptive_avg_pool2d: output_size must be at least 1, got (0, 2)", ValueError);
  CHECK_THROWS_WITH_AS(pad(x, {1, 2, 3}),
                       "pad: expected (before, after) pairs for at most 4 axes of the input of "
                       "shape [2, 3, 5, 5], got pads (1, 2, 3)",
                       ValueError);
  CHECK_THROWS_WITH_AS(pad(x, {5, 0}, "reflect"),
                       "pad: reflect padding (5, 0) needs amounts smaller than the size 5 of axis 3 of the input of "
                       "shape [2, 3, 5, 5]",
                       ValueError);
  CHECK_THROWS_WITH_AS(pad(x, {1, 1}, "wrap"),
                       "pad: mode must be \"constant\", \"reflect\", \"replicate\" or \"circular\", got \"wrap\"",
                       ValueError);
}

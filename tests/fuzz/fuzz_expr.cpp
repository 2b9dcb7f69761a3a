// Fuzz harness for the expression builder (autodiff/tensor.h): the input bytes are decoded as a program, a random
// sequence of ops over random small double tensors (rank 0 to 8, size-1 and size-0 dimensions, and dimensions whose
// product overflows), and every op is checked against the documentation:
//
//   * the harness predicts from the operands' shapes whether the op is valid (tensor.h, shape.h and error.h state
//     the preconditions) and, if not, which ad:: exception classes it may throw. An op that succeeds when it must
//     fail, fails when it must succeed, or throws any other class (or another std::exception) is a finding;
//   * a valid op must give the predicted shape, the predicted requires_grad, and values equal (within rounding) to
//     a naive reference computed here from the operands' values;
//   * the loss (a weighted sum of every recorded result) must back-propagate; every leaf gradient has its leaf's
//     shape, and is finite when the forward pass stayed in a well-conditioned range (finite values of moderate
//     size, no input near a singularity of log, sqrt, division or pow);
//   * short programs that also stay away from kinks (relu, abs, max, comparisons, clamp, ...) are gradient-checked
//     with ad::gradcheck against central differences, and to second order with ad::gradgradcheck;
//   * double backward, on every program with grad mode on: ad::grad with create_graph (each op's recorded
//     backward) must give the first-order gradients backward() gives, and the sum of those gradients must
//     back-propagate again to gradients of the leaves' shapes (finite when the forward pass was well-conditioned);
//   * a few misuses of the graph at the end (backward twice, a seed of the wrong shape, in-place writes to saved
//     tensors, requires_grad_ on a non-leaf, ...) must throw GraphError or ShapeError as documented.
//
// Input layout: byte 0 = mode flags (anomaly mode, no_grad mode, gradcheck wanted, special leaf values allowed,
// misuse action); then the initial leaves; then one op per group of bytes until the input runs out. Short inputs
// are padded with zeros, so every input is a program.
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "autodiff/autodiff.h"
#include "fuzz_util.h"

namespace {

using ad::Shape;
using ad::TensorD;
using Dims = std::vector<std::size_t>;

constexpr std::size_t kMaxNumel = 256;  // ops whose result would be larger are skipped (speed, not correctness)
constexpr std::size_t kMaxLeafNumel = 48;
constexpr std::size_t kMaxSteps = 32;
constexpr std::size_t kMaxValues = 16;
constexpr std::size_t kHuge = std::size_t(1) << 32;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---- Error classes ---------------------------------------------------------------------------------------------
constexpr unsigned kShapeErr = 1, kIndexErr = 2, kValueErr = 4, kGraphErr = 8, kAnomalyErr = 16;

std::string class_names(unsigned mask) {
  static const char* names[] = {"ShapeError", "IndexError", "ValueError", "GraphError", "AnomalyError"};
  std::string s;
  for (int i = 0; i < 5; ++i)
    if (mask & (1u << i)) s += (s.empty() ? "" : "|") + std::string(names[i]);
  return s.empty() ? "no error" : s;
}

// Runs f; returns 0 when it returned, else the class of the documented ad:: exception it threw. Anything else
// (an undocumented ad::Error subclass such as IOError, another std::exception) is a finding.
template <class F>
unsigned outcome(F&& f, const std::string& context) {
  try {
    f();
    return 0;
  } catch (const ad::ShapeError&) {
    return kShapeErr;
  } catch (const ad::IndexError&) {
    return kIndexErr;
  } catch (const ad::ValueError&) {
    return kValueErr;
  } catch (const ad::GraphError&) {
    return kGraphErr;
  } catch (const ad::AnomalyError&) {
    return kAnomalyErr;
  } catch (const std::exception& e) {
    fuzz::undocumented(e, context);
  }
}

// ---- Reading the input -----------------------------------------------------------------------------------------
class Bytes {
 public:
  Bytes(const std::uint8_t* p, std::size_t n) : p_(p), n_(n) {}
  bool done() const { return i_ >= n_; }
  unsigned byte() { return i_ < n_ ? p_[i_++] : 0u; }
  // A number in [0, k) (k > 0).
  std::size_t below(std::size_t k) {
    if (k <= 1) return 0;
    const std::size_t v = k <= 256 ? byte() : byte() | byte() << 8 | byte() << 16;
    return v % k;
  }
  bool one_in(unsigned k) { return below(k) == 0; }

 private:
  const std::uint8_t* p_;
  std::size_t n_, i_ = 0;
};

// An axis argument for a tensor of rank r: mostly in [-(r+1), r+1] (so one step out of range on either side),
// sometimes the extremes of int.
int axis_arg(Bytes& in, std::size_t r) {
  const unsigned b = in.byte();
  if (b == 255) return INT_MIN;
  if (b == 254) return INT_MAX;
  const int span = 2 * static_cast<int>(r) + 3;
  return static_cast<int>(b % static_cast<unsigned>(span)) - static_cast<int>(r) - 1;
}

// An index argument for a dimension of size n: mostly in [0, n+1], sometimes huge.
std::size_t index_arg(Bytes& in, std::size_t n) {
  const unsigned b = in.byte();
  if (b == 255) return SIZE_MAX;
  if (b == 254) return kHuge;
  return b % (n + 2);
}

double scalar_arg(Bytes& in) {
  static const double table[16] = {0, 1, -1, 0.5, 2, -2, 3, 0.25, 1e-3, 10, -0.5, 1.5, kInf, -kInf, kNaN, 1e6};
  const unsigned b = in.byte();
  return b < 16 ? table[b] : (static_cast<int>(b) - 136) / 4.0 + 0.0625;
}

// Leaf values: multiples of 1/8 shifted by an offset per leaf, so that values of different leaves never tie and
// none is exactly 0 (kinks); with `specials`, a few bytes give 0, -0, +-inf, NaN and extreme magnitudes.
double leaf_value(unsigned b, std::size_t leaf, bool specials) {
  if (specials && b >= 248) {
    static const double s[8] = {0.0, -0.0, kInf, -kInf, kNaN, 1e300, -1e300, 1e-300};
    return s[b - 248];
  }
  return (static_cast<double>(b) - 128 + 0.37 + 0.123 * static_cast<double>(leaf % 7)) / 8.0;
}

// ---- Shapes ----------------------------------------------------------------------------------------------------
// The mathematical number of elements: 0 if any dimension is 0, else the product saturated at SIZE_MAX.
std::size_t count(const Dims& d) {
  for (std::size_t x : d)
    if (x == 0) return 0;
  std::size_t n = 1;
  for (std::size_t x : d) n = n > SIZE_MAX / x ? SIZE_MAX : n * x;
  return n;
}

std::string str(const Dims& d) {
  std::string s = "[";
  for (std::size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
  return s + "]";
}

// The documented limit (shape.h): a shape with more elements is a ShapeError, whatever its product mod 2^64.
constexpr std::size_t kShapeLimit = ad::Shape::kMaxNumel;

// The shape checks that apply to any result (ShapeError): at most kMaxRank axes, and at most kMaxNumel elements
// not counting zero dimensions (shape.h).
bool shape_ok(const Dims& d) {
  Dims nonzero;
  for (std::size_t x : d)
    if (x) nonzero.push_back(x);
  return d.size() <= Shape::kMaxRank && count(nonzero) <= kShapeLimit;
}

Dims small_dims(Bytes& in) {
  static const std::size_t sizes[16] = {1, 2, 3, 4, 1, 2, 3, 2, 1, 5, 2, 3, 0, 1, 2, 6};
  const unsigned b = in.byte();
  const std::size_t rank = b >= 250 ? 5 + (b - 250) % 4 : b % 5;
  Dims d(rank);
  for (auto& x : d) x = sizes[in.byte() & 15];
  for (std::size_t k = rank; count(d) > kMaxLeafNumel && k-- > 0;) d[k] = 1;
  return d;
}

// Dimensions whose product overflows std::size_t (mod 2^64 it may even equal a small count n): a shape check that
// multiplies without care accepts them. Only used for non-empty tensors: a zero dimension would make the product 0.
Dims overflow_dims(Bytes& in, std::size_t n) {
  switch (in.below(5)) {
    case 0: return {kHuge, kHuge};                   // 2^64 = 0 mod 2^64
    case 1: return {kHuge, kHuge, n};                // 0 mod 2^64
    case 2: return {(std::size_t(1) << 63) + 1, n};  // n mod 2^64 when n is even
    case 3: return {SIZE_MAX, SIZE_MAX};             // 1 mod 2^64
    default: return {std::size_t(1) << 61};          // fits, but 2^61 doubles do not fit any byte count
  }
}

struct Split {
  std::size_t outer, n, inner;
};
Split split(const Dims& d, std::size_t ax) {
  Split s{1, d[ax], 1};
  for (std::size_t i = 0; i < ax; ++i) s.outer *= d[i];
  for (std::size_t i = ax + 1; i < d.size(); ++i) s.inner *= d[i];
  return s;
}

Dims reduced(const Dims& d, std::size_t ax, bool keep) {
  Dims r;
  for (std::size_t i = 0; i < d.size(); ++i)
    if (i != ax)
      r.push_back(d[i]);
    else if (keep)
      r.push_back(1);
  return r;
}

// Resolves an axis like normalize_axis (shape.h); false when out of range.
bool resolve(int axis, std::size_t rank, std::size_t& out) {
  const long r = static_cast<long>(rank);
  const long a = axis < 0 ? axis + r : axis;
  if (a < 0 || a >= r) return false;
  out = static_cast<std::size_t>(a);
  return true;
}

// NumPy broadcasting of two shapes; false when they do not broadcast.
bool broadcast(const Dims& a, const Dims& b, Dims& out) {
  const std::size_t r = std::max(a.size(), b.size());
  out.assign(r, 1);
  for (std::size_t i = 0; i < r; ++i) {
    const std::size_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    const std::size_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da != db && da != 1 && db != 1) return false;
    out[i] = da == 1 ? db : da;
  }
  return true;
}

// Flat index in a tensor of shape `in` of the element that broadcasting places at flat position `flat` of `out`.
std::size_t source(std::size_t flat, const Dims& out, const Dims& in) {
  std::size_t src = 0, stride = 1;
  for (std::size_t k = 0; k < out.size(); ++k) {
    const std::size_t od = out.size() - 1 - k;
    const std::size_t c = flat % out[od];
    flat /= out[od];
    if (k < in.size()) {
      const std::size_t id = in.size() - 1 - k;
      if (in[id] != 1) src += c * stride;
      stride *= in[id];
    }
  }
  return src;
}

// ---- The program -----------------------------------------------------------------------------------------------
// clang-format off
enum Op : unsigned {
  LEAF, UNDEFINED, FACTORY,
  NEG, EXP, LOG, SQRT, ABS, SIN, COS, TANH, SIGMOID, RELU, LEAKY_RELU, ELU, SOFTPLUS, CLAMP, HEAVISIDE,
  ADD_S, MUL_S, RSUB_S, RDIV_S, DIV_S, POW_S, SPOW,
  ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM, GT, LT, GE, LE, EQ, WHERE,
  MATMUL, LINEAR, SCE,
  RESHAPE, RESHAPE_INFER, FLATTEN, SQUEEZE, UNSQUEEZE, PERMUTE, TRANSPOSE, TRANSPOSE_LAST, BROADCAST_TO, NARROW,
  SELECT, INDEX_SELECT, ROWS, CONCAT, STACK,
  SUM, SUM_AXIS, MEAN, MEAN_AXIS, MAX, MAX_AXIS, MIN, MIN_AXIS, LOGSUMEXP, LOG_SOFTMAX, SOFTMAX,
  CLONE, DETACH, QUERY,
  // conv.h. New ops go last; the op byte is taken modulo kNumOps, so adding one changes what the corpus's programs
  // decode to: the corpus is then re-encoded (README.md, "Adding an op").
  CONV2D, MAX_POOL2D, AVG_POOL2D, ADAPTIVE_AVG_POOL2D, PAD,
  kNumOps
};
// clang-format on

const char* op_name(unsigned op) {
  // clang-format off
  static const char* names[kNumOps] = {
      "leaf", "undefined", "factory",
      "neg", "exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "leaky_relu", "elu", "softplus",
      "clamp", "heaviside",
      "add_scalar", "mul_scalar", "rsub_scalar", "rdiv_scalar", "div_scalar", "pow_scalar", "scalar_pow",
      "add", "sub", "mul", "div", "pow", "maximum", "minimum", "gt", "lt", "ge", "le", "eq", "where",
      "matmul", "linear", "softmax_cross_entropy",
      "reshape", "reshape(-1)", "flatten", "squeeze", "unsqueeze", "permute", "transpose", "t", "broadcast_to",
      "narrow", "select", "index_select", "rows", "concat", "stack",
      "sum", "sum(axis)", "mean", "mean(axis)", "max", "max(axis)", "min", "min(axis)", "logsumexp", "log_softmax",
      "softmax",
      "clone", "detach", "query",
      "conv2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "pad"};
  // clang-format on
  return op < kNumOps ? names[op] : "?";
}

// The arguments of the ops of conv.h: the Size2 pairs (h, w), conv2d's groups, the pooling options, pad's amounts.
struct Geom {
  long long kh = 1, kw = 1;  // kernel (pooling), output size (adaptive_avg_pool2d)
  long long sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1;
  long long groups = 1, divisor = 0;
  bool ceil = false, include_pad = true;
  std::string mode;             // conv2d: "" (the sizes ph, pw), "valid", "same" or an unknown one; pad: its mode
  std::vector<long long> pads;  // pad
  double value = 0;             // pad's constant
};

// One decoded op: which values it reads and its parameters. Steps are decoded once, while the program first runs;
// the gradient check replays the valid ones.
struct Step {
  unsigned op = 0;
  std::vector<std::size_t> args;  // positions in the value list
  int axis = 0, axis2 = 0;
  bool flag = false;
  std::size_t n1 = 0, n2 = 0;
  double s1 = 0, s2 = 0;
  std::vector<std::size_t> list;  // permutation, indices, labels or a shape
  std::vector<long> dims;         // reshape with -1
  Geom g;                         // the convolution ops
};

std::vector<double> values_of(const TensorD& t) { return t.to_vector(); }
Dims dims_of(const TensorD& t) { return t.shape().vec(); }

TensorD reshape_infer(const TensorD& a, const std::vector<long>& d) {
  switch (d.size()) {
    case 0: return a.reshape(std::initializer_list<long>{});
    case 1: return a.reshape({d[0]});
    case 2: return a.reshape({d[0], d[1]});
    case 3: return a.reshape({d[0], d[1], d[2]});
    default: return a.view({d[0], d[1], d[2], d[3]});
  }
}

// Runs one step with the library. `leaves` holds the tensors the LEAF and FACTORY steps created.
TensorD apply(const Step& s, const std::vector<TensorD>& v, const std::vector<TensorD>& leaves) {
  auto a = [&](std::size_t i) -> const TensorD& { return v[s.args[i]]; };
  switch (s.op) {
    case LEAF:
    case FACTORY: return leaves[s.n1];
    case UNDEFINED: return TensorD();
    case NEG: return s.flag ? -a(0) : ad::neg(a(0));
    case EXP: return s.flag ? a(0).exp() : ad::exp(a(0));
    case LOG: return ad::log(a(0));
    case SQRT: return ad::sqrt(a(0));
    case ABS: return a(0).abs();
    case SIN: return ad::sin(a(0));
    case COS: return ad::cos(a(0));
    case TANH: return a(0).tanh();
    case SIGMOID: return ad::sigmoid(a(0));
    case RELU: return a(0).relu();
    case LEAKY_RELU: return ad::leaky_relu(a(0), s.s1);
    case ELU: return ad::elu(a(0), s.s1);
    case SOFTPLUS: return ad::softplus(a(0), s.s1, s.s2);
    case CLAMP: return s.flag ? a(0).clamp(s.s1, s.s2) : ad::clip(a(0), s.s1, s.s2);
    case HEAVISIDE: return ad::heaviside(a(0));
    case ADD_S: return s.flag ? a(0) + s.s1 : s.s1 + a(0);
    case MUL_S: return s.flag ? a(0) * s.s1 : s.s1 * a(0);
    case RSUB_S: return s.s1 - a(0);
    case RDIV_S: return s.s1 / a(0);
    case DIV_S: return a(0) / s.s1;
    case POW_S: return a(0).pow(s.s1);
    case SPOW: return ad::pow(s.s1, a(0));
    case ADD: return a(0) + a(1);
    case SUB: return a(0) - a(1);
    case MUL: return a(0) * a(1);
    case DIV: return a(0) / a(1);
    case POW: return a(0).pow(a(1));
    case MAXIMUM: return ad::maximum(a(0), a(1));
    case MINIMUM: return ad::minimum(a(0), a(1));
    case GT: return a(0) > a(1);
    case LT: return a(0) < a(1);
    case GE: return a(0) >= a(1);
    case LE: return a(0) <= a(1);
    case EQ: return ad::eq(a(0), a(1));
    case WHERE: return ad::where(a(0), a(1), a(2));
    case MATMUL: return s.flag ? a(0).matmul(a(1)) : ad::matmul(a(0), a(1));
    case LINEAR: return ad::linear(a(0), a(1), s.args.size() > 2 ? a(2) : TensorD());  // undefined: no bias
    case SCE: return ad::softmax_cross_entropy(a(0), s.list, s.flag);
    case RESHAPE: return a(0).reshape(Shape(s.list));
    case RESHAPE_INFER: return reshape_infer(a(0), s.dims);
    case FLATTEN: return a(0).flatten(s.axis, s.axis2);
    case SQUEEZE: return a(0).squeeze(s.axis);
    case UNSQUEEZE: return ad::unsqueeze(a(0), s.axis);
    case PERMUTE: return ad::permute(a(0), s.list);
    case TRANSPOSE: return a(0).transpose(s.axis, s.axis2);
    case TRANSPOSE_LAST: return a(0).t();
    case BROADCAST_TO: return ad::broadcast_to(a(0), Shape(s.list));
    case NARROW: return ad::narrow(a(0), s.axis, s.n1, s.n2);
    case SELECT: return s.flag ? a(0)[s.n1] : ad::select(a(0), s.axis, s.n1);
    case INDEX_SELECT: return s.flag ? a(0).index(s.list) : ad::index_select(a(0), s.axis, s.list);
    case ROWS: return a(0).rows(s.n1, s.n2);
    case CONCAT:
    case STACK: {
      std::vector<TensorD> parts;
      for (std::size_t i = 0; i < s.args.size(); ++i) parts.push_back(a(i));
      return s.op == CONCAT ? ad::concat(parts, s.axis) : ad::stack(parts, s.axis);
    }
    case SUM: return a(0).sum();
    case SUM_AXIS: return a(0).sum(s.axis, s.flag);
    case MEAN: return ad::mean(a(0));
    case MEAN_AXIS: return a(0).mean(s.axis, s.flag);
    case MAX: return a(0).max();
    case MAX_AXIS: return ad::max(a(0), s.axis, s.flag);
    case MIN: return ad::min(a(0));
    case MIN_AXIS: return a(0).min(s.axis, s.flag);
    case LOGSUMEXP: return a(0).logsumexp(s.axis, s.flag);
    case LOG_SOFTMAX: return a(0).log_softmax(s.axis);
    case SOFTMAX: return ad::softmax(a(0), s.axis);
    case CLONE: return a(0).clone();
    case DETACH: return a(0).detach();
    case CONV2D: {
      const ad::ConvPadding padding =
          s.g.mode.empty() ? ad::ConvPadding(ad::Size2(s.g.ph, s.g.pw)) : ad::ConvPadding(s.g.mode);
      return ad::conv2d(a(0), a(1), s.args.size() > 2 ? a(2) : TensorD(), ad::Size2(s.g.sh, s.g.sw), padding,
                        ad::Size2(s.g.dh, s.g.dw), s.g.groups);
    }
    case MAX_POOL2D:
      return ad::max_pool2d(a(0), ad::Size2(s.g.kh, s.g.kw), ad::Size2(s.g.sh, s.g.sw), ad::Size2(s.g.ph, s.g.pw),
                            ad::Size2(s.g.dh, s.g.dw), s.g.ceil);
    case AVG_POOL2D:
      return ad::avg_pool2d(a(0), ad::Size2(s.g.kh, s.g.kw), ad::Size2(s.g.sh, s.g.sw), ad::Size2(s.g.ph, s.g.pw),
                            s.g.ceil, s.g.include_pad, s.g.divisor);
    case ADAPTIVE_AVG_POOL2D: return ad::adaptive_avg_pool2d(a(0), ad::Size2(s.g.kh, s.g.kw));
    case PAD: return ad::pad(a(0), s.g.pads, s.g.mode, s.g.value);
    default: fuzz::finding("apply: unknown op");
  }
}

// The oracle groups the cases of related ops on one line each, a table read across: not reformatted.
// clang-format off
// ---- Expectations ----------------------------------------------------------------------------------------------
// What the documentation says an op must do with these operands.
struct Expect {
  unsigned errors = 0;    // 0: the op is valid; else the classes it may throw
  bool skip = false;      // valid but too large for the harness: not run
  Dims dims;              // the result's shape
  bool check_rg = true;   // check requires_grad against `rg`
  bool rg = false;
  bool check_values = false;
  std::vector<double> want, tol;  // the reference values and their tolerances
  bool smooth = true;     // far from any kink of the op (for gradcheck)
  bool finite_ok = true;  // far from any singularity of the op (for the finite-gradient check)
};

struct Ctx {
  bool grad_enabled = true;
  bool anomaly = false;
};

bool all_finite(const std::vector<double>& v) {
  for (double x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

constexpr double kKink = 1e-2;  // distance from a kink needed for gradcheck
constexpr double kPole = 1e-3;  // distance from a singularity needed for the finite-gradient check

double unary_ref(unsigned op, double x, const Step& s) {
  switch (op) {
    case NEG: return -x;
    case EXP: return std::exp(x);
    case LOG: return std::log(x);
    case SQRT: return std::sqrt(x);
    case ABS: return std::fabs(x);
    case SIN: return std::sin(x);
    case COS: return std::cos(x);
    case TANH: return std::tanh(x);
    case SIGMOID: return 1 / (1 + std::exp(-x));
    case RELU: return x < 0 ? 0 : x;  // NaN stays NaN, as in PyTorch
    case LEAKY_RELU: return x > 0 ? x : s.s1 * x;
    case ELU: return x <= 0 ? s.s1 * (std::exp(x) - 1) : x;
    case SOFTPLUS: return s.s1 * x > s.s2 ? x : std::log1p(std::exp(s.s1 * x)) / s.s1;
    case CLAMP: return x < s.s1 ? s.s1 : (x > s.s2 ? s.s2 : x);  // NaN stays NaN
    case HEAVISIDE: return x > 0 ? 1 : 0;
    case ADD_S: return x + s.s1;
    case MUL_S: return x * s.s1;
    case RSUB_S: return s.s1 - x;
    case RDIV_S: return s.s1 / x;
    case DIV_S: return x * (1 / s.s1);
    case POW_S: return std::pow(x, s.s1);
    case SPOW: return std::pow(s.s1, x);
    default: return kNaN;
  }
}

double binary_ref(unsigned op, double a, double b) {
  switch (op) {
    case ADD: return a + b;
    case SUB: return a - b;
    case MUL: return a * b;
    case DIV: return a / b;
    case POW: return std::pow(a, b);
    case MAXIMUM: return std::isnan(a) || std::isnan(b) ? kNaN : std::max(a, b);  // NaN on either side wins
    case MINIMUM: return std::isnan(a) || std::isnan(b) ? kNaN : std::min(a, b);
    case GT: return a > b;
    case LT: return a < b;
    case GE: return a >= b;
    case LE: return a <= b;
    case EQ: return a == b;
    default: return kNaN;
  }
}

// The largest (smallest) of the values, NaN if any is NaN (PyTorch's max and min).
double nan_max(const double* p, std::size_t n) {
  double m = -kInf;
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isnan(p[i])) return kNaN;
    m = std::max(m, p[i]);
  }
  return m;
}
double nan_min(const double* p, std::size_t n) {
  double m = kInf;
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isnan(p[i])) return kNaN;
    m = std::min(m, p[i]);
  }
  return m;
}

bool is_integer(double p) { return std::isfinite(p) && p == std::floor(p); }

// A tolerance that accepts any result (see Summation).
constexpr double kAnyValue = kInf;

// The reference of a sum that the library adds in another order (SIMD lanes, BLAS blocking, FMA). Finite terms whose
// absolute values add up to less than 1e307 cannot overflow in any order: the result is ours within rounding. A NaN
// term, or +inf and -inf terms together, give NaN in every order; infinities of one sign give that infinity. But when
// partial sums of finite terms may overflow, or a product of finite factors does (an FMA may not), the order decides
// between a large finite value, an infinity and NaN (found by fuzz_expr: -inf where our order gave NaN): any result
// is accepted then.
struct Summation {
  double sum = 0, mag = 0;
  bool order_dependent = false;
  void add(double t) {
    sum += t;
    if (std::isfinite(t)) mag += std::fabs(t);
  }
  void add_product(double a, double b) {
    const double p = a * b;
    if (std::isfinite(a) && std::isfinite(b) && !std::isfinite(p)) order_dependent = true;
    add(p);
  }
  double tol() const { return order_dependent || !(mag < 1e307) ? kAnyValue : 1e-12 * mag + 1e-300; }
};

// Elementwise tolerance: exact ops get rounding slack, transcendental ones a few ulps of libm differences.
void elementwise_tolerance(Expect& e) {
  e.tol.resize(e.want.size());
  for (std::size_t i = 0; i < e.want.size(); ++i) e.tol[i] = 1e-9 * std::fabs(e.want[i]) + 1e-12;
}

// Reference values of `op` gathered along an axis: out[o, k, i] = in[o, idx[k], i].
std::vector<double> take(const std::vector<double>& x, const Dims& d, std::size_t ax,
                         const std::vector<std::size_t>& idx) {
  const Split sp = split(d, ax);
  std::vector<double> out;
  for (std::size_t o = 0; o < sp.outer; ++o)
    for (std::size_t k : idx)
      for (std::size_t i = 0; i < sp.inner; ++i) out.push_back(x[(o * sp.n + k) * sp.inner + i]);
  return out;
}

void expect_conv_op(const Step& s, const std::vector<TensorD>& v, const std::vector<std::vector<double>>& x, Expect& e);

Expect expect(const Step& s, const std::vector<TensorD>& v, const Ctx& ctx, const std::vector<TensorD>& leaves) {
  Expect e;
  // An undefined operand (the bias of linear and conv2d excepted) is a ValueError wherever it is; it may surface
  // after another argument error, so any argument error is accepted.
  for (std::size_t i = 0; i < s.args.size(); ++i)
    if (!v[s.args[i]].defined() && !((s.op == LINEAR || s.op == CONV2D) && i == 2)) {
      e.errors = kValueErr | kShapeErr | kIndexErr;
      return e;
    }
  auto A = [&](std::size_t i) -> const TensorD& { return v[s.args[i]]; };
  auto D = [&](std::size_t i) { return dims_of(A(i)); };
  bool any_rg = false;
  for (std::size_t i = 0; i < s.args.size(); ++i)
    if (v[s.args[i]].defined() && v[s.args[i]].requires_grad()) any_rg = true;
  e.rg = ctx.grad_enabled && any_rg;
  std::vector<std::vector<double>> x;
  bool inputs_finite = true;
  for (std::size_t i = 0; i < s.args.size(); ++i) {
    x.push_back(v[s.args[i]].defined() ? values_of(v[s.args[i]]) : std::vector<double>{});
    inputs_finite = inputs_finite && all_finite(x.back());
  }
  // Values are compared only when the inputs are finite, except for the shape ops, which copy values bit for bit.
  // (What each op gives at NaN and +-inf is PyTorch's, pinned by tests/test_nan_inf.cpp rather than by this oracle.)
  const bool values = inputs_finite;

  switch (s.op) {
    case LEAF: case FACTORY: {
      // Created (and checked) when decoded; here only the handle is passed on.
      const TensorD& t = leaves[s.n1];
      e.dims = dims_of(t);
      e.rg = t.requires_grad();
      return e;
    }
    case UNDEFINED: e.check_rg = false; return e;

    case NEG: case EXP: case LOG: case SQRT: case ABS: case SIN: case COS: case TANH: case SIGMOID: case RELU:
    case LEAKY_RELU: case ELU: case SOFTPLUS: case CLAMP: case HEAVISIDE: case ADD_S: case MUL_S: case RSUB_S:
    case RDIV_S: case DIV_S: case POW_S: case SPOW: {
      if (s.op == SOFTPLUS && !(s.s1 > 0)) e.errors = kValueErr;
      if (s.op == CLAMP && s.s1 > s.s2) e.errors = kValueErr;
      if (e.errors) return e;
      e.dims = D(0);
      if (s.op == HEAVISIDE) e.rg = false;  // a constant: no gradient flows through a step
      const bool params_finite = std::isfinite(s.s1) && (s.op != SOFTPLUS || std::isfinite(s.s2));
      const auto& in = x[0];
      e.check_values = values && (params_finite || s.op == NEG);
      for (double xi : in) {
        e.want.push_back(unary_ref(s.op, xi, s));
        // Kinks (gradcheck) and singularities (finite gradients) of each op, at this input.
        switch (s.op) {
          case ABS: case RELU: case HEAVISIDE: case LEAKY_RELU: case ELU: e.smooth &= std::fabs(xi) > kKink; break;
          case CLAMP: e.smooth &= std::fabs(xi - s.s1) > kKink && std::fabs(xi - s.s2) > kKink; break;
          case SOFTPLUS: e.smooth &= std::fabs(s.s1 * xi - s.s2) > kKink; break;
          case LOG: case SQRT: e.finite_ok &= xi > kPole; e.smooth &= xi > kKink; break;
          case RDIV_S: e.finite_ok &= std::fabs(xi) > kPole; e.smooth &= std::fabs(xi) > kKink; break;
          case POW_S:
            // x^p is smooth everywhere for p = 0, 1, 2, ... (its derivative p x^(p-1) is 0 for p = 0).
            if (!(is_integer(s.s1) && s.s1 >= 0)) {
              e.finite_ok &= xi > kPole;
              e.smooth &= xi > kKink;
            }
            break;
          default: break;
        }
      }
      if (s.op == DIV_S) e.finite_ok &= std::fabs(s.s1) > kPole;
      // s^x: the derivative s^x log(s) needs s > 0 (NaN for s < 0 even where s^x is finite, at integer x).
      if (s.op == SPOW) {
        e.finite_ok &= s.s1 > kPole;
        e.smooth &= s.s1 > kKink;
      }
      // Strong curvature defeats central differences (x^1e6 near 1, softplus with beta 1e6): no gradcheck.
      if ((s.op == POW_S && std::fabs(s.s1) > 8) || (s.op == SOFTPLUS && s.s1 > 10)) e.smooth = false;
      if (!params_finite) e.finite_ok = false;
      elementwise_tolerance(e);
      return e;
    }

    case ADD: case SUB: case MUL: case DIV: case POW: case MAXIMUM: case MINIMUM: case GT: case LT: case GE:
    case LE: case EQ: {
      if (!broadcast(D(0), D(1), e.dims) || !shape_ok(e.dims)) {
        e.errors = kShapeErr;
        return e;
      }
      if (s.op >= GT) e.rg = false;  // comparisons carry no gradient
      const Dims da = D(0), db = D(1);
      e.check_values = values;
      for (std::size_t i = 0, n = count(e.dims); i < n; ++i) {
        const double xa = x[0][source(i, e.dims, da)], xb = x[1][source(i, e.dims, db)];
        e.want.push_back(binary_ref(s.op, xa, xb));
        switch (s.op) {
          case MAXIMUM: case MINIMUM: case GT: case LT: case GE: case LE: case EQ:
            e.smooth &= std::fabs(xa - xb) > kKink;
            break;
          case DIV: e.finite_ok &= std::fabs(xb) > kPole; e.smooth &= std::fabs(xb) > kKink; break;
          case POW:  // the documented domain: a > 0 where the exponent varies (and a^0 = 1 for every a)
            e.finite_ok &= xa > kPole;
            e.smooth &= xa > kKink;
            e.check_values &= xa > 0 || xb == 0;
            break;
          default: break;
        }
      }
      // The domain of pow also over an empty result (broadcast against an empty exponent): its second derivatives
      // are NaN at a = 0 there too.
      if (s.op == POW)
        for (double xa : x[0]) {
          e.finite_ok &= xa > kPole;
          e.smooth &= xa > kKink;
        }
      elementwise_tolerance(e);
      return e;
    }
    case WHERE: {
      Dims ca;
      if (!broadcast(D(0), D(1), ca) || !broadcast(ca, D(2), e.dims) || !shape_ok(e.dims)) {
        e.errors = kShapeErr;
        return e;
      }
      e.rg = ctx.grad_enabled && (A(1).requires_grad() || A(2).requires_grad());
      e.check_values = values;
      const Dims dc = D(0), da = D(1), db = D(2);
      for (std::size_t i = 0, n = count(e.dims); i < n; ++i) {
        const double c = x[0][source(i, e.dims, dc)];
        e.want.push_back(c != 0 ? x[1][source(i, e.dims, da)] : x[2][source(i, e.dims, db)]);
        // A condition that depends on perturbed inputs must not sit on the switch point.
        if (A(0).requires_grad()) e.smooth &= std::fabs(c) > kKink;
      }
      elementwise_tolerance(e);
      return e;
    }

    case MATMUL: {
      const Dims a = D(0), b = D(1);
      if (a.empty() || b.empty() || a.size() > 3 || b.size() > 3) {
        e.errors = kShapeErr;
        return e;
      }
      const std::size_t m = a.size() == 1 ? 1 : a[a.size() - 2], k = a.back();
      const std::size_t kb = b.size() == 1 ? b[0] : b[b.size() - 2], n = b.size() == 1 ? 1 : b.back();
      const std::size_t ba = a.size() == 3 ? a[0] : 0, bb = b.size() == 3 ? b[0] : 0;
      if (k != kb || (a.size() == 3 && b.size() == 3 && ba != bb)) {
        e.errors = kShapeErr;
        return e;
      }
      const std::size_t batch = a.size() == 3 ? ba : (b.size() == 3 ? bb : 1);
      if (a.size() == 3 || b.size() == 3) e.dims.push_back(batch);
      if (a.size() != 1) e.dims.push_back(m);
      if (b.size() != 1) e.dims.push_back(n);
      e.check_values = values;
      const std::size_t as = a.size() == 3 ? m * k : 0, bs = b.size() == 3 ? k * n : 0;
      for (std::size_t q = 0; q < batch; ++q)
        for (std::size_t i = 0; i < m; ++i)
          for (std::size_t j = 0; j < n; ++j) {
            Summation dot;
            for (std::size_t l = 0; l < k; ++l) dot.add_product(x[0][q * as + i * k + l], x[1][q * bs + l * n + j]);
            e.want.push_back(dot.sum);
            e.tol.push_back(dot.tol());
          }
      return e;
    }
    case LINEAR: {
      const Dims xd = D(0), w = D(1);
      const bool bias = s.args.size() > 2 && A(2).defined();
      if (w.size() != 2 || xd.empty() || xd.back() != w[0] || (bias && D(2) != Dims{w[1]})) {
        e.errors = kShapeErr;
        return e;
      }
      e.dims.assign(xd.begin(), xd.end() - 1);
      e.dims.push_back(w[1]);
      const std::size_t in = w[0], out = w[1], rows = count(e.dims) / std::max<std::size_t>(out, 1);
      e.check_values = values;
      for (std::size_t r = 0; r < (out ? rows : 0); ++r)
        for (std::size_t j = 0; j < out; ++j) {
          Summation dot;  // the bias first: the output is pre-filled with it (GEMM with beta = 1)
          if (bias) dot.add(x[2][j]);
          for (std::size_t l = 0; l < in; ++l) dot.add_product(x[0][r * in + l], x[1][l * out + j]);
          e.want.push_back(dot.sum);
          e.tol.push_back(dot.tol());
        }
      return e;
    }
    case SCE: {
      const Dims d = D(0);
      if (d.size() != 2) e.errors |= kShapeErr;
      else if (s.list.size() != d[0]) e.errors |= kShapeErr;
      else if (d[0] == 0 && s.flag) e.errors |= kValueErr;  // the mean over no rows; their sum is 0
      else
        for (std::size_t l : s.list)  // with no classes every label is out of range
          if (l >= d[1]) e.errors |= kIndexErr;
      if (e.errors) return e;
      e.dims = {};
      e.check_values = values;
      double total = 0, mag = 0;
      for (std::size_t i = 0; i < d[0]; ++i) {
        const double* row = &x[0][i * d[1]];
        const double m = nan_max(row, d[1]);  // an infinite maximum makes the row NaN, as in PyTorch
        double z = 0;
        for (std::size_t j = 0; j < d[1]; ++j) z += std::exp(row[j] - m);
        total += m + std::log(z) - row[s.list[i]];
        mag += std::fabs(m) + std::fabs(row[s.list[i]]) + 1;
      }
      e.want = {s.flag ? total / static_cast<double>(d[0]) : total};
      e.tol = {1e-10 * mag};
      return e;
    }

    // Shape ops copy values exactly (tolerance 0, NaN and Inf included).
    case RESHAPE: {
      if (!shape_ok(s.list) || count(s.list) != count(D(0))) {
        e.errors = kShapeErr;
        return e;
      }
      e.dims = s.list;
      e.want = x[0];
      break;
    }
    case RESHAPE_INFER: {
      const std::size_t n = count(D(0));
      int infer = 0;
      bool bad = false;
      Dims d;
      for (long x_ : s.dims) {
        if (x_ == -1) ++infer;
        else if (x_ < 0) bad = true;
        d.push_back(x_ < 0 ? 1 : static_cast<std::size_t>(x_));
      }
      const std::size_t known = count(d);
      if (bad || infer > 1 || (infer == 1 && (known == 0 || n % known != 0))) {
        e.errors = kShapeErr;
        return e;
      }
      for (std::size_t i = 0; i < d.size(); ++i)
        if (s.dims[i] == -1) d[i] = n / known;
      if (!shape_ok(d) || count(d) != n) {
        e.errors = kShapeErr;
        return e;
      }
      e.dims = d;
      e.want = x[0];
      break;
    }
    case FLATTEN: {
      const Dims d = D(0);
      std::size_t b = 0, en = 0;
      if (d.empty()) {
        // A scalar flattens to [1]; tensor.h does not say whether the axes are checked then: both are accepted.
        if (!(resolve(s.axis, 1, b) && resolve(s.axis2, 1, en))) {
          e.errors = kIndexErr;
          e.skip = true;  // checked below: success with [1] or IndexError
        }
        e.dims = {1};
        e.want = x[0];
        break;
      }
      if (!resolve(s.axis, d.size(), b) || !resolve(s.axis2, d.size(), en) || b > en) {
        e.errors = kIndexErr;
        return e;
      }
      std::size_t m = 1;
      for (std::size_t i = b; i <= en; ++i) m *= d[i];
      e.dims.assign(d.begin(), d.begin() + static_cast<long>(b));
      e.dims.push_back(m);
      e.dims.insert(e.dims.end(), d.begin() + static_cast<long>(en) + 1, d.end());
      e.want = x[0];
      break;
    }
    case SQUEEZE: {
      const Dims d = D(0);
      std::size_t ax;
      if (!resolve(s.axis, d.size(), ax)) e.errors = kIndexErr;
      else if (d[ax] != 1) e.errors = kShapeErr;
      if (e.errors) return e;
      e.dims = reduced(d, ax, false);
      e.want = x[0];
      break;
    }
    case UNSQUEEZE: {
      const Dims d = D(0);
      std::size_t ax;
      if (!resolve(s.axis, d.size() + 1, ax)) e.errors = kIndexErr;
      else if (d.size() == Shape::kMaxRank) e.errors = kShapeErr;
      if (e.errors) return e;
      e.dims = d;
      e.dims.insert(e.dims.begin() + static_cast<long>(ax), 1);
      e.want = x[0];
      break;
    }
    case PERMUTE: case TRANSPOSE: case TRANSPOSE_LAST: {
      const Dims d = D(0);
      std::vector<std::size_t> axes;
      if (s.op == PERMUTE) {
        axes = s.list;
        std::vector<bool> seen(d.size(), false);
        bool ok = axes.size() == d.size();
        for (std::size_t q : axes) {
          ok = ok && q < d.size() && !seen[q];
          if (ok) seen[q] = true;
        }
        if (!ok) {
          e.errors = kIndexErr;
          return e;
        }
      } else {
        for (std::size_t q = 0; q < d.size(); ++q) axes.push_back(q);
        std::size_t i = 0, j = 0;
        if (s.op == TRANSPOSE) {
          if (!resolve(s.axis, d.size(), i) || !resolve(s.axis2, d.size(), j)) {
            e.errors = kIndexErr;
            return e;
          }
        } else if (d.size() >= 2) {
          i = d.size() - 2;
          j = d.size() - 1;
        }
        if (!axes.empty()) std::swap(axes[i], axes[j]);
        if (s.op == TRANSPOSE_LAST && d.size() < 2) e.rg = A(0).requires_grad();  // the tensor itself is returned
      }
      for (std::size_t q : axes) e.dims.push_back(d[q]);
      // out[idx] = in[idx permuted]: walk the output in order and compute the input position.
      const std::size_t n = count(d);
      std::vector<std::size_t> in_stride(d.size(), 1);
      for (std::size_t q = d.size(); q-- > 1;) in_stride[q - 1] = in_stride[q] * d[q];
      for (std::size_t f = 0; f < n; ++f) {
        std::size_t rem = f, src = 0;
        for (std::size_t q = e.dims.size(); q-- > 0;) {
          src += (rem % e.dims[q]) * in_stride[axes[q]];
          rem /= e.dims[q];
        }
        e.want.push_back(x[0][src]);
      }
      break;
    }
    case BROADCAST_TO: {
      const Dims d = D(0), t = s.list;
      bool ok = d.size() <= t.size() && shape_ok(t);
      for (std::size_t i = 0; ok && i < d.size(); ++i) ok = d[i] == t[i + t.size() - d.size()] || d[i] == 1;
      if (!ok) {
        e.errors = kShapeErr;
        return e;
      }
      if (count(t) > kMaxNumel) {
        e.skip = true;
        return e;
      }
      e.dims = t;
      for (std::size_t i = 0, n = count(t); i < n; ++i) e.want.push_back(x[0][source(i, t, d)]);
      break;
    }
    case NARROW: case SELECT: case ROWS: case INDEX_SELECT: {
      const Dims d = D(0);
      std::size_t ax = 0;
      const int axis = (s.op == ROWS || ((s.op == SELECT || s.op == INDEX_SELECT) && s.flag)) ? 0 : s.axis;
      if (!resolve(axis, d.size(), ax)) {
        e.errors = kIndexErr;
        return e;
      }
      std::vector<std::size_t> idx;
      if (s.op == NARROW || s.op == ROWS) {
        const std::size_t start = s.n1;
        const std::size_t len = s.op == ROWS ? s.n2 - s.n1 : s.n2;
        if ((s.op == ROWS && s.n1 > s.n2) || start > d[ax] || len > d[ax] - start) {
          e.errors = kIndexErr;
          return e;
        }
        for (std::size_t k = 0; k < len; ++k) idx.push_back(start + k);
      } else if (s.op == SELECT) {
        if (s.n1 >= d[ax]) {
          e.errors = kIndexErr;
          return e;
        }
        idx.push_back(s.n1);
      } else {
        for (std::size_t k : s.list)
          if (k >= d[ax]) {
            e.errors = kIndexErr;
            return e;
          }
        idx = s.list;
      }
      e.dims = d;
      e.dims[ax] = idx.size();
      if (s.op == SELECT) e.dims.erase(e.dims.begin() + static_cast<long>(ax));
      e.want = take(x[0], d, ax, idx);
      break;
    }
    case CONCAT: case STACK: {
      if (s.args.empty()) {
        e.errors = kValueErr;
        return e;
      }
      const Dims d0 = D(0);
      std::size_t ax;
      if (!resolve(s.axis, d0.size() + (s.op == STACK), ax)) {
        e.errors = kIndexErr;
        return e;
      }
      for (std::size_t i = 0; i < s.args.size(); ++i) {
        const Dims di = D(i);
        bool ok = di.size() == d0.size();
        for (std::size_t q = 0; ok && q < di.size(); ++q) ok = di[q] == d0[q] || (s.op == CONCAT && q == ax);
        if (!ok) {
          e.errors = kShapeErr;
          return e;
        }
      }
      if (s.op == STACK && d0.size() == Shape::kMaxRank) {
        e.errors = kShapeErr;
        return e;
      }
      // Stacking is concatenation of the parts with a new axis of size 1 at `ax`.
      std::vector<Dims> pd;
      for (std::size_t i = 0; i < s.args.size(); ++i) {
        Dims di = D(i);
        if (s.op == STACK) di.insert(di.begin() + static_cast<long>(ax), 1);
        pd.push_back(di);
      }
      e.dims = pd[0];
      e.dims[ax] = 0;
      for (const Dims& di : pd) e.dims[ax] += di[ax];
      if (count(e.dims) > kMaxNumel) {
        e.skip = true;
        return e;
      }
      const Split so = split(e.dims, ax);
      for (std::size_t o = 0; o < so.outer; ++o)
        for (std::size_t i = 0; i < pd.size(); ++i) {
          const std::size_t w = pd[i][ax] * so.inner;
          for (std::size_t q = 0; q < w; ++q) e.want.push_back(x[i][o * w + q]);
        }
      break;
    }

    case SUM: case MEAN: case MAX: case MIN: {
      const std::size_t n = x[0].size();
      if ((s.op != SUM) && n == 0) {
        e.errors = kValueErr;
        return e;
      }
      e.dims = {};
      e.check_values = values;
      Summation total;
      for (double xi : x[0]) total.add(xi);
      if (s.op == SUM || s.op == MEAN) {
        e.want = {s.op == SUM ? total.sum : total.sum * (1.0 / static_cast<double>(n))};
        e.tol = {total.tol()};
      } else {
        const double best = s.op == MAX ? nan_max(x[0].data(), n) : nan_min(x[0].data(), n);
        e.want = {best};
        e.tol = {0};
        // gradcheck needs a unique extremum
        std::size_t ties = 0;
        for (double xi : x[0]) ties += std::fabs(xi - best) <= kKink;
        e.smooth = ties == 1;
      }
      return e;
    }
    case SUM_AXIS: case MEAN_AXIS: case MAX_AXIS: case MIN_AXIS: case LOGSUMEXP: case LOG_SOFTMAX: case SOFTMAX: {
      const Dims d = D(0);
      std::size_t ax;
      if (!resolve(s.axis, d.size(), ax)) {
        e.errors = kIndexErr;
        return e;
      }
      if (s.op != SUM_AXIS && d[ax] == 0) {
        e.errors = kValueErr;
        return e;
      }
      const bool keep = s.flag && s.op != LOG_SOFTMAX && s.op != SOFTMAX;
      e.dims = (s.op == LOG_SOFTMAX || s.op == SOFTMAX) ? d : reduced(d, ax, keep);
      if (!shape_ok(e.dims)) {
        e.errors = kShapeErr;
        return e;
      }
      e.check_values = values;
      const Split sp = split(d, ax);
      if (s.op == LOG_SOFTMAX || s.op == SOFTMAX) {
        e.want.assign(x[0].size(), 0);
        e.tol.assign(x[0].size(), 0);
      }
      for (std::size_t o = 0; o < sp.outer; ++o)
        for (std::size_t i = 0; i < sp.inner; ++i) {
          auto at = [&](std::size_t k) { return (o * sp.n + k) * sp.inner + i; };
          Summation total;
          std::vector<double> row(sp.n);
          for (std::size_t k = 0; k < sp.n; ++k) {
            total.add(x[0][at(k)]);
            row[k] = x[0][at(k)];
          }
          const double hi = nan_max(row.data(), sp.n), lo = nan_min(row.data(), sp.n);
          // log_softmax shifts by the maximum as it is (an infinite one makes the row NaN, as in PyTorch);
          // logsumexp shifts by 0 where the maximum is infinite, so +inf gives +inf and a row of -inf gives -inf.
          double z = 0;
          for (std::size_t k = 0; k < sp.n; ++k) z += std::exp(row[k] - hi);
          const double lse = hi + std::log(z);
          const double shift = std::isinf(hi) ? 0 : hi;
          double zs = 0;
          for (std::size_t k = 0; k < sp.n; ++k) zs += std::exp(row[k] - shift);
          const double logsumexp = shift + std::log(zs);
          switch (s.op) {
            case SUM_AXIS: e.want.push_back(total.sum); e.tol.push_back(total.tol()); break;
            case MEAN_AXIS:
              e.want.push_back(total.sum * (1.0 / static_cast<double>(sp.n)));
              e.tol.push_back(total.tol());
              break;
            case MAX_AXIS: case MIN_AXIS: {
              const double best = s.op == MAX_AXIS ? hi : lo;
              e.want.push_back(best);
              e.tol.push_back(0);
              std::size_t ties = 0;
              for (std::size_t k = 0; k < sp.n; ++k) ties += std::fabs(x[0][at(k)] - best) <= kKink;
              e.smooth &= ties == 1;
              break;
            }
            case LOGSUMEXP: e.want.push_back(logsumexp); e.tol.push_back(1e-10 * (std::fabs(shift) + 1)); break;
            default:
              for (std::size_t k = 0; k < sp.n; ++k) {
                const double ls = x[0][at(k)] - lse;
                e.want[at(k)] = s.op == LOG_SOFTMAX ? ls : std::exp(ls);
                e.tol[at(k)] = 1e-10 * (std::fabs(x[0][at(k)]) + std::fabs(lse) + 1);
              }
          }
        }
      return e;
    }

    case CLONE: e.dims = D(0); e.want = x[0]; break;
    case DETACH:
      e.dims = D(0);
      e.want = x[0];
      e.rg = false;
      // Its values still follow the input, but no gradient does: central differences would see what backward
      // rightly ignores, so gradcheck does not apply.
      e.smooth = !A(0).requires_grad();
      break;
    case CONV2D: case MAX_POOL2D: case AVG_POOL2D: case ADAPTIVE_AVG_POOL2D: case PAD:
      expect_conv_op(s, v, x, e);
      return e;
    default: fuzz::finding("expect: unknown op");
  }
  // Shape ops and copies: exact values.
  e.check_values = true;
  e.tol.assign(e.want.size(), 0);
  return e;
}

// clang-format on
// ---- The ops of conv.h ------------------------------------------------------------------------------------------
// Every documented error that applies is accepted, as for the factories: conv_geometry.cpp, ops_pool.cpp and
// ops_pad.cpp check in some order that conv.h does not document. ValueError: an argument out of its domain
// (stride, dilation, groups, kernel or output size < 1, padding < 0 or more than half a pooling kernel, an unknown
// mode, divisor_override < 0, negative or too large pad amounts); ShapeError: the operands' shapes (rank, channels,
// bias, an empty kernel, a (dilated) kernel larger than the padded image, a result above Shape::kMaxNumel). The
// reference values are direct loops over the definitions in conv.h, with PyTorch's rules where it is silent.

// An NCHW image: a 4-D tensor (N, C, H, W) or a 3-D one (C, H, W), N = 1.
struct Image {
  std::size_t N = 1, C = 0, H = 0, W = 0;
  bool batched = false;
};

bool image_of(const Dims& d, Image& im) {
  if (d.size() != 3 && d.size() != 4) return false;
  im.batched = d.size() == 4;
  const std::size_t o = im.batched ? 1 : 0;
  im.N = im.batched ? d[0] : 1;
  im.C = d[o], im.H = d[o + 1], im.W = d[o + 2];
  return true;
}

Dims image_dims(const Image& im, std::size_t channels, std::size_t oh, std::size_t ow) {
  return im.batched ? Dims{im.N, channels, oh, ow} : Dims{channels, oh, ow};
}

// The number of windows of extent d (k - 1) + 1 (which fits) along an axis of n with padding p on both sides:
// floor((n + 2 p - d (k - 1) - 1) / s) + 1, or with ceil_mode the ceiling, less a last window that would start in
// the right padding (PyTorch's pooling_output_shape).
std::size_t windows(long long n, long long k, long long s, long long p, long long d, bool ceil_mode) {
  const long long span = n + 2 * p - d * (k - 1) - 1;
  long long o = span / s + (ceil_mode && span % s != 0 ? 1 : 0) + 1;
  if (ceil_mode && (o - 1) * s >= n + p) --o;
  return static_cast<std::size_t>(o);
}

// y[n, o, i, j] = b[o] + sum over the group's channels c and the kernel (p, q) of
// w[o, c, p, q] x[n, c, i s - top + p d, j s - left + q d], zero outside the image.
void expect_conv2d(const Step& s, const std::vector<TensorD>& v, const std::vector<std::vector<double>>& x, Expect& e) {
  const Geom& g = s.g;
  const bool same = g.mode == "same", bias = s.args.size() > 2 && v[s.args[2]].defined();
  if (!same && !g.mode.empty() && g.mode != "valid") e.errors |= kValueErr;
  if (same ? g.sh != 1 || g.sw != 1 : g.sh < 1 || g.sw < 1) e.errors |= kValueErr;  // "same" needs stride 1
  const long long ph = g.mode.empty() ? g.ph : 0, pw = g.mode.empty() ? g.pw : 0;
  if (g.dh < 1 || g.dw < 1 || ph < 0 || pw < 0 || g.groups < 1) e.errors |= kValueErr;
  const Dims xd = dims_of(v[s.args[0]]), wd = dims_of(v[s.args[1]]);
  Image im;
  if (!image_of(xd, im) || wd.size() != 4) {
    e.errors |= kShapeErr;
    return;
  }
  if (g.groups < 1) return;
  const std::size_t G = static_cast<std::size_t>(g.groups), O = wd[0], Cg = wd[1], KH = wd[2], KW = wd[3];
  if (O % G != 0 || im.C != Cg * G || (bias && dims_of(v[s.args[2]]) != Dims{O}) || KH == 0 || KW == 0) {
    e.errors |= kShapeErr;
    return;
  }
  if (e.errors) return;
  // The dilated kernel must fit the padded image; "same" pads d (k - 1) in all, the odd one at the bottom/right.
  const long long H = static_cast<long long>(im.H), W = static_cast<long long>(im.W);
  const long long eh = g.dh * (static_cast<long long>(KH) - 1) + 1, ew = g.dw * (static_cast<long long>(KW) - 1) + 1;
  const long long pad_h = same ? eh - 1 : 2 * ph, pad_w = same ? ew - 1 : 2 * pw;
  const long long top = same ? (eh - 1) / 2 : ph, left = same ? (ew - 1) / 2 : pw;
  if (eh > H + pad_h || ew > W + pad_w) {
    e.errors |= kShapeErr;
    return;
  }
  const std::size_t OH = static_cast<std::size_t>((H + pad_h - eh) / g.sh + 1);
  const std::size_t OW = static_cast<std::size_t>((W + pad_w - ew) / g.sw + 1);
  e.dims = image_dims(im, O, OH, OW);
  if (count(e.dims) > kMaxNumel) {
    e.skip = true;
    return;
  }
  // Values for finite operands only: an infinite weight times the zero padding is NaN in the library (as in
  // PyTorch's im2col) but no term at all in the definition.
  e.check_values = true;
  for (const auto& xi : x) e.check_values = e.check_values && all_finite(xi);
  const std::size_t Og = O / G;
  for (std::size_t n = 0; n < im.N; ++n)
    for (std::size_t o = 0; o < O; ++o)
      for (std::size_t i = 0; i < OH; ++i)
        for (std::size_t j = 0; j < OW; ++j) {
          Summation acc;  // the bias first: the output is pre-filled with it
          if (bias) acc.add(x[2][o]);
          for (std::size_t c = 0; c < Cg; ++c)
            for (std::size_t p = 0; p < KH; ++p)
              for (std::size_t q = 0; q < KW; ++q) {
                const long long r = static_cast<long long>(i) * g.sh - top + static_cast<long long>(p) * g.dh;
                const long long col = static_cast<long long>(j) * g.sw - left + static_cast<long long>(q) * g.dw;
                if (r < 0 || r >= H || col < 0 || col >= W) continue;
                const std::size_t channel = (o / Og) * Cg + c;
                acc.add_product(x[1][((o * Cg + c) * KH + p) * KW + q],
                                x[0][((n * im.C + channel) * im.H + static_cast<std::size_t>(r)) * im.W +
                                     static_cast<std::size_t>(col)]);
              }
          e.want.push_back(acc.sum);
          e.tol.push_back(acc.tol());
        }
}

// max_pool2d: the maximum of the window's elements inside the image (padding is -inf), NaN if one is NaN.
// avg_pool2d: the window's sum over PyTorch's divisor: divisor_override, else the window clipped to the padded
// image (count_include_pad), else to the image.
void expect_pool(const Step& s, const Dims& xd, const std::vector<double>& x, Expect& e) {
  const Geom& g = s.g;
  const bool is_max = s.op == MAX_POOL2D;
  const long long dh = is_max ? g.dh : 1, dw = is_max ? g.dw : 1;
  const bool by_kernel = g.sh == 0 && g.sw == 0;  // stride=None
  const long long sh = by_kernel ? g.kh : g.sh, sw = by_kernel ? g.kw : g.sw;
  const bool args_ok = g.kh >= 1 && g.kw >= 1 && sh >= 1 && sw >= 1 && dh >= 1 && dw >= 1 && g.ph >= 0 && g.pw >= 0 &&
                       2 * g.ph <= g.kh && 2 * g.pw <= g.kw;
  if (!args_ok || (!is_max && g.divisor < 0)) e.errors |= kValueErr;
  Image im;
  if (!image_of(xd, im)) {
    e.errors |= kShapeErr;
    return;
  }
  if (!args_ok) return;
  const long long H = static_cast<long long>(im.H), W = static_cast<long long>(im.W);
  if (dh * (g.kh - 1) + 1 > H + 2 * g.ph || dw * (g.kw - 1) + 1 > W + 2 * g.pw) {
    e.errors |= kShapeErr;
    return;
  }
  if (e.errors) return;
  const std::size_t OH = windows(H, g.kh, sh, g.ph, dh, g.ceil), OW = windows(W, g.kw, sw, g.pw, dw, g.ceil);
  e.dims = image_dims(im, im.C, OH, OW);
  if (count(e.dims) > kMaxNumel) {
    e.skip = true;
    return;
  }
  e.check_values = true;  // NaN and infinities included: a selection, and sums of the window's elements
  for (std::size_t plane = 0; plane < im.N * im.C; ++plane)
    for (std::size_t i = 0; i < OH; ++i)
      for (std::size_t j = 0; j < OW; ++j) {
        const double* img = x.data() + plane * im.H * im.W;
        const long long h0 = static_cast<long long>(i) * sh - g.ph, w0 = static_cast<long long>(j) * sw - g.pw;
        if (is_max) {
          std::vector<double> win;
          for (long long ki = 0; ki < g.kh; ++ki)
            for (long long kj = 0; kj < g.kw; ++kj) {
              const long long r = h0 + ki * dh, c = w0 + kj * dw;
              if (r >= 0 && r < H && c >= 0 && c < W) win.push_back(img[r * W + c]);
            }
          const double best = nan_max(win.data(), win.size());  // -inf for a window inside the padding
          e.want.push_back(best);
          e.tol.push_back(0);
          // gradcheck needs a unique maximum in every window
          std::size_t ties = 0;
          for (double w : win) ties += std::fabs(w - best) <= kKink;
          e.smooth &= ties == 1;
          continue;
        }
        const long long he = std::min(h0 + g.kh, H + g.ph), we = std::min(w0 + g.kw, W + g.pw);
        const long long padded = (he - h0) * (we - w0);
        const long long r0 = std::max(h0, 0LL), r1 = std::min(he, H), c0 = std::max(w0, 0LL), c1 = std::min(we, W);
        Summation sum;
        for (long long r = r0; r < r1; ++r)
          for (long long c = c0; c < c1; ++c) sum.add(img[r * W + c]);
        const long long inside = std::max(0LL, r1 - r0) * std::max(0LL, c1 - c0);
        const long long divisor = g.divisor ? g.divisor : g.include_pad ? padded : inside;
        if (divisor == 0) {
          // A window inside the padding (an empty image) without count_include_pad: 0 / 0, which conv.h does not
          // settle (PyTorch gives 0, but refuses empty images).
          e.want.push_back(0);
          e.tol.push_back(kAnyValue);
          continue;
        }
        const double want = sum.sum / static_cast<double>(divisor);
        e.want.push_back(want);
        e.tol.push_back(sum.tol() / static_cast<double>(divisor) + 1e-15 * std::fabs(want));
      }
}

// Output cell (i, j) averages rows [floor(i H / oh), ceil((i + 1) H / oh)) and the same for the columns.
void expect_adaptive(const Step& s, const Dims& xd, const std::vector<double>& x, Expect& e) {
  const long long oh = s.g.kh, ow = s.g.kw;
  if (oh < 1 || ow < 1) e.errors |= kValueErr;
  Image im;
  if (!image_of(xd, im) || im.H == 0 || im.W == 0) e.errors |= kShapeErr;
  if (e.errors) return;
  e.dims = xd;
  e.dims[xd.size() - 2] = static_cast<std::size_t>(oh);
  e.dims[xd.size() - 1] = static_cast<std::size_t>(ow);
  if (count(e.dims) > kMaxNumel) {
    e.skip = true;
    return;
  }
  e.check_values = true;  // NaN and infinities included: each cell is the mean of its own bin
  const std::size_t OH = e.dims[xd.size() - 2], OW = e.dims[xd.size() - 1];
  for (std::size_t plane = 0; plane < im.N * im.C; ++plane)
    for (std::size_t i = 0; i < OH; ++i)
      for (std::size_t j = 0; j < OW; ++j) {
        const std::size_t r0 = i * im.H / OH, r1 = ((i + 1) * im.H + OH - 1) / OH;
        const std::size_t c0 = j * im.W / OW, c1 = ((j + 1) * im.W + OW - 1) / OW;
        Summation sum;
        for (std::size_t r = r0; r < r1; ++r)
          for (std::size_t c = c0; c < c1; ++c) sum.add(x[(plane * im.H + r) * im.W + c]);
        const double n = static_cast<double>((r1 - r0) * (c1 - c0)), want = sum.sum / n;
        e.want.push_back(want);
        e.tol.push_back(sum.tol() / n + 1e-15 * std::fabs(want));
      }
}

// pad: (before, after) pairs from the last axis backwards. Output index j of an axis of n reads input j - before:
// the constant outside [0, n), else mirrored without repeating the edge (reflect), clamped (replicate) or wrapped
// (circular). A negative amount crops (constant mode only).
void expect_pad(const Step& s, const Dims& xd, const std::vector<double>& x, bool x_rg, Expect& e) {
  const Geom& g = s.g;
  const std::vector<long long>& pads = g.pads;
  const std::size_t r = xd.size(), k = pads.size() / 2;
  const bool constant = g.mode == "constant", reflect = g.mode == "reflect", circular = g.mode == "circular";
  if (pads.size() % 2 != 0 || k > r || !(constant || reflect || circular || g.mode == "replicate")) {
    e.errors = kValueErr;
    return;
  }
  std::vector<long long> before(r, 0);
  std::vector<double> extent(r);  // as doubles: the amounts may be near LLONG_MAX
  bool identity = true;
  for (std::size_t d = 0; d < r; ++d) extent[d] = static_cast<double>(xd[d]);
  for (std::size_t p = 0; p < k; ++p) {
    const std::size_t d = r - 1 - p;
    const long long n = static_cast<long long>(xd[d]), b = pads[2 * p], a = pads[2 * p + 1];
    if (b != 0 || a != 0) identity = false;
    if (constant) {
      const double crop = (b < 0 ? -static_cast<double>(b) : 0) + (a < 0 ? -static_cast<double>(a) : 0);
      if (crop > static_cast<double>(n)) e.errors = kValueErr;  // crops more than the axis holds
    } else if (b < 0 || a < 0) {
      e.errors = kValueErr;
    } else if ((b != 0 || a != 0) && (n == 0 || (reflect && (b >= n || a >= n)) || (circular && (b > n || a > n)))) {
      e.errors = kValueErr;
    }
    before[d] = b;
    extent[d] += static_cast<double>(b) + static_cast<double>(a);
  }
  if (e.errors) return;
  for (double x_ : extent)
    if (x_ > static_cast<double>(kShapeLimit)) e.errors = kShapeErr;
  if (e.errors) return;
  for (double x_ : extent) e.dims.push_back(static_cast<std::size_t>(x_));
  if (!shape_ok(e.dims)) {
    e.errors = kShapeErr;
    return;
  }
  if (identity) e.rg = x_rg;  // nothing to pad: the input itself is returned
  if (count(e.dims) > kMaxNumel) {
    e.skip = true;
    return;
  }
  e.check_values = true;  // a copy: exact, NaN and infinities included
  std::vector<std::size_t> at(r, 0);
  for (std::size_t f = 0, total = count(e.dims); f < total; ++f) {
    std::size_t rem = f, src = 0;
    for (std::size_t d = r; d-- > 0;) {
      at[d] = rem % e.dims[d];
      rem /= e.dims[d];
    }
    bool inside = true;
    for (std::size_t d = 0; d < r; ++d) {
      const long long n = static_cast<long long>(xd[d]);
      long long i = static_cast<long long>(at[d]) - before[d];
      if (i < 0 || i >= n) {
        if (constant)
          inside = false;
        else if (reflect)
          i = i < 0 ? -i : 2 * (n - 1) - i;
        else if (circular)
          i = (i % n + n) % n;
        else
          i = i < 0 ? 0 : n - 1;
      }
      src = src * xd[d] + static_cast<std::size_t>(inside ? i : 0);
    }
    e.want.push_back(inside ? x[src] : g.value);
  }
  e.tol.assign(e.want.size(), 0);
}

void expect_conv_op(const Step& s, const std::vector<TensorD>& v, const std::vector<std::vector<double>>& x,
                    Expect& e) {
  const Dims xd = dims_of(v[s.args[0]]);
  switch (s.op) {
    case CONV2D: expect_conv2d(s, v, x, e); break;
    case MAX_POOL2D:
    case AVG_POOL2D: expect_pool(s, xd, x[0], e); break;
    case ADAPTIVE_AVG_POOL2D: expect_adaptive(s, xd, x[0], e); break;
    default: expect_pad(s, xd, x[0], v[s.args[0]].requires_grad(), e); break;
  }
}

// ---- Running and checking a program ----------------------------------------------------------------------------
struct Program {
  std::vector<Step> steps;         // the valid steps, in order (each pushed one value)
  std::vector<TensorD> leaves;     // created by LEAF and FACTORY steps
  std::string trace;               // what ran, for the finding report
  bool finite_ok = true;           // gradients must be finite
  bool smooth = true;              // gradcheck applies
  std::size_t first_result = 0;    // values before it are leaves
  std::vector<std::size_t> terms;  // the values summed into the loss
};

// The pass stays well-conditioned while values (leaves and results) stay finite and moderate: gradients are then
// finite, and central differences with steps down to 1e-7 resolve them.
void note_values(Program& p, const std::vector<double>& values) {
  for (double x : values) {
    if (!(std::fabs(x) <= 1e4)) p.finite_ok = false;
    if (!(std::fabs(x) <= 1e3)) p.smooth = false;
  }
}

[[noreturn]] void fail(const Program& p, const std::string& what) { fuzz::finding(what + "\nprogram:\n" + p.trace); }

bool same_value(double got, double want, double tol) {
  if (tol == kAnyValue) return true;
  if (std::isnan(want)) return std::isnan(got);
  if (std::isinf(want) || std::fabs(want) > 1e300) return got == want || std::fabs(want) > 1e300;
  if (tol == 0) return std::memcmp(&got, &want, sizeof got) == 0 || got == want;
  return std::fabs(got - want) <= tol;
}

// The results that enter the loss: every recorded one (defined, requiring grad, not a leaf). Chosen once, after the
// first run: the gradient check replays the program under no_grad, where nothing requires grad.
std::vector<std::size_t> loss_terms(const std::vector<TensorD>& values, std::size_t first) {
  std::vector<std::size_t> terms;
  for (std::size_t i = first; i < values.size(); ++i)
    if (values[i].defined() && values[i].requires_grad() && !values[i].is_leaf()) terms.push_back(i);
  return terms;
}

// The weighted sum of the terms: its backward runs the backward of every op in the program.
TensorD loss_of(const std::vector<TensorD>& values, const std::vector<std::size_t>& terms) {
  TensorD loss;
  for (std::size_t i : terms) {
    const TensorD term = ad::sum(values[i]) * (1.0 + 0.25 * static_cast<double>(i));
    loss = loss.defined() ? loss + term : term;
  }
  return loss;
}

// Replays the valid steps on the leaves (for gradcheck): the same ops in the same order.
std::vector<TensorD> replay(const Program& p) {
  std::vector<TensorD> values;
  for (const Step& s : p.steps) values.push_back(apply(s, values, p.leaves));
  return values;
}

std::string describe(const Step& s, const std::vector<TensorD>& v) {
  std::string d = op_name(s.op);
  d += "(";
  for (std::size_t i = 0; i < s.args.size(); ++i) {
    const TensorD& t = v[s.args[i]];
    d += (i ? ", " : "") + std::string("v") + std::to_string(s.args[i]) +
         (t.defined() ? t.shape().str() + (t.requires_grad() ? "g" : "") : "undefined");
  }
  d += ") axis=" + std::to_string(s.axis) + "," + std::to_string(s.axis2) + " flag=" + std::to_string(s.flag) +
       " n=" + std::to_string(s.n1) + "," + std::to_string(s.n2) + " s=" + std::to_string(s.s1) + "," +
       std::to_string(s.s2);
  if (!s.list.empty()) d += " list=" + str(s.list);
  if (!s.dims.empty()) {
    d += " dims=[";
    for (long x : s.dims) d += std::to_string(x) + " ";
    d += "]";
  }
  if (s.op >= CONV2D) {
    const Geom& g = s.g;
    auto pair = [](long long a, long long b) { return "(" + std::to_string(a) + "," + std::to_string(b) + ")"; };
    d += " kernel/out=" + pair(g.kh, g.kw) + " stride=" + pair(g.sh, g.sw) + " padding=" + pair(g.ph, g.pw) +
         " dilation=" + pair(g.dh, g.dw) + " groups=" + std::to_string(g.groups) + " ceil=" + std::to_string(g.ceil) +
         " include_pad=" + std::to_string(g.include_pad) + " divisor=" + std::to_string(g.divisor) + " mode=\"" +
         g.mode + "\" value=" + std::to_string(g.value) + " pads=(";
    for (std::size_t i = 0; i < g.pads.size(); ++i) d += (i ? "," : "") + std::to_string(g.pads[i]);
    d += ")";
  }
  return d;
}

// A new leaf from the input bytes (values, shape, requires_grad).
TensorD make_leaf(Bytes& in, std::size_t id, bool specials) {
  const Dims d = small_dims(in);
  std::vector<double> vals(count(d));
  for (auto& x : vals) x = leaf_value(in.byte(), id, specials);
  const bool rg = !in.one_in(5);
  return TensorD::from(vals, Shape(d), rg);
}

// A new leaf of shape d (values and requires_grad from the input), appended to the values as a LEAF step.
std::size_t push_leaf(Bytes& in, const Dims& d, bool specials, std::vector<TensorD>& v, Program& p) {
  std::vector<double> vals(count(d));
  for (auto& x : vals) x = leaf_value(in.byte(), p.leaves.size(), specials);
  const bool rg = !in.one_in(5);
  Step s;
  s.op = LEAF;
  s.n1 = p.leaves.size();
  p.leaves.push_back(TensorD::from(vals, Shape(d), rg));
  v.push_back(p.leaves.back());
  p.steps.push_back(s);
  p.trace += "  v" + std::to_string(v.size() - 1) + " = leaf " + p.leaves.back().str() + "\n";
  note_values(p, vals);
  return v.size() - 1;
}

// conv2d's weight (and, one time in two, bias) as new leaves made for the input's channels and the decoded groups:
// (out, in / groups, kh, kw) with out a multiple of groups. A weight taken from the values rarely fits. Sometimes
// one size is off, the kernel empty or the weight 3-D.
void conv_operands(Bytes& in, Step& s, std::vector<TensorD>& v, Program& p, bool specials) {
  const TensorD& x = v[s.args[0]];
  const Dims d = x.defined() ? dims_of(x) : Dims{};
  const std::size_t C = d.size() == 3 || d.size() == 4 ? std::min<std::size_t>(d[d.size() - 3], 8) : in.below(4);
  const std::size_t G = s.g.groups >= 1 ? static_cast<std::size_t>(s.g.groups) : 1;
  std::size_t cg = C / G + (in.one_in(16) ? 1 : 0);
  std::size_t out = G * (1 + in.below(2)) + (in.one_in(16) ? 1 : 0);
  std::size_t kh = in.one_in(16) ? 0 : 1 + in.below(3), kw = in.one_in(16) ? 0 : 1 + in.below(3);
  while (out * cg * kh * kw > kMaxLeafNumel) {
    if (kw > 1)
      --kw;
    else if (kh > 1)
      --kh;
    else if (out > 1)
      --out;
    else
      --cg;
  }
  Dims wd = {out, cg, kh, kw};
  if (in.one_in(32)) wd.pop_back();
  s.args.push_back(push_leaf(in, wd, specials, v, p));
  if (in.one_in(2)) s.args.push_back(push_leaf(in, Dims{out + (in.one_in(16) ? 1 : 0)}, specials, v, p));
}

// FACTORY: the tensor factories, some with invalid arguments. Returns the class expected and sets `t` when valid.
unsigned run_factory(Bytes& in, TensorD& t, Program& p) {
  const unsigned kind = in.byte() % 9;
  const bool rg = in.one_in(2);
  Dims d = small_dims(in);
  if (in.one_in(8) && count(d) > 0) d = overflow_dims(in, count(d));
  const double a = scalar_arg(in), b = scalar_arg(in);
  // Every applicable error is accepted: the order of the checks is not documented.
  unsigned expected = shape_ok(d) ? 0 : kShapeErr;
  std::size_t n = 1 + in.below(6);
  std::vector<double> from_values(count(d) <= kMaxNumel ? count(d) : 0);
  if (kind == 5 && in.one_in(3)) from_values.push_back(1.5);  // one value too many
  if (kind == 5 && from_values.size() != count(d)) expected |= kShapeErr;
  if (kind == 6 && !(a <= b)) expected |= kValueErr;
  if (kind == 7 && !(b >= 0)) expected |= kValueErr;
  p.trace += "  factory kind " + std::to_string(kind) + " shape " + str(d) + " a=" + std::to_string(a) +
             " b=" + std::to_string(b) + " n=" + std::to_string(n) + "\n";
  const unsigned got = outcome(
      [&] {
        switch (kind) {
          case 0: t = TensorD::zeros(Shape(d), rg); break;
          case 1: t = TensorD::ones(Shape(d), rg); break;
          case 2: t = TensorD::full(Shape(d), a, rg); break;
          case 3: t = TensorD::arange(n); break;
          case 4: t = TensorD::eye(n); break;
          case 5: t = TensorD::from(from_values, Shape(d), rg); break;
          case 6: t = TensorD::uniform(Shape(d), a, b, rg); break;
          case 7: t = TensorD::normal(Shape(d), a, b, rg); break;
          default: t = TensorD::scalar(a, rg); break;
        }
      },
      "factory");
  if (kind == 3 || kind == 4 || kind == 8) expected = 0;
  if (expected == 0 && got) fail(p, "factory kind " + std::to_string(kind) + " threw " + class_names(got));
  if (expected && !got) fail(p, "factory kind " + std::to_string(kind) + " accepted shape " + str(d));
  if (expected && !(got & expected))
    fail(p, "factory threw " + class_names(got) + ", documented: " + class_names(expected));
  if (got) return got;
  // The values of the deterministic factories.
  const Dims want_dims = kind == 3 ? Dims{n} : kind == 4 ? Dims{n, n} : kind == 8 ? Dims{} : d;
  if (dims_of(t) != want_dims) fail(p, "factory kind " + std::to_string(kind) + " gave shape " + t.shape().str());
  const std::vector<double> got_v = values_of(t);
  for (std::size_t i = 0; i < got_v.size(); ++i) {
    double want = kNaN;
    switch (kind) {
      case 0: want = 0; break;
      case 1: want = 1; break;
      case 2:
      case 8: want = a; break;
      case 3: want = static_cast<double>(i); break;
      case 4: want = i / n == i % n; break;
      case 5: want = 0; break;
      case 6:
        if (std::isfinite(a) && std::isfinite(b) && !(got_v[i] >= a && (got_v[i] < b || a == b)))
          fail(p, "uniform gave a value outside [lo, hi)");
        continue;
      default: continue;
    }
    if (!same_value(got_v[i], want, 0)) fail(p, "factory kind " + std::to_string(kind) + " gave a wrong value");
  }
  return 0;
}

// The geometry arguments of the ops of conv.h: mostly small valid values, sometimes 0 or negative.
constexpr long long kKernels[8] = {1, 2, 3, 2, 1, 3, 2, 0};
constexpr long long kStrides[8] = {1, 1, 2, 1, 3, 2, 1, 0};
constexpr long long kPaddings[8] = {0, 0, 1, 0, 1, 2, 0, -1};
constexpr long long kDilations[8] = {1, 1, 1, 2, 1, 2, 1, 0};
constexpr long long kGroups[8] = {1, 1, 1, 2, 3, 1, 2, 0};
constexpr long long kOutputSizes[8] = {1, 2, 3, 4, 1, 2, 5, 0};
long long geo_arg(Bytes& in, const long long (&table)[8]) { return table[in.byte() & 7]; }

// pad's amounts: mostly 0 to 3, sometimes negative (a crop in constant mode, else a ValueError), rarely so large
// that the result cannot have a shape (ShapeError), near LLONG_MAX included.
long long pad_amount(Bytes& in) {
  static const long long table[16] = {0, 1, 2, 1, 0, 3, 1, 2, 0, 1, 2, -1, 0, 1, -2, -1};
  const unsigned b = in.byte();
  switch (b) {
    case 255: return LLONG_MAX;
    case 254: return 1LL << 50;
    case 253: return 1LL << 62;
    case 252: return LLONG_MIN;
    case 251: return -(1LL << 50);
    default: return table[b & 15];
  }
}

// Decodes the parameters of step `s` (operands already chosen) from the input, using the operands' shapes to
// land mostly on valid arguments and sometimes just outside them.
void decode_params(Bytes& in, Step& s, const std::vector<TensorD>& v) {
  const TensorD& a = v[s.args[0]];
  const Dims d = a.defined() ? dims_of(a) : Dims{};
  const std::size_t r = d.size();
  s.flag = in.byte() & 1;
  switch (s.op) {
    case LEAKY_RELU:
    case ELU:
    case ADD_S:
    case MUL_S:
    case RSUB_S:
    case RDIV_S:
    case DIV_S:
    case POW_S:
    case SPOW: s.s1 = scalar_arg(in); break;
    case SOFTPLUS:
    case CLAMP:
      s.s1 = scalar_arg(in);
      s.s2 = scalar_arg(in);
      break;
    case SCE: {
      const std::size_t rows = r >= 1 ? d[0] : 1, classes = r == 2 ? d[1] : 2;
      const std::size_t n = in.one_in(8) ? in.below(4) : rows;
      for (std::size_t i = 0; i < n && i < 64; ++i)
        s.list.push_back(in.one_in(16) ? index_arg(in, classes) : in.below(std::max<std::size_t>(classes, 1)));
      break;
    }
    case RESHAPE: {
      const std::size_t n = count(d);
      const unsigned mode = in.byte() % 8;
      if (mode == 0 && n > 0) {
        s.list = overflow_dims(in, n);
      } else if (mode == 1) {
        s.list = small_dims(in);
      } else {
        // A random factorisation of n, with some 1s (and a 0 for an empty tensor).
        std::size_t rest = n == 0 ? 1 : n;
        while (rest > 1 && s.list.size() < 9) {
          std::size_t f = 2 + in.below(rest - 1);
          while (rest % f) ++f;
          s.list.push_back(f);
          rest /= f;
        }
        if (n == 0) s.list.insert(s.list.begin() + static_cast<long>(in.below(s.list.size() + 1)), 0);
        for (unsigned k = in.byte() % 3; k > 0; --k)
          s.list.insert(s.list.begin() + static_cast<long>(in.below(s.list.size() + 1)), 1);
      }
      break;
    }
    case RESHAPE_INFER: {
      const std::size_t len = in.below(5);
      for (std::size_t i = 0; i < len; ++i) {
        const unsigned b = in.byte();
        s.dims.push_back(b < 64     ? -1
                         : b < 70   ? -2 - static_cast<long>(b - 64)
                         : b == 255 ? LONG_MAX
                         : b == 254 ? (long(1) << 62) + 1
                                    : static_cast<long>(b % 7));
      }
      break;
    }
    case FLATTEN:
    case TRANSPOSE:
      s.axis = axis_arg(in, r);
      s.axis2 = axis_arg(in, r);
      break;
    case SQUEEZE:
    case SUM_AXIS:
    case MEAN_AXIS:
    case MAX_AXIS:
    case MIN_AXIS:
    case LOGSUMEXP:
    case LOG_SOFTMAX:
    case SOFTMAX: s.axis = axis_arg(in, r); break;
    case UNSQUEEZE:
    case CONCAT:
    case STACK: s.axis = axis_arg(in, r + 1); break;
    case PERMUTE: {
      for (std::size_t i = 0; i < r; ++i) s.list.push_back(i);
      for (std::size_t i = r; i > 1; --i) std::swap(s.list[i - 1], s.list[in.below(i)]);
      switch (in.byte() % 8) {
        case 0:
          if (!s.list.empty()) s.list[in.below(s.list.size())] = in.below(r + 2);
          break;
        case 1: s.list.push_back(in.below(r + 1)); break;
        case 2:
          if (!s.list.empty()) s.list.pop_back();
          break;
        default: break;
      }
      break;
    }
    case BROADCAST_TO: {
      s.list = d;
      if (in.one_in(8) && count(d) > 0) {
        const Dims o = overflow_dims(in, count(d));
        s.list.insert(s.list.begin(), o.begin(), o.end());
        break;
      }
      for (std::size_t k = in.below(3); k > 0; --k) s.list.insert(s.list.begin(), 1 + in.below(3));
      for (auto& x : s.list)
        if (x == 1 && in.one_in(2)) x = 1 + in.below(4);
      if (in.one_in(6) && !s.list.empty()) s.list[in.below(s.list.size())] = in.below(5);
      break;
    }
    case NARROW:
    case SELECT:
    case ROWS:
    case INDEX_SELECT: {
      s.axis = axis_arg(in, r);
      std::size_t ax = 0;
      const int axis = (s.op == ROWS || ((s.op == SELECT || s.op == INDEX_SELECT) && s.flag)) ? 0 : s.axis;
      const std::size_t size = resolve(axis, r, ax) ? d[ax] : 2;
      s.n1 = index_arg(in, size);
      s.n2 = s.op == ROWS ? index_arg(in, size) : index_arg(in, size - std::min(s.n1, size));
      if (s.op == INDEX_SELECT)
        for (std::size_t k = in.below(6); k > 0; --k)
          s.list.push_back(in.one_in(8) ? index_arg(in, size) : in.below(size + 1));
      break;
    }
    case CONV2D: {
      Geom& g = s.g;
      g.sh = geo_arg(in, kStrides), g.sw = geo_arg(in, kStrides);
      const unsigned m = in.byte() % 16;
      g.mode = m < 10 ? "" : m < 12 ? "valid" : m < 15 ? "same" : "full";
      if (g.mode.empty()) g.ph = geo_arg(in, kPaddings), g.pw = geo_arg(in, kPaddings);
      g.dh = geo_arg(in, kDilations), g.dw = geo_arg(in, kDilations);
      g.groups = geo_arg(in, kGroups);
      break;
    }
    case MAX_POOL2D:
    case AVG_POOL2D: {
      Geom& g = s.g;
      g.kh = geo_arg(in, kKernels), g.kw = geo_arg(in, kKernels);
      if (in.one_in(3))
        g.sh = g.sw = 0;  // stride=None: the kernel size
      else
        g.sh = geo_arg(in, kStrides), g.sw = geo_arg(in, kStrides);
      g.ph = geo_arg(in, kPaddings), g.pw = geo_arg(in, kPaddings);
      if (s.op == MAX_POOL2D) g.dh = geo_arg(in, kDilations), g.dw = geo_arg(in, kDilations);
      const unsigned f = in.byte();
      g.ceil = f & 1;
      g.include_pad = (f & 6) != 6;
      if (s.op == AVG_POOL2D) {
        const unsigned b = in.byte();
        g.divisor = b < 192 ? 0 : b < 248 ? 1 + b % 3 : -1 - static_cast<long long>(b % 2);
      }
      break;
    }
    case ADAPTIVE_AVG_POOL2D: s.g.kh = geo_arg(in, kOutputSizes), s.g.kw = geo_arg(in, kOutputSizes); break;
    case PAD: {
      Geom& g = s.g;
      static const char* modes[8] = {"constant",  "constant", "constant", "reflect",
                                     "replicate", "circular", "reflect",  "replicate"};
      const unsigned m = in.byte();
      g.mode = m == 255 ? "zeros" : modes[m & 7];
      const unsigned b = in.byte();
      std::size_t n = 2 * (b % (r + 1));  // pairs for up to every axis
      if (b >= 248) n = 2 * (r + 1);      // one pair too many
      if (b >= 240 && b < 248) ++n;       // an odd count
      for (std::size_t i = 0; i < n; ++i) g.pads.push_back(pad_amount(in));
      g.value = scalar_arg(in);
      break;
    }
    default: break;
  }
}

// The number of operands of an op (CONCAT/STACK: chosen from the input, possibly 0).
std::size_t arity(unsigned op, Bytes& in) {
  switch (op) {
    case LEAF:
    case UNDEFINED:
    case FACTORY: return 0;
    case ADD:
    case SUB:
    case MUL:
    case DIV:
    case POW:
    case MAXIMUM:
    case MINIMUM:
    case GT:
    case LT:
    case GE:
    case LE:
    case EQ:
    case MATMUL: return 2;
    case WHERE: return 3;
    case LINEAR: return in.one_in(3) ? 2 : 3;
    case CONV2D: return in.one_in(4) ? 2 + in.below(2) : 1;  // 1: a weight and bias made to fit (conv_operands)
    case CONCAT:
    case STACK: return in.below(5);
    default: return 1;
  }
}

// QUERY: item, at, size, str (no value produced). Returns nothing; checks the outcome.
void run_query(Bytes& in, const TensorD& t, Program& p) {
  const unsigned kind = in.byte() % 4;
  const Dims d = t.defined() ? dims_of(t) : Dims{};
  std::vector<std::size_t> idx;
  for (std::size_t k = 0; k < d.size() + (in.one_in(8) ? 1 : 0); ++k)
    idx.push_back(in.one_in(8) ? index_arg(in, k < d.size() ? d[k] : 1) : in.below(k < d.size() && d[k] ? d[k] : 1));
  const int axis = axis_arg(in, d.size());
  unsigned expected = 0;
  if (!t.defined()) {
    expected = kind == 3 ? 0 : kValueErr;
  } else if (kind == 0) {
    expected = count(d) == 1 ? 0 : kValueErr;
  } else if (kind == 1) {
    bool ok = idx.size() == d.size();
    for (std::size_t k = 0; ok && k < d.size(); ++k) ok = idx[k] < d[k];
    expected = ok ? 0 : kIndexErr;
  } else if (kind == 2) {
    std::size_t ax;
    expected = resolve(axis, d.size(), ax) ? 0 : kIndexErr;
  }
  double got_value = 0;
  const unsigned got = outcome(
      [&] {
        switch (kind) {
          case 0: got_value = t.item(); break;
          case 1: {
            // at() takes an initializer_list: the ranks that fit one are spelled out.
            switch (idx.size()) {
              case 0: got_value = t.at({}); break;
              case 1: got_value = t.at({idx[0]}); break;
              case 2: got_value = t.at({idx[0], idx[1]}); break;
              case 3: got_value = t.at({idx[0], idx[1], idx[2]}); break;
              default: got_value = t.at({idx[0], idx[1], idx[2], idx[3]}); break;
            }
            break;
          }
          case 2: got_value = static_cast<double>(t.size(axis)); break;
          default: (void)t.str(); break;
        }
      },
      "query");
  if (kind == 1 && idx.size() > 4) return;  // only the first four indices were passed
  p.trace += "  query kind " + std::to_string(kind) + "\n";
  if (got != expected && !(expected && (got & expected)))
    fail(p,
         "query kind " + std::to_string(kind) + ": got " + class_names(got) + ", documented " + class_names(expected));
  if (got) return;
  const std::vector<double> vals = t.defined() ? values_of(t) : std::vector<double>{};
  if (kind == 0 && !same_value(got_value, vals[0], 0)) fail(p, "item() gave a wrong value");
  if (kind == 1) {
    std::size_t flat = 0;
    for (std::size_t k = 0; k < d.size(); ++k) flat = flat * d[k] + idx[k];
    if (!same_value(got_value, vals[flat], 0)) fail(p, "at() gave a wrong value");
  }
  if (kind == 2) {
    std::size_t ax = 0;
    resolve(axis, d.size(), ax);
    if (got_value != static_cast<double>(d[ax])) fail(p, "size() gave a wrong value");
  }
}

// Checks the gradients after a backward of `loss`: shapes always, finiteness when the forward pass allowed it.
void check_leaf_grads(const Program& p, const std::string& when) {
  for (const TensorD& leaf : p.leaves) {
    const TensorD g = leaf.grad();
    if (!g.defined()) continue;
    if (!leaf.requires_grad()) fail(p, when + ": a leaf that does not require grad received a gradient");
    if (g.shape() != leaf.shape())
      fail(p, when + ": gradient of shape " + g.shape().str() + " for a leaf of shape " + leaf.shape().str());
    if (p.finite_ok && !all_finite(values_of(g)))
      fail(p, when + ": non-finite gradient although the forward pass was well-conditioned");
  }
}

using Check = std::function<ad::GradcheckResult(const std::function<TensorD(const std::vector<TensorD>&)>&,
                                                const std::vector<TensorD>&, const ad::GradcheckOptions&)>;

// `check` (gradcheck or gradgradcheck) of the whole program (normalised to a loss of order 1) when its leaves hold at
// most max_elements values, at three step sizes: a wrong derivative fails at all of them, a kink or rounding trouble
// rarely does.
void run_check(const Program& p, double scale, const char* name, std::size_t max_elements, const Check& check) {
  std::vector<TensorD> inputs;
  std::size_t elements = 0;
  for (const TensorD& leaf : p.leaves)
    if (leaf.requires_grad()) {
      inputs.push_back(leaf);
      elements += leaf.numel();
    }
  if (inputs.empty() || elements > max_elements) return;
  const std::function<TensorD(const std::vector<TensorD>&)> f = [&](const std::vector<TensorD>&) {
    const TensorD loss = loss_of(replay(p), p.terms);
    return loss.defined() ? loss * (1.0 / scale) : TensorD::scalar(0.0);
  };
  std::string report;
  for (const double eps : {1e-6, 1e-4, 1e-7}) {
    ad::GradcheckOptions opt;
    opt.eps = eps;
    ad::GradcheckResult r;
    const unsigned got = outcome([&] { r = check(f, inputs, opt); }, name);
    // the loss does not depend on the inputs (e.g. only comparisons), or its gradient is a constant
    if (got == kGraphErr) return;
    if (got) fail(p, std::string(name) + " threw " + class_names(got));
    if (r.ok) return;
    report += "eps " + std::to_string(eps) + ": " + r.report + "\n";
  }
  fail(p, std::string(name) + " failed at every step size:\n" + report);
}

void run_gradcheck(const Program& p, double scale) {
  run_check(p, scale, "gradcheck", 32,
            [](const auto& f, const auto& inputs, const auto& opt) { return ad::gradcheck<double>(f, inputs, opt); });
}

// Second order: smaller programs, as each numeric entry is a double backward.
void run_gradgradcheck(const Program& p, double scale) {
  run_check(p, scale, "gradgradcheck", 12, [](const auto& f, const auto& inputs, const auto& opt) {
    return ad::gradgradcheck<double>(f, inputs, opt, TensorD::scalar(1.0));
  });
}

// Double backward: the recorded gradients (ad::grad, create_graph) against the fast ones, then a backward through
// them. Any op may appear here, kinks included: the recorded rules must agree with the fast ones everywhere.
void run_double_backward(const Program& p, double scale) {
  std::vector<TensorD> inputs;
  for (const TensorD& leaf : p.leaves)
    if (leaf.requires_grad()) inputs.push_back(leaf);
  if (inputs.empty()) return;
  for (const TensorD& leaf : inputs) const_cast<TensorD&>(leaf).zero_grad(true);
  TensorD loss;
  unsigned got = outcome([&] { loss = loss_of(replay(p), p.terms); }, "replay");
  if (got) fail(p, "replaying the program threw " + class_names(got));
  if (!loss.defined() || !loss.requires_grad()) return;
  loss = loss * (1.0 / scale);
  std::vector<TensorD> g;
  got = outcome([&] { g = ad::grad<double>({loss}, inputs, {}, ad::GradOptions{{}, true, true}); }, "grad");
  if (got) fail(p, "grad(create_graph) threw " + class_names(got));
  got = outcome([&] { loss.backward(/*retain_graph=*/true); }, "backward");
  if (got) fail(p, "backward after grad(create_graph) threw " + class_names(got));
  TensorD total;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const TensorD fast = inputs[i].grad();
    if (!g[i].defined()) {
      if (fast.defined() && !all_finite(values_of(fast))) continue;
      if (fast.defined())
        for (double v : values_of(fast))
          if (v != 0) fail(p, "grad: input " + std::to_string(i) + " unused, but backward gives a non-zero gradient");
      continue;
    }
    if (g[i].shape() != inputs[i].shape())
      fail(p, "grad: gradient of shape " + g[i].shape().str() + " for a leaf of shape " + inputs[i].shape().str());
    if (!fast.defined()) fail(p, "grad gives a gradient for input " + std::to_string(i) + ", backward none");
    const std::vector<double> a = values_of(g[i]), b = values_of(fast);
    for (std::size_t e = 0; e < a.size(); ++e)
      if (!same_value(a[e], b[e], 1e-9 * (1 + std::fabs(b[e]))))
        fail(p, "grad(create_graph) and backward differ for input " + std::to_string(i) + " element " +
                    std::to_string(e) + ": " + std::to_string(a[e]) + " vs " + std::to_string(b[e]));
    if (g[i].requires_grad()) total = total.defined() ? total + g[i].sum() : g[i].sum();
  }
  for (const TensorD& leaf : inputs) const_cast<TensorD&>(leaf).zero_grad(true);
  if (!total.defined()) return;
  got = outcome([&] { total.backward(); }, "double backward");
  if (got) fail(p, "backward through the gradients threw " + class_names(got));
  check_leaf_grads(p, "double backward");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Bytes in(data, size);
  ad::manual_seed(size);
  const unsigned mode = in.byte();
  Ctx ctx;
  ctx.anomaly = mode & 1;
  ctx.grad_enabled = (mode & 6) != 6;
  const bool want_gradcheck = mode & 8;
  const bool specials = mode & 16;
  const unsigned misuse = mode >> 5;
  ad::AnomalyGuard anomaly_guard(ctx.anomaly);

  Program p;
  std::vector<TensorD> v;
  {
    // Leaves and results live in `v`; the NoGradGuard (if any) covers the whole forward pass.
    std::unique_ptr<ad::NoGradGuard> no_grad;
    if (!ctx.grad_enabled) no_grad = std::make_unique<ad::NoGradGuard>();
    const std::size_t n_leaves = 1 + in.below(3);
    for (std::size_t i = 0; i < n_leaves; ++i) {
      Step s;
      s.op = LEAF;
      s.n1 = p.leaves.size();
      p.leaves.push_back(make_leaf(in, i, specials));
      v.push_back(p.leaves.back());
      p.steps.push_back(s);
      p.trace += "  v" + std::to_string(v.size() - 1) + " = leaf " + p.leaves.back().str() + "\n";
      note_values(p, values_of(p.leaves.back()));
    }
    p.first_result = v.size();

    for (std::size_t step = 0; step < kMaxSteps && !in.done() && v.size() < kMaxValues; ++step) {
      Step s;
      s.op = in.byte() % kNumOps;
      const std::size_t n_args = arity(s.op, in);
      for (std::size_t i = 0; i < n_args; ++i) s.args.push_back(in.below(v.size()));
      if (s.op == QUERY) {
        run_query(in, v[s.args[0]], p);
        continue;
      }
      if (s.op == LEAF) {
        s.n1 = p.leaves.size();
        p.leaves.push_back(make_leaf(in, p.leaves.size(), specials));
        note_values(p, values_of(p.leaves.back()));
        p.trace += "  leaf " + p.leaves.back().str() + "\n";
      } else if (s.op == FACTORY) {
        TensorD t;
        if (run_factory(in, t, p)) continue;
        s.n1 = p.leaves.size();
        p.leaves.push_back(t);
        note_values(p, values_of(t));
      } else if (!s.args.empty()) {
        decode_params(in, s, v);
        if (s.op == CONV2D && s.args.size() == 1) conv_operands(in, s, v, p, specials);
      }

      const Expect e = expect(s, v, ctx, p.leaves);
      const std::string desc = describe(s, v);
      p.trace += "  v" + std::to_string(v.size()) + " = " + desc + "\n";
      if (e.skip && !e.errors) continue;
      TensorD out;
      const unsigned got = outcome([&] { out = apply(s, v, p.leaves); }, desc);
      if (got == kAnomalyErr && ctx.anomaly) continue;  // anomaly mode may stop any op that makes a NaN or Inf
      if (e.errors && !e.skip) {
        if (!got) fail(p, desc + ": succeeded, but the documentation requires " + class_names(e.errors));
        if (!(got & e.errors)) fail(p, desc + ": threw " + class_names(got) + ", documented " + class_names(e.errors));
        continue;
      }
      if (got && !(e.skip && (got & e.errors))) fail(p, desc + ": valid, but threw " + class_names(got));
      if (got) continue;

      // A valid op: shape, requires_grad and values.
      if (s.op != UNDEFINED) {
        if (!out.defined()) fail(p, desc + ": returned an undefined tensor");
        if (dims_of(out) != e.dims) fail(p, desc + ": shape " + out.shape().str() + ", expected " + str(e.dims));
        if (e.check_rg && out.requires_grad() != e.rg)
          fail(p, desc + ": requires_grad is " + std::to_string(out.requires_grad()) + ", expected " +
                      std::to_string(e.rg));
        const std::vector<double> got_v = values_of(out);
        if (e.check_values) {
          if (got_v.size() != e.want.size()) fail(p, desc + ": reference has another size (harness bug)");
          for (std::size_t i = 0; i < got_v.size(); ++i)
            if (!same_value(got_v[i], e.want[i], e.tol[i]))
              fail(p, desc + ": value " + std::to_string(i) + " is " + std::to_string(got_v[i]) + ", expected " +
                          std::to_string(e.want[i]));
        }
        note_values(p, got_v);
      }
      p.finite_ok = p.finite_ok && e.finite_ok;
      p.smooth = p.smooth && e.smooth;
      v.push_back(out);
      p.steps.push_back(s);
    }
  }

  if (std::getenv("AD_FUZZ_TRACE")) std::fprintf(stderr, "program:\n%s", p.trace.c_str());

  // Misuse before backward: an in-place write to a leaf (mutable_data bumps its version), which makes any node
  // that saved it refuse to run.
  const bool modified = ctx.grad_enabled && misuse == 4 && !p.leaves.empty() && p.leaves[0].numel() > 0;
  if (modified) p.leaves[0].fill_(0.5);

  TensorD loss;
  p.terms = loss_terms(v, p.first_result);
  const unsigned built = outcome([&] { loss = loss_of(v, p.terms); }, "loss");
  if (built && !(ctx.anomaly && built == kAnomalyErr)) fail(p, "building the loss threw " + class_names(built));
  if (!loss.defined()) {
    // Nothing requires grad (no_grad mode, or only constants): backward of any value is a GraphError.
    const TensorD& t = v.back();
    if (t.defined() && !t.requires_grad()) {
      const unsigned got = outcome([&] { t.backward(); }, "backward");
      if (got != kGraphErr) fail(p, "backward of a tensor without grad: " + class_names(got) + ", expected GraphError");
    }
    return 0;
  }
  const bool retain = misuse == 3;
  unsigned got = outcome([&] { loss.backward(retain); }, "backward");
  if (got == kAnomalyErr && ctx.anomaly) return 0;
  if (modified) {
    if (got && got != kGraphErr) fail(p, "backward after an in-place write threw " + class_names(got));
    return 0;
  }
  if (got) fail(p, "backward of a valid program threw " + class_names(got));
  check_leaf_grads(p, "backward");

  switch (misuse) {
    case 2: {  // a second backward without retain_graph: the graph was released
      got = outcome([&] { loss.backward(); }, "second backward");
      if (got != kGraphErr) fail(p, "second backward: " + class_names(got) + ", expected GraphError");
      break;
    }
    case 3: {  // retain_graph: a second pass adds the same gradients again
      std::vector<std::vector<double>> first;
      for (const TensorD& leaf : p.leaves)
        first.push_back(leaf.grad().defined() ? values_of(leaf.grad()) : std::vector<double>{});
      got = outcome([&] { loss.backward(); }, "second backward");
      if (got && !(ctx.anomaly && got == kAnomalyErr)) fail(p, "backward after retain_graph threw " + class_names(got));
      if (got) break;
      for (std::size_t i = 0; i < p.leaves.size(); ++i) {
        if (first[i].empty() || !p.finite_ok) continue;
        const std::vector<double> twice = values_of(p.leaves[i].grad());
        for (std::size_t k = 0; k < twice.size(); ++k)
          if (std::fabs(twice[k] - 2 * first[i][k]) > 1e-9 * (1 + std::fabs(first[i][k])))
            fail(p, "a second backward with retain_graph did not double the gradient");
      }
      break;
    }
    case 5:
    case 6: {  // backward of another value: without a seed (one element only) or with a seed
      const TensorD& t = v[in.below(v.size())];
      if (!t.defined()) break;
      Dims seed_dims = dims_of(t);
      if (misuse == 6 && in.one_in(2)) seed_dims = small_dims(in);
      // Every non-leaf that requires grad was part of the loss, whose backward released its graph.
      unsigned expected = 0;
      if (misuse == 5 && count(dims_of(t)) != 1)
        expected = kGraphErr;
      else if (!t.requires_grad())
        expected = kGraphErr;
      else if (misuse == 6 && seed_dims != dims_of(t))
        expected = kShapeErr;
      else if (!t.is_leaf())
        expected = kGraphErr;
      got = outcome(
          [&] {
            if (misuse == 5)
              t.backward();
            else
              t.backward(TensorD::ones(Shape(seed_dims)));
          },
          "backward of a value");
      if (got != expected)
        fail(p, "backward of a value: " + class_names(got) + ", documented " + class_names(expected));
      break;
    }
    case 7: {  // requires_grad_ on a non-leaf, retain_grad on a tensor without grad
      const TensorD& t = v[in.below(v.size())];
      if (!t.defined()) break;
      TensorD h = t;
      got = outcome([&] { h.requires_grad_(t.requires_grad()); }, "requires_grad_");
      if (got != (t.is_leaf() ? 0u : kGraphErr)) fail(p, "requires_grad_: " + class_names(got));
      got = outcome([&] { h.retain_grad(); }, "retain_grad");
      if (got != (t.requires_grad() ? 0u : kGraphErr)) fail(p, "retain_grad: " + class_names(got));
      break;
    }
    default: break;
  }

  if (want_gradcheck && p.smooth && p.finite_ok && !ctx.anomaly && ctx.grad_enabled && misuse != 4 &&
      p.steps.size() <= 12) {
    const double scale = std::max(1.0, std::fabs(loss.item()));
    for (const TensorD& leaf : p.leaves) const_cast<TensorD&>(leaf).zero_grad(true);
    run_gradcheck(p, scale);
    run_gradgradcheck(p, scale);
  }
  if (ctx.grad_enabled && !ctx.anomaly && misuse != 4 && p.finite_ok && p.steps.size() <= 12 && loss.defined() &&
      std::isfinite(loss.item()))
    run_double_backward(p, std::max(1.0, std::fabs(loss.item())));
  return 0;
}

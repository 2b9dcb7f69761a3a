// Bad-input table, core operations (autodiff/): every binary op, matmul in every rank combination, the shape ops,
// reductions of empty tensors, misuse of backward, and NaN/Inf under anomaly mode. One test case per row; see
// tests/test_bad_input.h.
#include <limits>

#include "autodiff/autodiff.h"
#include "tests/test_bad_input.h"

using namespace ad;
using bad_input::expect;

namespace {
const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();
Tensor a23() { return Tensor::ones({2, 3}); }
Tensor b4() { return Tensor::ones({4}); }
std::vector<std::string> both_and(const std::string& op) { return {op + ": shapes [2, 3] and [4]"}; }
}  // namespace

// ---- Broadcasting mismatches in every binary op: the op and both shapes are named. ----------------------------------
TEST_CASE("bad input: ops: add of shapes 2x3 and 4") {
  expect<ShapeError>([] { return a23() + b4(); }, both_and("add"));
}
TEST_CASE("bad input: ops: sub of shapes 2x3 and 4") {
  expect<ShapeError>([] { return a23() - b4(); }, both_and("sub"));
}
TEST_CASE("bad input: ops: mul of shapes 2x3 and 4") {
  expect<ShapeError>([] { return a23() * b4(); }, both_and("mul"));
}
TEST_CASE("bad input: ops: div of shapes 2x3 and 4") {
  expect<ShapeError>([] { return a23() / b4(); }, both_and("div"));
}
TEST_CASE("bad input: ops: pow of shapes 2x3 and 4") {
  expect<ShapeError>([] { return pow(a23(), b4()); }, both_and("pow"));
}
TEST_CASE("bad input: ops: maximum of shapes 2x3 and 4") {
  expect<ShapeError>([] { return maximum(a23(), b4()); }, both_and("maximum"));
}
TEST_CASE("bad input: ops: minimum of shapes 2x3 and 4") {
  expect<ShapeError>([] { return minimum(a23(), b4()); }, both_and("minimum"));
}
TEST_CASE("bad input: ops: gt of shapes 2x3 and 4") {
  expect<ShapeError>([] { return gt(a23(), b4()); }, both_and("gt"));
}
TEST_CASE("bad input: ops: lt of shapes 2x3 and 4") {
  expect<ShapeError>([] { return lt(a23(), b4()); }, both_and("lt"));
}
TEST_CASE("bad input: ops: ge of shapes 2x3 and 4") {
  expect<ShapeError>([] { return ge(a23(), b4()); }, both_and("ge"));
}
TEST_CASE("bad input: ops: le of shapes 2x3 and 4") {
  expect<ShapeError>([] { return le(a23(), b4()); }, both_and("le"));
}
TEST_CASE("bad input: ops: eq of shapes 2x3 and 4") {
  expect<ShapeError>([] { return eq(a23(), b4()); }, both_and("eq"));
}
TEST_CASE("bad input: ops: where with a condition that does not broadcast") {
  expect<ShapeError>([] { return where(Tensor::ones({5}), a23(), a23()); }, {"where: shapes [5] and [2, 3]"});
}
TEST_CASE("bad input: ops: where with branches that do not broadcast") {
  expect<ShapeError>([] { return where(a23(), a23(), b4()); }, {"where", "[2, 3]", "[4]"});
}
TEST_CASE("bad input: ops: in-place copy_ from another shape") {
  expect<ShapeError>([] { return a23().copy_(Tensor::ones({3, 2})); }, {"copy_", "[3, 2]", "[2, 3]"});
}

// ---- matmul: every rank combination with misaligned inner dimensions, batch mismatch, unsupported ranks. ------------
namespace {
void expect_matmul(const Shape& a, const Shape& b, const std::string& detail) {
  expect<ShapeError>([&] { return matmul(Tensor::ones(a), Tensor::ones(b)); },
                     {"matmul: shapes " + a.str() + " and " + b.str(), detail});
}
}  // namespace
TEST_CASE("bad input: ops: matmul 2-D x 2-D with misaligned inner sizes") {
  expect_matmul({2, 3}, {4, 5}, "3 (last axis of the first) != 4");
}
TEST_CASE("bad input: ops: matmul 1-D x 1-D of different lengths") { expect_matmul({3}, {4}, "not aligned"); }
TEST_CASE("bad input: ops: matmul 1-D x 2-D misaligned") { expect_matmul({3}, {4, 5}, "not aligned"); }
TEST_CASE("bad input: ops: matmul 2-D x 1-D misaligned") { expect_matmul({2, 3}, {4}, "not aligned"); }
TEST_CASE("bad input: ops: matmul 3-D x 2-D misaligned") { expect_matmul({2, 2, 3}, {4, 5}, "not aligned"); }
TEST_CASE("bad input: ops: matmul 2-D x 3-D misaligned") { expect_matmul({2, 3}, {2, 4, 5}, "not aligned"); }
TEST_CASE("bad input: ops: matmul 3-D x 3-D misaligned") { expect_matmul({2, 2, 3}, {2, 4, 5}, "not aligned"); }
TEST_CASE("bad input: ops: matmul 3-D x 3-D with different batch sizes") {
  expect_matmul({2, 2, 3}, {3, 3, 5}, "different batch sizes");
}
TEST_CASE("bad input: ops: matmul 3-D x 1-D misaligned") { expect_matmul({2, 2, 3}, {4}, "not aligned"); }
TEST_CASE("bad input: ops: matmul 1-D x 3-D misaligned") { expect_matmul({3}, {2, 4, 5}, "not aligned"); }
TEST_CASE("bad input: ops: matmul with a 4-D operand") { expect_matmul({2, 2, 2, 3}, {3, 5}, "rank above 3"); }
TEST_CASE("bad input: ops: matmul with a scalar operand") { expect_matmul({}, {3}, "scalar"); }

// ---- Fused linear. -------------------------------------------------------------------------------------------------
TEST_CASE("bad input: ops: linear with an input width other than the weight's rows") {
  expect<ShapeError>([] { return linear(a23(), Tensor::ones({4, 5}), Tensor()); }, {"[2, 3]", "[4, 5]"});
}
TEST_CASE("bad input: ops: linear with a bias that does not match the weight") {
  expect<ShapeError>(
      [] {
        return linear(Tensor::ones({2, 4}), Tensor::ones({4, 5}), b4());
      },
      {"bias of shape [4]", "[4, 5]", "expected [5]"});
}
TEST_CASE("bad input: ops: linear with a 1-D weight") {
  expect<ShapeError>([] { return linear(Tensor::ones({2, 4}), b4(), b4()); }, {"2-D", "[4]"});
}

// ---- Shape ops and indexing. ---------------------------------------------------------------------------------------
TEST_CASE("bad input: ops: concat of shapes that differ outside the axis") {
  expect<ShapeError>([] { return concat<float>({a23(), Tensor::ones({3, 3})}, 1); }, {"concat", "[2, 3]", "[3, 3]"});
}
TEST_CASE("bad input: ops: concat of different ranks") {
  expect<ShapeError>([] { return concat<float>({a23(), Tensor::ones({2})}, 0); }, {"concat", "[2, 3]", "[2]"});
}
TEST_CASE("bad input: ops: concat along an axis out of range") {
  expect<IndexError>([] { return concat<float>({a23(), a23()}, 2); }, {"concat", "axis 2", "rank 2"});
}
TEST_CASE("bad input: ops: concat of no tensors") {
  expect<ValueError>([] { return concat<float>({}, 0); }, {"concat", "no tensors"});
}
TEST_CASE("bad input: ops: stack of different shapes") {
  expect<ShapeError>([] { return stack<float>({a23(), Tensor::ones({3, 2})}, 0); }, {"stack", "[2, 3]", "[3, 2]"});
}
TEST_CASE("bad input: ops: stack of no tensors") {
  expect<ValueError>([] { return stack<float>({}, 0); }, {"stack", "no tensors"});
}
TEST_CASE("bad input: ops: index_select with an index past the axis") {
  expect<IndexError>([] { return index_select(a23(), 1, {0, 3}); }, {"index 3", "axis 1 of size 3", "[2, 3]"});
}
TEST_CASE("bad input: ops: index_select along an axis out of range") {
  expect<IndexError>([] { return index_select(a23(), 2, {0}); }, {"index_select", "axis 2", "rank 2"});
}
TEST_CASE("bad input: ops: narrow past the end of the axis") {
  expect<IndexError>([] { return narrow(a23(), 1, 2, 2); }, {"narrow", "[2, 4)", "size 3", "[2, 3]"});
}
TEST_CASE("bad input: ops: select past the end of the axis") {
  expect<IndexError>([] { return select(a23(), 0, 2); }, {"select", "index 2", "size 2", "[2, 3]"});
}
TEST_CASE("bad input: ops: rows past the end") {
  expect<IndexError>([] { return a23().rows(1, 5); }, {"[1, 5)", "2 rows"});
}
TEST_CASE("bad input: ops: element access at an index past the end") {
  expect<IndexError>([] { return a23().at({1, 3}); }, {"index 3", "axis 1 of size 3"});
}
TEST_CASE("bad input: ops: reshape to another number of elements") {
  expect<ShapeError>([] { return a23().reshape(Shape{4, 2}); }, {"[2, 3] (6 elements)", "[4, 2] (8 elements)"});
}
TEST_CASE("bad input: ops: reshape with -1 that does not divide") {
  expect<ShapeError>([] { return a23().reshape({-1, 4}); }, {"reshape", "not a multiple of 4"});
}
TEST_CASE("bad input: ops: broadcast_to an incompatible shape") {
  expect<ShapeError>([] { return broadcast_to(a23(), Shape{4, 3}); }, {"[2, 3]", "[4, 3]"});
}
TEST_CASE("bad input: ops: squeeze of an axis that is not of size 1") {
  expect<ShapeError>([] { return squeeze(a23(), 1); }, {"squeeze", "axis 1 of shape [2, 3] has size 3"});
}
TEST_CASE("bad input: ops: transpose of an axis out of range") {
  expect<IndexError>([] { return transpose(a23(), 0, 2); }, {"transpose", "axis 2", "rank 2"});
}
TEST_CASE("bad input: ops: permute with repeated axes") {
  expect<IndexError>([] { return permute(a23(), {0, 0}); }, {"not a permutation"});
}
TEST_CASE("bad input: ops: flatten with the start axis after the end axis") {
  expect<IndexError>([] { return flatten(a23(), 1, 0); }, {"flatten", "start axis 1", "end axis 0"});
}
TEST_CASE("bad input: ops: sum along an axis out of range") {
  expect<IndexError>([] { return a23().sum(2); }, {"axis 2 is out of range for a tensor of rank 2"});
}
TEST_CASE("bad input: ops: log_softmax along a negative axis out of range") {
  expect<IndexError>([] { return a23().log_softmax(-3); }, {"axis -3"});
}
TEST_CASE("bad input: ops: from with too few values for the shape") {
  expect<ShapeError>([] { return Tensor::from({1, 2, 3}, Shape{2, 2}); }, {"3 values", "[2, 2] (4 elements)"});
}
TEST_CASE("bad input: ops: a shape of more than eight axes") {
  expect<ShapeError>([] { return Tensor::zeros(Shape{1, 1, 1, 1, 1, 1, 1, 1, 1}); }, {"more than 8 dimensions"});
}

// ---- Values outside an op's domain, empty tensors. -----------------------------------------------------------------
TEST_CASE("bad input: ops: clamp with lo > hi") {
  expect<ValueError>([] { return clamp(a23(), 1.0f, 0.0f); }, {"clamp"});
}
TEST_CASE("bad input: ops: softplus with beta 0") {
  expect<ValueError>([] { return softplus(a23(), 0.0f); }, {"softplus"});
}
TEST_CASE("bad input: ops: mean of an empty tensor") {
  expect<ValueError>([] { return Tensor::zeros({0, 3}).mean(); }, {"mean", "[0, 3]", "empty"});
}
TEST_CASE("bad input: ops: mean along an empty axis") {
  expect<ValueError>([] { return Tensor::zeros({0, 3}).mean(0); }, {"mean", "axis 0 of shape [0, 3] is empty"});
}
TEST_CASE("bad input: ops: max of an empty tensor") {
  expect<ValueError>([] { return Tensor::zeros({0, 3}).max(); }, {"max", "[0, 3]", "empty"});
}
TEST_CASE("bad input: ops: min of an empty tensor") {
  expect<ValueError>([] { return Tensor::zeros({0, 3}).min(); }, {"[0, 3]", "empty"});
}
TEST_CASE("bad input: ops: argmax of an empty tensor") {
  expect<ValueError>([] { return Tensor::zeros({0, 3}).argmax(); }, {"argmax", "[0, 3]", "empty"});
}
TEST_CASE("bad input: ops: argmin along an empty axis") {
  expect<ValueError>([] { return Tensor::zeros({0, 3}).argmin(0); }, {"argmin", "axis 0 of shape [0, 3] is empty"});
}
TEST_CASE("bad input: ops: argmax along an axis out of range") {
  expect<IndexError>([] { return a23().argmax(2); }, {"argmax", "axis 2", "rank 2"});
}
TEST_CASE("bad input: ops: clamp with lo > hi given as double and int") {
  expect<ValueError>([] { return clamp(a23(), 1.0, 0); }, {"clamp", "lower bound 1", "upper bound 0"});
}
TEST_CASE("bad input: ops: where with a scalar and a condition of another shape") {
  expect<ShapeError>([] { return where(b4(), a23(), 0.0); }, {"where: shapes [4] and [2, 3]"});
}
TEST_CASE("bad input: ops: softmax along an empty axis") {
  expect<ValueError>([] { return Tensor::zeros({0, 3}).softmax(0); }, {"softmax", "[0, 3]", "empty"});
}
TEST_CASE("bad input: ops: logsumexp along an empty axis") {
  expect<ValueError>([] { return Tensor::zeros({0, 3}).logsumexp(0); }, {"[0, 3]", "empty"});
}
TEST_CASE("bad input: ops: softmax_cross_entropy of an empty batch") {
  expect<ValueError>(
      [] {
        return softmax_cross_entropy(Tensor::zeros({0, 3}), {});
      },
      {"softmax_cross_entropy: empty batch", "[0, 3]", "mean"});
}
TEST_CASE("bad input: ops: softmax_cross_entropy with a label past the classes") {
  expect<IndexError>([] { return softmax_cross_entropy(a23(), {0, 3}); }, {"label 3", "row 1", "3 classes"});
}
TEST_CASE("bad input: ops: softmax_cross_entropy with fewer labels than rows") {
  expect<ShapeError>([] { return softmax_cross_entropy(a23(), {0}); }, {"1 labels", "[2, 3]"});
}
TEST_CASE("bad input: ops: item of a tensor with several elements") {
  expect<ValueError>([] { return Tensor::ones({2}).item(); }, {"2 elements"});
}
TEST_CASE("bad input: ops: an op on an undefined tensor") {
  expect<ValueError>([] { return Tensor().sum(); }, {"undefined tensor"});
}

// ---- Misuse of backward. -------------------------------------------------------------------------------------------
TEST_CASE("bad input: ops: backward of a non-scalar without a seed") {
  expect<GraphError>([] { Tensor::ones({2, 3}, true).exp().backward(); }, {"shape [2, 3]", "seed"});
}
TEST_CASE("bad input: ops: backward with a seed of another shape") {
  expect<ShapeError>([] { Tensor::ones({2, 3}, true).exp().backward(Tensor::ones({2})); }, {"[2]", "[2, 3]"});
}
TEST_CASE("bad input: ops: backward twice without retain_graph") {
  Tensor x = Tensor::ones({2}, true);
  Tensor y = (x * x).sum();
  y.backward();
  expect<GraphError>([&] { y.backward(); }, {"second time", "backward(/*retain_graph=*/true)"});
}
TEST_CASE("bad input: ops: backward of a tensor that does not require grad") {
  expect<GraphError>([] { Tensor::ones({2}).sum().backward(); }, {"does not require grad"});
}
TEST_CASE("bad input: ops: backward after a saved input was modified in place") {
  Tensor x = Tensor::ones({2}, true);
  Tensor h = x * 2.0f;
  Tensor y = (h * h).sum();
  {
    NoGradGuard no_grad;
    h.fill_(3.0f);
  }
  expect<GraphError>([&] { y.backward(); }, {"modified in place"});
}

// ---- NaN and Inf with anomaly mode on: the op that produced them, or the data, is named. ---------------------------
TEST_CASE("bad input: anomaly: log of a negative number names log") {
  Tensor x = Tensor::from({1.0f, -1.0f}, true);
  AnomalyGuard on;
  expect<AnomalyError>([&] { return log(x); }, {"'log' produced NaN", "shape [2]", "element 1"});
}
TEST_CASE("bad input: anomaly: division by zero names div") {
  Tensor x = Tensor::from({1.0f, 2.0f}, true);
  AnomalyGuard on;
  expect<AnomalyError>([&] { return x / Tensor::zeros({2}); }, {"'div' produced Inf"});
}
TEST_CASE("bad input: anomaly: exp overflow names exp") {
  Tensor x = Tensor::from({100.0f, 1.0f}, true);
  AnomalyGuard on;
  expect<AnomalyError>([&] { return exp(x); }, {"'exp' produced Inf", "element 0"});
}
TEST_CASE("bad input: anomaly: an infinite gradient names the backward rule") {
  Tensor x = Tensor::from({0.0f, 4.0f}, true);
  Tensor y = sqrt(x).sum();
  AnomalyGuard on;
  expect<AnomalyError>([&] { y.backward(); }, {"backward of sqrt", "Inf"});
}
TEST_CASE("bad input: anomaly: NaN in the input data is reported as coming from the data") {
  Tensor x = Tensor::from({1.0f, kNaN}, true);
  AnomalyGuard on;
  expect<AnomalyError>([&] { return exp(x); }, {"input 0 of 'exp'", "NaN or Inf", "comes from the data"});
}
TEST_CASE("bad input: anomaly: Inf in a constant operand of matmul is reported as data") {
  Tensor x = Tensor::ones({1, 2}, true);
  AnomalyGuard on;
  expect<AnomalyError>(
      [&] {
        return matmul(x, Tensor::full({2, 1}, kInf));
      },
      {"input 1 of 'matmul'", "[2, 1]", "comes from the data"});
}

// ---- User-defined ops (autodiff/function.h) -------------------------------------------------------------------
namespace {
struct BadShape : Function<BadShape> {  // returns a gradient of the wrong shape
  static constexpr const char* name = "bad_shape";
  static TensorD forward(AutogradContext<double>*, const TensorD& x) { return x * 2.0; }
  static std::vector<TensorD> backward(AutogradContext<double>*, const std::vector<TensorD>&) {
    return {TensorD::ones({5})};
  }
};
struct TooFew : Function<TooFew> {  // returns fewer gradients than forward has arguments
  static Tensor forward(AutogradContext<float>*, const Tensor& a, const Tensor& b) { return a + b; }
  static std::vector<Tensor> backward(AutogradContext<float>*, const std::vector<Tensor>& g) { return {g[0]}; }
};
struct GradForScalar : Function<GradForScalar> {  // returns a gradient for a double argument
  static TensorD forward(AutogradContext<double>*, const TensorD& x, double) { return x * 2.0; }
  static std::vector<TensorD> backward(AutogradContext<double>*, const std::vector<TensorD>& g) { return {g[0], g[0]}; }
};
}  // namespace

TEST_CASE("bad input: function: a user op's backward returning a gradient of the wrong shape") {
  TensorD x = TensorD::ones({2, 3}, true);
  TensorD y = BadShape::apply(x);
  expect<ShapeError>([&] { y.sum().backward(); }, {"bad_shape", "[5]", "[2, 3]", "input 0"});
}
TEST_CASE("bad input: function: a user op's backward returning too few gradients") {
  Tensor a = Tensor::ones({2}, true), b = Tensor::ones({2}, true);
  Tensor y = TooFew::apply(a, b);
  expect<ValueError>([&] { y.sum().backward(); }, {"custom_function", "returned 1 gradients, expected 2"});
}
TEST_CASE("bad input: function: a user op's backward returning a gradient for a non-tensor argument") {
  TensorD x = TensorD::ones({2}, true);
  TensorD y = GradForScalar::apply(x, 3.0);
  expect<ValueError>([&] { y.sum().backward(); }, {"forward argument 1", "not a tensor"});
}
TEST_CASE("bad input: function: a lambda op without a backward") {
  TensorD x = TensorD::ones({2}, true);
  expect<ValueError>(
      [&] {
        return custom_op<double>("no_backward", {x},
                                 [](AutogradContext<double>&, const std::vector<TensorD>& in) { return in[0]; }, {});
      },
      {"no_backward", "forward and backward"});
}
TEST_CASE("bad input: function: a lambda op whose forward returns an undefined tensor") {
  TensorD x = TensorD::ones({2}, true);
  expect<ValueError>(
      [&] {
        return custom_op<double>(
            "nothing", {x}, [](AutogradContext<double>&, const std::vector<TensorD>&) { return TensorD(); },
            [](AutogradContext<double>&, const TensorD& g) { return std::vector<TensorD>{g}; });
      },
      {"nothing", "undefined"});
}

// ---- Hooks ---------------------------------------------------------------------------------------------------
TEST_CASE("bad input: hooks: register_hook on a tensor that does not require grad") {
  Tensor x = Tensor::ones({2});
  expect<GraphError>([&] { return x.register_hook([](const Tensor& g) { return g; }); },
                     {"register_hook", "[2]", "does not require grad"});
}
TEST_CASE("bad input: hooks: register_post_accumulate_grad_hook on a non-leaf") {
  Tensor x = Tensor::ones({2}, true);
  Tensor y = x * 2.0f;
  expect<GraphError>([&] { return y.register_post_accumulate_grad_hook([](const Tensor&) {}); },
                     {"register_post_accumulate_grad_hook", "leaf", "mul"});
}
TEST_CASE("bad input: hooks: a hook returning a gradient of another shape names both shapes") {
  Tensor x = Tensor::ones({2, 3}, true);
  Tensor y = x * 2.0f;
  y.register_hook([](const Tensor&) { return Tensor::ones({3}); });
  expect<ShapeError>([&] { y.sum().backward(); }, {"hook", "[2, 3]", "[3]"});
}
TEST_CASE("bad input: hooks: a removed hook, removed again or after its tensor is gone, does nothing") {
  Tensor x = Tensor::ones({2}, true);
  int calls = 0;
  RemovableHandle h = x.register_hook([&](const Tensor& g) {
    ++calls;
    return g;
  });
  h.remove();
  h.remove();  // twice: no effect, no error
  (x * 2.0f).sum().backward();
  CHECK(calls == 0);
  RemovableHandle late;
  {
    Tensor y = Tensor::ones({2}, true);
    late = y.register_post_accumulate_grad_hook([&](const Tensor&) { ++calls; });
  }
  late.remove();  // the tensor and its hooks are gone: still no error
  CHECK(calls == 0);
}

// Bad-input table, optimizers, schedulers and gradient clipping (optim/): every invalid hyper-parameter is a
// ValueError naming the setting and the value, at construction (before any step could use it); a state dict entry
// of the wrong kind or value is a ValueError naming the entry. One test case per row; see tests/test_bad_input.h.
//
// Following PyTorch, eps = 0 (Adam, AdamW, RMSprop, Adagrad) and clip_grad_norm_ with max_norm = 0 are accepted:
// both are well defined, if unusual. An infinite learning rate is refused (PyTorch accepts it, and the first step
// turns every parameter into inf or NaN).
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "optim/optim.h"
#include "tests/test_bad_input.h"

using namespace ad;
using namespace ad::optim;
using bad_input::expect;

namespace {
const double kNaN = std::nan("");
const double kInf = std::numeric_limits<double>::infinity();
Tensor param() { return Tensor::ones({2}, true); }
}  // namespace

// ---- Learning rates: negative, NaN and infinite, for every optimizer. ---------------------------------------------
TEST_CASE("bad input: optim: SGD with a negative learning rate") {
  expect<ValueError>([] { return SGD<float>({param()}, -0.1); }, {"SGDOptions: learning rate must be >= 0, got -0.1"});
}
TEST_CASE("bad input: optim: SGD with a NaN learning rate") {
  expect<ValueError>([] { return SGD<float>({param()}, kNaN); }, {"learning rate", "got nan"});
}
TEST_CASE("bad input: optim: SGD with an infinite learning rate") {
  expect<ValueError>([] { return SGD<float>({param()}, kInf); }, {"learning rate must be finite, got inf"});
}
TEST_CASE("bad input: optim: Adam with a negative learning rate") {
  expect<ValueError>([] { return Adam<float>({param()}, -1e-3); }, {"AdamOptions: learning rate", "got -0.001"});
}
TEST_CASE("bad input: optim: Adam with a NaN learning rate") {
  expect<ValueError>([] { return Adam<float>({param()}, kNaN); }, {"learning rate", "got nan"});
}
TEST_CASE("bad input: optim: Adam with an infinite learning rate") {
  expect<ValueError>([] { return Adam<float>({param()}, kInf); }, {"learning rate must be finite"});
}
TEST_CASE("bad input: optim: AdamW with a negative learning rate") {
  expect<ValueError>([] { return AdamW<float>({param()}, -2.5); }, {"AdamWOptions: learning rate", "got -2.5"});
}
TEST_CASE("bad input: optim: AdamW with a NaN learning rate") {
  expect<ValueError>([] { return AdamW<float>({param()}, kNaN); }, {"learning rate", "got nan"});
}
TEST_CASE("bad input: optim: AdamW with an infinite learning rate") {
  expect<ValueError>([] { return AdamW<float>({param()}, kInf); }, {"learning rate must be finite"});
}
TEST_CASE("bad input: optim: Adagrad with a negative learning rate") {
  expect<ValueError>([] { return Adagrad<float>({param()}, -1.0); }, {"AdagradOptions: learning rate", "got -1"});
}
TEST_CASE("bad input: optim: Adagrad with a NaN learning rate") {
  expect<ValueError>([] { return Adagrad<float>({param()}, kNaN); }, {"learning rate", "got nan"});
}
TEST_CASE("bad input: optim: Adagrad with an infinite learning rate") {
  expect<ValueError>([] { return Adagrad<float>({param()}, kInf); }, {"learning rate must be finite"});
}
TEST_CASE("bad input: optim: RMSprop with a negative learning rate") {
  expect<ValueError>([] { return RMSprop<float>({param()}, -0.01); }, {"RMSpropOptions: learning rate", "got -0.01"});
}
TEST_CASE("bad input: optim: RMSprop with a NaN learning rate") {
  expect<ValueError>([] { return RMSprop<float>({param()}, kNaN); }, {"learning rate", "got nan"});
}
TEST_CASE("bad input: optim: RMSprop with an infinite learning rate") {
  expect<ValueError>([] { return RMSprop<float>({param()}, kInf); }, {"learning rate must be finite"});
}
TEST_CASE("bad input: optim: AdagradMomentum with a negative learning rate") {
  expect<ValueError>([] { return AdagradMomentum<float>({param()}, -0.1); },
                     {"AdagradMomentumOptions: learning rate must be >= 0, got -0.1"});
}
TEST_CASE("bad input: optim: AdagradMomentum with a NaN learning rate") {
  expect<ValueError>([] { return AdagradMomentum<float>({param()}, kNaN); }, {"learning rate", "got nan"});
}
TEST_CASE("bad input: optim: AdagradMomentum with an infinite learning rate") {
  expect<ValueError>([] { return AdagradMomentum<float>({param()}, kInf); }, {"learning rate must be finite"});
}
TEST_CASE("bad input: optim: set_lr to a negative rate") {
  SGD<float> opt({param()}, 0.1);
  expect<ValueError>([&] { opt.set_lr(-0.5); }, {"SGD: learning rate must be >= 0, got -0.5"});
  CHECK(opt.lr() == 0.1);
}
TEST_CASE("bad input: optim: set_lr to NaN") {
  Adam<float> opt({param()}, 0.1);
  expect<ValueError>([&] { opt.set_lr(kNaN); }, {"Adam: learning rate", "got nan"});
}
TEST_CASE("bad input: optim: set_lr to infinity") {
  Adam<float> opt({param()}, 0.1);
  expect<ValueError>([&] { opt.set_lr(kInf); }, {"Adam: learning rate must be finite, got inf"});
}

// ---- Other hyper-parameters of each optimizer. ---------------------------------------------------------------------
TEST_CASE("bad input: optim: SGD with a negative momentum") {
  expect<ValueError>([] { return SGDOptions(0.1).momentum(-0.9); }, {"momentum must be >= 0, got -0.9"});
}
TEST_CASE("bad input: optim: SGD with a NaN momentum") {
  expect<ValueError>([] { return SGDOptions(0.1).momentum(kNaN); }, {"momentum", "got nan"});
}
TEST_CASE("bad input: optim: SGD with a negative weight decay") {
  expect<ValueError>([] { return SGDOptions(0.1).weight_decay(-1e-4); }, {"weight decay must be >= 0, got -1e-04"});
}
TEST_CASE("bad input: optim: SGD Nesterov without momentum") {
  expect<ValueError>([] { return SGD<float>({param()}, SGDOptions(0.1).nesterov(true)); },
                     {"Nesterov", "momentum > 0, got 0"});
}
TEST_CASE("bad input: optim: SGD convex momentum above 1") {
  expect<ValueError>([] { return SGD<float>({param()}, SGDOptions(0.1).kind(MomentumKind::Convex).momentum(1.5)); },
                     {"convex", "[0, 1], got 1.5"});
}
TEST_CASE("bad input: optim: Adam with beta1 = 1") {
  expect<ValueError>([] { return AdamOptions().betas(1.0, 0.999); }, {"beta1 must be in [0, 1), got 1"});
}
TEST_CASE("bad input: optim: Adam with beta2 above 1") {
  expect<ValueError>([] { return AdamOptions().betas(0.9, 1.5); }, {"beta2 must be in [0, 1), got 1.5"});
}
TEST_CASE("bad input: optim: Adam with a negative beta") {
  expect<ValueError>([] { return AdamOptions().betas(-0.1, 0.999); }, {"beta1", "got -0.1"});
}
TEST_CASE("bad input: optim: Adam with a NaN beta") {
  expect<ValueError>([] { return AdamOptions().betas(0.9, kNaN); }, {"beta2", "got nan"});
}
TEST_CASE("bad input: optim: Adam with a negative eps") {
  expect<ValueError>([] { return AdamOptions().eps(-1e-8); }, {"eps must be >= 0, got -1e-08"});
}
TEST_CASE("bad input: optim: Adam with a negative weight decay") {
  expect<ValueError>([] { return AdamOptions().weight_decay(-0.01); }, {"weight decay", "got -0.01"});
}
TEST_CASE("bad input: optim: AdamW with beta2 = 1") {
  expect<ValueError>([] { return AdamWOptions().betas(0.9, 1.0); }, {"AdamWOptions", "beta2", "got 1"});
}
TEST_CASE("bad input: optim: AdamW with a negative eps") {
  expect<ValueError>([] { return AdamWOptions().eps(-1.0); }, {"AdamWOptions", "eps", "got -1"});
}
TEST_CASE("bad input: optim: AdamW with a negative weight decay") {
  expect<ValueError>([] { return AdamWOptions().weight_decay(-0.01); }, {"AdamWOptions", "weight decay", "got -0.01"});
}
TEST_CASE("bad input: optim: Adagrad with a negative lr_decay") {
  expect<ValueError>([] { return AdagradOptions().lr_decay(-0.5); }, {"lr_decay must be >= 0, got -0.5"});
}
TEST_CASE("bad input: optim: Adagrad with a negative eps") {
  expect<ValueError>([] { return AdagradOptions().eps(-1e-10); }, {"eps must be >= 0, got -1e-10"});
}
TEST_CASE("bad input: optim: Adagrad with a negative weight decay") {
  expect<ValueError>([] { return AdagradOptions().weight_decay(-3.0); }, {"weight decay", "got -3"});
}
TEST_CASE("bad input: optim: Adagrad with a negative initial accumulator") {
  expect<ValueError>([] { return AdagradOptions().initial_accumulator_value(-2.0); },
                     {"initial_accumulator_value", "got -2"});
}
TEST_CASE("bad input: optim: AdagradMomentum with a negative momentum") {
  expect<ValueError>([] { return AdagradMomentumOptions().momentum(-0.9); },
                     {"AdagradMomentumOptions: momentum must be >= 0, got -0.9"});
}
TEST_CASE("bad input: optim: AdagradMomentum with a NaN momentum") {
  expect<ValueError>([] { return AdagradMomentumOptions().momentum(kNaN); }, {"momentum", "got nan"});
}
TEST_CASE("bad input: optim: AdagradMomentum with a negative eps") {
  expect<ValueError>([] { return AdagradMomentumOptions().eps(-1e-8); },
                     {"AdagradMomentumOptions: eps must be >= 0, got -1e-08"});
}
TEST_CASE("bad input: optim: AdagradMomentum with a negative weight decay") {
  expect<ValueError>([] { return AdagradMomentumOptions().weight_decay(-0.01); }, {"weight decay", "got -0.01"});
}
TEST_CASE("bad input: optim: RMSprop with alpha = 1") {
  expect<ValueError>([] { return RMSpropOptions().alpha(1.0); }, {"alpha must be in [0, 1), got 1"});
}
TEST_CASE("bad input: optim: RMSprop with a negative alpha") {
  expect<ValueError>([] { return RMSpropOptions().alpha(-0.1); }, {"alpha", "got -0.1"});
}
TEST_CASE("bad input: optim: RMSprop with a negative eps") {
  expect<ValueError>([] { return RMSpropOptions().eps(-1.0); }, {"eps must be >= 0, got -1"});
}
TEST_CASE("bad input: optim: RMSprop with a negative momentum") {
  expect<ValueError>([] { return RMSpropOptions().momentum(-0.1); }, {"momentum", "got -0.1"});
}
TEST_CASE("bad input: optim: RMSprop with a negative weight decay") {
  expect<ValueError>([] { return RMSpropOptions().weight_decay(-0.1); }, {"weight decay", "got -0.1"});
}

// ---- Parameter lists. ----------------------------------------------------------------------------------------------
TEST_CASE("bad input: optim: an undefined parameter") {
  expect<ValueError>([] { return SGD<float>({param(), Tensor()}, 0.1); }, {"parameter 1 is an undefined tensor"});
}
TEST_CASE("bad input: optim: a parameter that is not a leaf") {
  Tensor w = param();
  expect<ValueError>([&] { return Adam<float>({w * 2.0f}); }, {"parameter 0", "not a leaf", "'mul'"});
}
TEST_CASE("bad input: optim: the same parameter twice") {
  Tensor w = param();
  expect<ValueError>([&] { return Adagrad<float>({w, w}); }, {"parameter 1 appears more than once"});
}
TEST_CASE("bad input: optim: step_count of a parameter index out of range") {
  SGD<float> opt({param()}, 0.1);
  expect<IndexError>([&] { return opt.step_count(3); }, {"parameter index 3", "[0, 1)"});
}

// ---- Learning-rate schedulers. -------------------------------------------------------------------------------------
TEST_CASE("bad input: schedule: StepLR with step_size 0") {
  SGD<float> opt({param()}, 0.1);
  expect<ValueError>([&] { return StepLR<float>(opt, 0); }, {"StepLR: step_size must be >= 1, got 0"});
}
TEST_CASE("bad input: schedule: StepLR with a negative gamma") {
  SGD<float> opt({param()}, 0.1);
  expect<ValueError>([&] { return StepLR<float>(opt, 3, -0.1); }, {"gamma must be >= 0, got -0.1"});
}
TEST_CASE("bad input: schedule: StepLR with a NaN gamma") {
  SGD<float> opt({param()}, 0.1);
  expect<ValueError>([&] { return StepLR<float>(opt, 3, kNaN); }, {"gamma", "got nan"});
}
TEST_CASE("bad input: schedule: ExponentialLR with a negative gamma") {
  SGD<float> opt({param()}, 0.1);
  expect<ValueError>([&] { return ExponentialLR<float>(opt, -2.0); }, {"ExponentialLR", "gamma", "got -2"});
}
TEST_CASE("bad input: schedule: CosineAnnealingLR with T_max 0") {
  SGD<float> opt({param()}, 0.1);
  expect<ValueError>([&] { return CosineAnnealingLR<float>(opt, 0); }, {"T_max must be >= 1, got 0"});
}
TEST_CASE("bad input: schedule: CosineAnnealingLR with a negative eta_min") {
  SGD<float> opt({param()}, 0.1);
  expect<ValueError>([&] { return CosineAnnealingLR<float>(opt, 10, -1e-3); }, {"eta_min must be >= 0, got -0.001"});
}
TEST_CASE("bad input: schedule: ReduceLROnPlateau with factor 1") {
  expect<ValueError>([] { return ReduceLROnPlateauOptions().factor(1.0); }, {"factor must be in [0, 1), got 1"});
}
TEST_CASE("bad input: schedule: ReduceLROnPlateau with a negative factor") {
  expect<ValueError>([] { return ReduceLROnPlateauOptions().factor(-0.5); }, {"factor", "got -0.5"});
}
TEST_CASE("bad input: schedule: ReduceLROnPlateau with a negative threshold") {
  expect<ValueError>([] { return ReduceLROnPlateauOptions().threshold(-1e-4); }, {"threshold", "got -1e-04"});
}
TEST_CASE("bad input: schedule: ReduceLROnPlateau with a negative min_lr") {
  expect<ValueError>([] { return ReduceLROnPlateauOptions().min_lr(-1.0); }, {"min_lr must be >= 0, got -1"});
}
TEST_CASE("bad input: schedule: ReduceLROnPlateau with a negative eps") {
  expect<ValueError>([] { return ReduceLROnPlateauOptions().eps(-1.0); }, {"eps must be >= 0, got -1"});
}

// ---- State dicts: a real learning rate, integer counters, tensors of the parameters' type. --------------------------
TEST_CASE("bad input: state: Adam given a learning rate stored as an integer") {
  Adam<float> opt({param()}, 0.1);
  StateDict dict = opt.state_dict();
  dict.set("lr", std::int64_t{0});
  expect<ValueError>([&] { opt.load_state_dict(dict); },
                     {"Adam::load_state_dict", "entry 'lr' is a", "integer, expected a real"});
}
TEST_CASE("bad input: state: Adam given a float64 buffer for a float32 parameter") {
  Adam<float> opt({param()}, 0.1);
  StateDict dict = opt.state_dict();
  dict.set("state.0.exp_avg", TensorD::zeros({2}));
  expect<ValueError>(
      [&] { opt.load_state_dict(dict); },
      {"Adam::load_state_dict", "entry 'state.0.exp_avg' is a float64 tensor, expected a float32 tensor"});
}
TEST_CASE("bad input: state: SGD given a negative step count") {
  SGD<float> opt({param()}, 0.1);
  StateDict dict = opt.state_dict();
  dict.set("state.0.step", std::int64_t{-5});
  expect<ValueError>([&] { opt.load_state_dict(dict); },
                     {"SGD::load_state_dict", "entry 'state.0.step' holds a negative step count -5"});
}
TEST_CASE("bad input: state: SGD given an infinite learning rate") {
  SGD<float> opt({param()}, 0.1);
  StateDict dict = opt.state_dict();
  dict.set("lr", kInf);
  expect<ValueError>([&] { opt.load_state_dict(dict); },
                     {"SGD::load_state_dict", "entry 'lr' holds an invalid learning rate inf"});
}
TEST_CASE("bad input: state: StepLR given a negative last_epoch") {
  SGD<float> opt({param()}, 0.1);
  StepLR<float> sched(opt, 3);
  StateDict dict = sched.state_dict();
  dict.set("last_epoch", std::int64_t{-1});
  expect<ValueError>([&] { sched.load_state_dict(dict); },
                     {"StepLR::load_state_dict", "entry 'last_epoch' is negative (-1)"});
}
TEST_CASE("bad input: state: ReduceLROnPlateau given the best metric as 64-bit words") {
  SGD<float> opt({param()}, 0.1);
  ReduceLROnPlateau<float> sched(opt);
  StateDict dict = sched.state_dict();
  dict.set("best", std::vector<std::uint64_t>{0x7FF0000000000000u});
  expect<ValueError>([&] { sched.load_state_dict(dict); },
                     {"ReduceLROnPlateau::load_state_dict", "entry 'best' is a", "64-bit words", "expected a real"});
}
TEST_CASE("bad input: state: a typed read of a missing entry names the reader and the entry") {
  SGD<float> opt({param()}, 0.1);
  expect<ValueError>([&] { return opt.state_dict().real("momentum", "my_loop"); }, {"my_loop", "no entry 'momentum'"});
}
TEST_CASE("bad input: state: a typed read of an entry of another kind names both kinds") {
  SGD<float> opt({param()}, 0.1);
  expect<ValueError>([&] { return opt.state_dict().integer("lr", "my_loop"); },
                     {"my_loop", "entry 'lr' is a real, expected a", "integer"});
}

// ---- Gradient clipping. --------------------------------------------------------------------------------------------
namespace {
std::vector<Tensor> with_grad() {
  Tensor w = param();
  (w * w).sum().backward();
  return {w};
}
}  // namespace
TEST_CASE("bad input: clip: clip_grad_norm_ with a negative max_norm") {
  expect<ValueError>([] { return clip_grad_norm_(with_grad(), -0.5); }, {"max_norm must be >= 0, got -0.5"});
}
TEST_CASE("bad input: clip: clip_grad_norm_ with a NaN max_norm") {
  expect<ValueError>([] { return clip_grad_norm_(with_grad(), kNaN); }, {"max_norm", "got nan"});
}
TEST_CASE("bad input: clip: clip_grad_norm_ with norm_type 0") {
  expect<ValueError>([] { return clip_grad_norm_(with_grad(), 1.0, 0.0); }, {"norm_type must be > 0, got 0"});
}
TEST_CASE("bad input: clip: clip_grad_value_ with a negative clip_value") {
  expect<ValueError>([] { clip_grad_value_(with_grad(), -1.0); }, {"clip_value must be >= 0, got -1"});
}
TEST_CASE("bad input: clip: clip_grad_value_ with a NaN clip_value") {
  expect<ValueError>([] { clip_grad_value_(with_grad(), kNaN); }, {"clip_value", "got nan"});
}

// Internal helpers shared by the optimizers and the schedulers: hyper-parameter checks and the validation of state
// dicts.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "autodiff/named.h"
#include "autodiff/shape.h"
#include "autodiff/state_dict.h"
#include "autodiff/tensor.h"

namespace ad::optim::detail {

// Shortest decimal text that reads back as `v` ("0.1", "-3", "1e-08", "nan").
std::string fmt(double v);

// Throw ValueError("<who>: <what> must be <rule>, got <v>") unless v lies in the range. NaN never does.
void check_ge(const char* who, const char* what, double v, double lo);   // v >= lo
void check_gt(const char* who, const char* what, double v, double lo);   // v > lo
void check_in_unit(const char* who, const char* what, double v);         // 0 <= v < 1
void check_in_closed_unit(const char* who, const char* what, double v);  // 0 <= v <= 1
// A learning rate: >= 0 and finite (an infinite rate turns every parameter into inf or NaN at the first step).
void check_lr(const char* who, double v);

// A parameter list an optimizer can update: ValueError naming the parameter if one is undefined, not a leaf, or given
// twice (it would be updated twice).
template <class T>
void check_params(const std::string& who, const std::vector<TensorT<T>>& params);

// The kinds of entry a state dict of the optimizers and schedulers holds.
enum class Kind { Real, Integer, Tensor };
struct Expected {
  std::string name;
  Kind kind;
  Shape shape;  // for tensors
};
// Checks that `dict` holds exactly the `expected` entries (no missing, unexpected or repeated name, each of its kind:
// ValueError; each tensor of its shape: ShapeError), naming `who` and the entry. Nothing is modified, so a caller
// that validates everything before writing leaves its state unchanged when this throws.
template <class T>
void match_entries(const StateDict& dict, const std::vector<Expected>& expected, const std::string& who);

// A detached copy of `t` (state dicts hand out copies, so training on does not change a saved dict).
template <class T>
TensorT<T> copy_of(const TensorT<T>& t);

}  // namespace ad::optim::detail

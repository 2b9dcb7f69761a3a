// Internal helpers shared by the optimizers and the schedulers: hyper-parameter checks and the exact encoding of
// scalar state (step counters, learning rates, best metric) in a NamedTensors<T> state dict.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "autodiff/named.h"
#include "autodiff/shape.h"
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

// A 64-bit scalar (an unsigned counter, or the bits of a double) is stored as four T values, each one 16-bit limb,
// least significant first. Every limb is an integer below 2^16, which float represents exactly, so a float state
// dict restores counters past 2^24 and double learning rates bit for bit.
inline const Shape& scalar_shape() {
  static const Shape s{4};
  return s;
}
template <class T>
TensorT<T> pack_u64(std::uint64_t v);
template <class T>
TensorT<T> pack_f64(double v);
// Inverse of pack_*; throws ValueError naming `who` and `name` if a limb is not an integer in [0, 2^16).
template <class T>
std::uint64_t unpack_u64(const TensorT<T>& t, const std::string& who, const std::string& name);
template <class T>
double unpack_f64(const TensorT<T>& t, const std::string& who, const std::string& name);

// The entries of `dict` in the order of `expected` (name, shape), after checking that the names match exactly
// (no missing, unexpected or repeated name: ValueError) and every shape matches (ShapeError). Nothing is modified,
// so a caller that validates everything before writing leaves its state unchanged when this throws.
template <class T>
std::vector<const TensorT<T>*> match_entries(const NamedTensors<T>& dict,
                                             const std::vector<std::pair<std::string, Shape>>& expected,
                                             const std::string& who);

// A detached copy of `t` (state dicts hand out copies, so training on does not change a saved dict).
template <class T>
TensorT<T> copy_of(const TensorT<T>& t);

}  // namespace ad::optim::detail

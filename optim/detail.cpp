#include "optim/detail.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "autodiff/error.h"

namespace ad::optim::detail {

std::string fmt(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

static void fail(const char* who, const char* what, double v, const char* rule) {
  throw ValueError(std::string(who) + ": " + what + " must be " + rule + ", got " + fmt(v));
}

void check_ge(const char* who, const char* what, double v, double lo) {
  if (!(v >= lo)) fail(who, what, v, (">= " + fmt(lo)).c_str());
}

void check_gt(const char* who, const char* what, double v, double lo) {
  if (!(v > lo)) fail(who, what, v, ("> " + fmt(lo)).c_str());
}

void check_in_unit(const char* who, const char* what, double v) {
  if (!(v >= 0.0 && v < 1.0)) fail(who, what, v, "in [0, 1)");
}

void check_in_closed_unit(const char* who, const char* what, double v) {
  if (!(v >= 0.0 && v <= 1.0)) fail(who, what, v, "in [0, 1]");
}

void check_lr(const char* who, double v) {
  check_ge(who, "learning rate", v, 0.0);
  if (std::isinf(v)) fail(who, "learning rate", v, "finite");
}

template <class T>
void match_entries(const StateDict& dict, const std::vector<Expected>& expected, const std::string& who) {
  std::unordered_map<std::string, std::size_t> slot;  // name -> position in `expected`
  slot.reserve(expected.size());
  for (std::size_t k = 0; k < expected.size(); ++k) slot.emplace(expected[k].name, k);
  std::vector<bool> found(expected.size(), false);
  for (const auto& [name, value] : dict.entries()) {
    const auto it = slot.find(name);
    if (it == slot.end())
      throw ValueError(who + ": unexpected entry '" + name +
                       "' in the state dict (it was saved by another optimizer or scheduler, or with other "
                       "parameters or options)");
    const Expected& e = expected[it->second];
    if (found[it->second]) throw ValueError(who + ": entry '" + name + "' appears twice in the state dict");
    found[it->second] = true;
    const char* wanted = e.kind == Kind::Real ? "real" : e.kind == Kind::Integer ? "integer" : nullptr;
    if (e.kind == Kind::Real && !std::holds_alternative<double>(value))
      throw ValueError(who + ": entry '" + name + "' is a " + kind_of(value) + ", expected a " + wanted);
    if (e.kind == Kind::Integer && !std::holds_alternative<std::int64_t>(value))
      throw ValueError(who + ": entry '" + name + "' is a " + kind_of(value) + ", expected a " + wanted);
    if (e.kind == Kind::Tensor) {
      const TensorT<T>* t = std::get_if<TensorT<T>>(&value);
      if (!t)
        throw ValueError(who + ": entry '" + name + "' is a " + kind_of(value) + ", expected a " +
                         (sizeof(T) == 4 ? "float32" : "float64") + " tensor");
      if (!t->defined()) throw ValueError(who + ": entry '" + name + "' is an undefined tensor");
      if (t->shape() != e.shape)
        throw ShapeError(who + ": entry '" + name + "' has shape " + t->shape().str() + ", expected " + e.shape.str());
    }
  }
  for (std::size_t k = 0; k < expected.size(); ++k)
    if (!found[k]) throw ValueError(who + ": missing entry '" + expected[k].name + "' in the state dict");
}

template <class T>
TensorT<T> copy_of(const TensorT<T>& t) {
  TensorT<T> c = TensorT<T>::empty(t.shape());
  c.copy_(t);
  return c;
}

#define AD_OPTIM_DETAIL_INSTANTIATE(T)                                                                \
  template void match_entries<T>(const StateDict&, const std::vector<Expected>&, const std::string&); \
  template TensorT<T> copy_of<T>(const TensorT<T>&);
AD_OPTIM_DETAIL_INSTANTIATE(float)
AD_OPTIM_DETAIL_INSTANTIATE(double)
#undef AD_OPTIM_DETAIL_INSTANTIATE

template <class T>
void check_params(const std::string& who, const std::vector<TensorT<T>>& params) {
  std::unordered_set<const void*> seen;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const TensorT<T>& p = params[i];
    if (!p.defined()) throw ValueError(who + ": parameter " + std::to_string(i) + " is an undefined tensor");
    if (!p.is_leaf())
      throw ValueError(who + ": parameter " + std::to_string(i) + " is not a leaf tensor (it was produced by '" +
                       p.grad_fn_name() + "'); optimize the leaf it was computed from");
    if (!seen.insert(p.impl_ptr()).second)
      throw ValueError(who + ": parameter " + std::to_string(i) + " appears more than once in the list");
  }
}
template void check_params<float>(const std::string&, const std::vector<TensorT<float>>&);
template void check_params<double>(const std::string&, const std::vector<TensorT<double>>&);

}  // namespace ad::optim::detail

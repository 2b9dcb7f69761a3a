#include "optim/detail.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <unordered_map>

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
TensorT<T> pack_u64(std::uint64_t v) {
  TensorT<T> t = TensorT<T>::empty(scalar_shape());
  T* d = t.mutable_data();
  for (int i = 0; i < 4; ++i) d[i] = static_cast<T>((v >> (16 * i)) & 0xFFFFu);
  return t;
}

template <class T>
TensorT<T> pack_f64(double v) {
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return pack_u64<T>(bits);
}

template <class T>
std::uint64_t unpack_u64(const TensorT<T>& t, const std::string& who, const std::string& name) {
  std::uint64_t v = 0;
  const T* d = t.data();
  for (int i = 0; i < 4; ++i) {
    const T limb = d[i];
    if (!(limb >= T(0) && limb < T(65536) && limb == std::floor(limb)))
      throw ValueError(who + ": entry '" + name + "' is not an encoded scalar (limb " + std::to_string(i) + " is " +
                       fmt(static_cast<double>(limb)) + ", expected an integer in [0, 65536))");
    v |= static_cast<std::uint64_t>(limb) << (16 * i);
  }
  return v;
}

template <class T>
double unpack_f64(const TensorT<T>& t, const std::string& who, const std::string& name) {
  const std::uint64_t bits = unpack_u64(t, who, name);
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

template <class T>
std::vector<const TensorT<T>*> match_entries(const NamedTensors<T>& dict,
                                             const std::vector<std::pair<std::string, Shape>>& expected,
                                             const std::string& who) {
  std::unordered_map<std::string, std::size_t> slot;  // name -> position in `expected`
  slot.reserve(expected.size());
  for (std::size_t k = 0; k < expected.size(); ++k) slot.emplace(expected[k].first, k);

  std::vector<const TensorT<T>*> found(expected.size(), nullptr);
  for (const auto& [name, tensor] : dict) {
    const auto it = slot.find(name);
    if (it == slot.end())
      throw ValueError(who + ": unexpected entry '" + name +
                       "' in the state dict (it was saved by another "
                       "optimizer or scheduler, or with other parameters or options)");
    const std::size_t k = it->second;
    if (found[k]) throw ValueError(who + ": entry '" + name + "' appears twice in the state dict");
    if (!tensor.defined()) throw ValueError(who + ": entry '" + name + "' is an undefined tensor");
    if (tensor.shape() != expected[k].second)
      throw ShapeError(who + ": entry '" + name + "' has shape " + tensor.shape().str() + ", expected " +
                       expected[k].second.str());
    found[k] = &tensor;
  }
  for (std::size_t k = 0; k < expected.size(); ++k)
    if (!found[k]) throw ValueError(who + ": missing entry '" + expected[k].first + "' in the state dict");
  return found;
}

template <class T>
TensorT<T> copy_of(const TensorT<T>& t) {
  TensorT<T> c = TensorT<T>::empty(t.shape());
  c.copy_(t);
  return c;
}

#define AD_OPTIM_DETAIL_INSTANTIATE(T)                                                                \
  template TensorT<T> pack_u64<T>(std::uint64_t);                                                     \
  template TensorT<T> pack_f64<T>(double);                                                            \
  template std::uint64_t unpack_u64<T>(const TensorT<T>&, const std::string&, const std::string&);    \
  template double unpack_f64<T>(const TensorT<T>&, const std::string&, const std::string&);           \
  template std::vector<const TensorT<T>*> match_entries<T>(                                           \
      const NamedTensors<T>&, const std::vector<std::pair<std::string, Shape>>&, const std::string&); \
  template TensorT<T> copy_of<T>(const TensorT<T>&);
AD_OPTIM_DETAIL_INSTANTIATE(float)
AD_OPTIM_DETAIL_INSTANTIATE(double)
#undef AD_OPTIM_DETAIL_INSTANTIATE

}  // namespace ad::optim::detail

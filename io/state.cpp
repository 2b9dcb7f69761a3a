#include "io/state.h"

#include <cstring>

#include "autodiff/error.h"
#include "io/npz.h"

namespace ad::io {
namespace {

template <class V>
NpzMember member(const std::string& name, const char* descr, const Shape& shape, const V* values, std::size_t n) {
  NpzMember m{name, descr, shape, std::vector<unsigned char>(n * sizeof(V))};
  if (n) std::memcpy(m.bytes.data(), values, n * sizeof(V));
  return m;
}

template <class V>
V scalar_of(const NpzMember& m) {
  V v;
  std::memcpy(&v, m.bytes.data(), sizeof v);
  return v;
}

}  // namespace

void save_state(const std::string& path, const StateDict& state) {
  std::vector<NpzMember> members;
  members.reserve(state.size());
  for (const auto& [name, value] : state.entries()) {
    switch (value.index()) {
      case 0: {
        const Tensor& t = std::get<Tensor>(value);
        if (!t.defined()) throw ValueError("save_state: '" + path + "': entry '" + name + "' is an undefined tensor");
        members.push_back(member(name, "<f4", t.shape(), t.data(), t.numel()));
        break;
      }
      case 1: {
        const TensorD& t = std::get<TensorD>(value);
        if (!t.defined()) throw ValueError("save_state: '" + path + "': entry '" + name + "' is an undefined tensor");
        members.push_back(member(name, "<f8", t.shape(), t.data(), t.numel()));
        break;
      }
      case 2: {
        const double v = std::get<double>(value);
        members.push_back(member(name, "<f8", Shape{}, &v, 1));
        break;
      }
      case 3: {
        const std::int64_t v = std::get<std::int64_t>(value);
        members.push_back(member(name, "<i8", Shape{}, &v, 1));
        break;
      }
      default: {
        const auto& w = std::get<std::vector<std::uint64_t>>(value);
        members.push_back(member(name, "<u8", Shape{w.size()}, w.data(), w.size()));
      }
    }
  }
  write_npz(path, members, "save_state");
}

StateDict load_state(const std::string& path) {
  StateDict s;
  for (const NpzMember& m : read_npz(path, "load_state")) {
    if (m.descr == "<f4") {
      Tensor t = Tensor::empty(m.shape);
      if (t.numel()) std::memcpy(t.mutable_data(), m.bytes.data(), m.bytes.size());
      s.set(m.name, t);
    } else if (m.descr == "<f8" && m.shape.rank() == 0) {
      s.set(m.name, scalar_of<double>(m));
    } else if (m.descr == "<f8") {
      TensorD t = TensorD::empty(m.shape);
      if (t.numel()) std::memcpy(t.mutable_data(), m.bytes.data(), m.bytes.size());
      s.set(m.name, t);
    } else if (m.descr == "<i8" && m.shape.rank() == 0) {
      s.set(m.name, scalar_of<std::int64_t>(m));
    } else if (m.descr == "<u8" && m.shape.rank() == 1) {
      std::vector<std::uint64_t> w(m.shape[0]);
      if (!w.empty()) std::memcpy(w.data(), m.bytes.data(), m.bytes.size());
      s.set(m.name, std::move(w));
    } else {
      throw IOError("load_state: '" + path + "': array '" + m.name + "' of dtype '" + m.descr + "' and shape " +
                    m.shape.str() +
                    " is not a state entry (float32 or float64 arrays, float64 or int64 scalars, "
                    "uint64 vectors)");
    }
  }
  return s;
}

}  // namespace ad::io

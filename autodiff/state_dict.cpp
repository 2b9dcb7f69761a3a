#include "autodiff/state_dict.h"

#include "autodiff/error.h"

namespace ad {

std::string kind_of(const StateDict::Value& value) {
  switch (value.index()) {
    case 0: return "float32 tensor";
    case 1: return "float64 tensor";
    case 2: return "real";
    case 3: return "integer";
    default: return "64-bit words";
  }
}

void StateDict::set(const std::string& name, Value value) {
  for (Entry& e : entries_)
    if (e.first == name) {
      e.second = std::move(value);
      return;
    }
  entries_.emplace_back(name, std::move(value));
}

bool StateDict::contains(const std::string& name) const {
  for (const Entry& e : entries_)
    if (e.first == name) return true;
  return false;
}

const StateDict::Value& StateDict::at(const std::string& name, const std::string& who) const {
  for (const Entry& e : entries_)
    if (e.first == name) return e.second;
  throw ValueError(who + ": the state has no entry '" + name + "'");
}

namespace {
template <class V>
const V& get(const StateDict& s, const std::string& name, const std::string& who, const char* wanted) {
  const StateDict::Value& v = s.at(name, who);
  if (const V* p = std::get_if<V>(&v)) return *p;
  throw ValueError(who + ": entry '" + name + "' is a " + kind_of(v) + ", expected a " + wanted);
}
}  // namespace

double StateDict::real(const std::string& name, const std::string& who) const {
  return get<double>(*this, name, who, "real");
}
std::int64_t StateDict::integer(const std::string& name, const std::string& who) const {
  return get<std::int64_t>(*this, name, who, "integer");
}
const std::vector<std::uint64_t>& StateDict::words(const std::string& name, const std::string& who) const {
  return get<std::vector<std::uint64_t>>(*this, name, who, "list of 64-bit words");
}
template <>
const Tensor& StateDict::tensor<float>(const std::string& name, const std::string& who) const {
  return get<Tensor>(*this, name, who, "float32 tensor");
}
template <>
const TensorD& StateDict::tensor<double>(const std::string& name, const std::string& who) const {
  return get<TensorD>(*this, name, who, "float64 tensor");
}

StateDict StateDict::with_prefix_removed(const std::string& prefix) const {
  StateDict out;
  for (const Entry& e : entries_)
    if (e.first.compare(0, prefix.size(), prefix) == 0)
      out.entries_.emplace_back(e.first.substr(prefix.size()), e.second);
  return out;
}

void StateDict::merge(const StateDict& other, const std::string& prefix) {
  for (const Entry& e : other.entries_) set(prefix + e.first, e.second);
}

}  // namespace ad

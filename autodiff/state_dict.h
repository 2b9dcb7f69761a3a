// StateDict: what a checkpoint holds, as PyTorch's state dicts: named tensors and named scalars, each kept in its own
// type so that a file stores it exactly and NumPy shows its real value (numpy.load(path)["optim.lr"] is 0.001, an
// epoch is an integer, a random generator's state is its 64-bit words).
//
//   StateDict s;
//   s.set("lr", 0.001);                        // a double, stored as a float64 scalar
//   s.set("step", std::int64_t(20));           // an integer, stored as int64
//   s.set("0.weight", weight);                 // a tensor (float32 or float64)
//   s.set("rng", std::vector<std::uint64_t>{...});
//   s.real("lr", "Adam");                      // 0.001; ValueError naming "Adam" and the entry when absent or not
//                                              // a real number
//
// Entries keep their insertion order; setting an existing name replaces its value.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "autodiff/tensor.h"

namespace ad {

class StateDict {
 public:
  using Value = std::variant<Tensor, TensorD, double, std::int64_t, std::vector<std::uint64_t>>;
  using Entry = std::pair<std::string, Value>;

  void set(const std::string& name, Value value);
  bool contains(const std::string& name) const;
  const Value& at(const std::string& name, const std::string& who) const;  // ValueError when absent
  const std::vector<Entry>& entries() const { return entries_; }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

  // Typed reads: ValueError naming `who` and the entry when it is absent or of another kind.
  double real(const std::string& name, const std::string& who) const;
  std::int64_t integer(const std::string& name, const std::string& who) const;
  const std::vector<std::uint64_t>& words(const std::string& name, const std::string& who) const;
  template <class T>
  const TensorT<T>& tensor(const std::string& name, const std::string& who) const;

  // The entries whose names start with `prefix`, with the prefix removed (in order).
  StateDict with_prefix_removed(const std::string& prefix) const;
  // Appends every entry of `other` under prefix + its name (replacing existing names).
  void merge(const StateDict& other, const std::string& prefix = "");

 private:
  std::vector<Entry> entries_;
};

// The kind of a value, for messages: "float32 tensor", "float64 tensor", "real", "integer", "64-bit words".
std::string kind_of(const StateDict::Value& value);

}  // namespace ad

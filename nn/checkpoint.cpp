#include "nn/checkpoint.h"

#include <map>

#include "autodiff/tape.h"
#include "io/state.h"

namespace ad::nn {
namespace {

// Reads `path` and checks the model's entries (`targets`: every one present, a tensor of T, of its shape); every other
// entry must be under `prefix` when extras are allowed (returned with the prefix removed), or is an error. Only then
// are the values copied into the targets, so the module is either fully restored or untouched.
template <class T>
StateDict restore(const std::string& path, const NamedTensors<T>& targets, const std::string& prefix,
                  bool allow_extras) {
  const std::string where = "load_checkpoint: '" + path + "': ";
  const StateDict file = io::load_state(path);
  std::map<std::string, std::size_t> wanted;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const auto& [name, t] = targets[i];
    wanted.emplace(name, i);
    if (!file.contains(name)) throw IOError(where + "missing entry '" + name + "' (shape " + t.shape().str() + ")");
    const StateDict::Value& v = file.at(name, where);
    const TensorT<T>* saved = std::get_if<TensorT<T>>(&v);
    if (!saved)
      throw IOError(where + "entry '" + name + "' is a " + kind_of(v) + ", but the model's is a " +
                    (sizeof(T) == 4 ? "float32" : "float64") + " tensor");
    if (saved->shape() != t.shape())
      throw ShapeError(where + "entry '" + name + "' has shape " + saved->shape().str() + " in the file but " +
                       t.shape().str() + " in the model");
  }
  StateDict extras;
  for (const auto& [name, v] : file.entries()) {
    if (wanted.count(name)) continue;
    if (allow_extras && !prefix.empty() && name.compare(0, prefix.size(), prefix) == 0 && name.size() > prefix.size())
      extras.set(name.substr(prefix.size()), v);
    else
      throw IOError(where + "unexpected entry '" + name + "' (a " + kind_of(v) + "), which the model does not have");
  }
  NoGradGuard no_grad;
  for (const auto& [name, t] : targets) TensorT<T>(t).copy_(std::get<TensorT<T>>(file.at(name, where)));
  return extras;
}

}  // namespace

template <class T>
void save_checkpoint(const std::string& path, const Module<T>& model, const StateDict& extra,
                     const std::string& extra_prefix) {
  StateDict all;
  for (const auto& [name, t] : model.state_dict()) all.set(name, t);
  for (const auto& [name, v] : extra.entries()) {
    if (all.contains(extra_prefix + name))
      throw ValueError("save_checkpoint: '" + path + "': the extra entry '" + extra_prefix + name +
                       "' has the name of a model entry");
    all.set(extra_prefix + name, v);
  }
  io::save_state(path, all);
}

template <class T>
StateDict load_checkpoint(const std::string& path, Module<T>& model, const std::string& extra_prefix) {
  return restore(path, model.state_dict(), extra_prefix, /*allow_extras=*/true);
}

template <class T>
void load_checkpoint(const std::string& path, Module<T>& model, const NamedTensors<T>& extra,
                     const std::string& extra_prefix) {
  NamedTensors<T> targets = model.state_dict();
  for (const auto& [name, t] : extra) {
    if (!t.defined()) throw ValueError("load_checkpoint: '" + path + "': extra tensor '" + name + "' is undefined");
    targets.emplace_back(extra_prefix + name, t);
  }
  restore(path, targets, extra_prefix, /*allow_extras=*/false);
}

#define AD_NN_CHECKPOINT_INSTANTIATE(T)                                                                         \
  template void save_checkpoint<T>(const std::string&, const Module<T>&, const StateDict&, const std::string&); \
  template StateDict load_checkpoint<T>(const std::string&, Module<T>&, const std::string&);                    \
  template void load_checkpoint<T>(const std::string&, Module<T>&, const NamedTensors<T>&, const std::string&);
AD_NN_CHECKPOINT_INSTANTIATE(float)
AD_NN_CHECKPOINT_INSTANTIATE(double)
#undef AD_NN_CHECKPOINT_INSTANTIATE

}  // namespace ad::nn

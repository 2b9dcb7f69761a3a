#include "nn/checkpoint.h"

#include <map>

#include "autodiff/tape.h"
#include "io/npz.h"

namespace ad::nn {
namespace {

// Reads `path`, checks it against `targets` (every target present with its shape; every other entry either under
// `prefix`, when extras are allowed, or an error), and only then copies the values into the targets.
// Returns the entries under `prefix` that are not targets, with the prefix removed.
template <class T>
NamedTensors<T> restore(const std::string& path, const NamedTensors<T>& targets, const std::string& prefix,
                        bool allow_extras) {
  const std::string where = "load_checkpoint: '" + path + "': ";
  NamedTensors<T> file = io::load_npz<T>(path);
  std::map<std::string, std::size_t> in_file;
  for (std::size_t i = 0; i < file.size(); ++i) in_file.emplace(file[i].first, i);

  std::map<std::string, std::size_t> wanted;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const auto& [name, t] = targets[i];
    wanted.emplace(name, i);
    const auto it = in_file.find(name);
    if (it == in_file.end()) throw IOError(where + "missing entry '" + name + "' (shape " + t.shape().str() + ")");
    const Shape& s = file[it->second].second.shape();
    if (s != t.shape())
      throw ShapeError(where + "entry '" + name + "' has shape " + s.str() + " in the file but " + t.shape().str() +
                       " in the model");
  }
  NamedTensors<T> extras;
  for (const auto& [name, t] : file) {
    if (wanted.count(name)) continue;
    if (allow_extras && !prefix.empty() && name.compare(0, prefix.size(), prefix) == 0 && name.size() > prefix.size())
      extras.emplace_back(name.substr(prefix.size()), t);
    else
      throw IOError(where + "unexpected entry '" + name + "' (shape " + t.shape().str() +
                    "), which the model does not have");
  }

  // Everything checked: nothing below can fail, so the module is either fully restored or untouched.
  NoGradGuard no_grad;
  for (const auto& [name, t] : targets) TensorT<T>(t).copy_(file[in_file.at(name)].second);
  return extras;
}

}  // namespace

template <class T>
void save_checkpoint(const std::string& path, const Module<T>& model, const NamedTensors<T>& extra,
                     const std::string& extra_prefix) {
  NamedTensors<T> all = model.state_dict();
  for (const auto& [name, t] : extra) all.emplace_back(extra_prefix + name, t);
  io::save_npz(path, all);
}

template <class T>
NamedTensors<T> load_checkpoint(const std::string& path, Module<T>& model, const std::string& extra_prefix) {
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

#define AD_NN_CHECKPOINT_INSTANTIATE(T)                                                                               \
  template void save_checkpoint<T>(const std::string&, const Module<T>&, const NamedTensors<T>&, const std::string&); \
  template NamedTensors<T> load_checkpoint<T>(const std::string&, Module<T>&, const std::string&);                    \
  template void load_checkpoint<T>(const std::string&, Module<T>&, const NamedTensors<T>&, const std::string&);
AD_NN_CHECKPOINT_INSTANTIATE(float)
AD_NN_CHECKPOINT_INSTANTIATE(double)
#undef AD_NN_CHECKPOINT_INSTANTIATE

}  // namespace ad::nn

#include "nn/module.h"

#include <algorithm>
#include <ostream>
#include <sstream>

namespace ad::nn {

template <class T>
TensorT<T> Module<T>::operator()(const TensorT<T>& x) {
  if (!hooks_) return forward(x);
  const std::shared_ptr<Hooks> hooks = hooks_;  // a hook may remove itself (or all) while they run
  TensorT<T> input = x;
  for (auto& [id, pre] : hooks->pre.snapshot())
    if (TensorT<T> r = pre(*this, input); r.defined()) input = r;
  TensorT<T> output = forward(input);
  for (auto& [id, post] : hooks->post.snapshot())
    if (TensorT<T> r = post(*this, input, output); r.defined()) output = r;
  return output;
}

template <class T>
RemovableHandle Module<T>::register_forward_pre_hook(ForwardPreHook hook) {
  if (!hook) throw ValueError(describe() + ": register_forward_pre_hook given an empty function");
  if (!hooks_) hooks_ = std::make_shared<Hooks>();
  const std::uint64_t id = hooks_->pre.add(std::move(hook));
  return RemovableHandle([weak = std::weak_ptr<Hooks>(hooks_), id] {
    if (auto h = weak.lock()) h->pre.remove(id);
  });
}

template <class T>
RemovableHandle Module<T>::register_forward_hook(ForwardHook hook) {
  if (!hook) throw ValueError(describe() + ": register_forward_hook given an empty function");
  if (!hooks_) hooks_ = std::make_shared<Hooks>();
  const std::uint64_t id = hooks_->post.add(std::move(hook));
  return RemovableHandle([weak = std::weak_ptr<Hooks>(hooks_), id] {
    if (auto h = weak.lock()) h->post.remove(id);
  });
}

template <class T>
void Module<T>::check_new_name(const std::string& name) const {
  if (name.empty()) throw ValueError(describe() + ": a parameter, buffer or submodule name must not be empty");
  if (name.find('.') != std::string::npos)
    throw ValueError(describe() + ": name '" + name + "' must not contain '.' (dots separate nested names)");
  auto taken = [&](const auto& list) {
    return std::any_of(list.begin(), list.end(), [&](const auto& e) { return e.first == name; });
  };
  if (taken(params_) || taken(buffers_) || taken(children_))
    throw ValueError(describe() + ": name '" + name + "' is already registered");
}

template <class T>
TensorT<T> Module<T>::register_parameter(const std::string& name, TensorT<T> p) {
  if (!p.defined()) throw ValueError(describe() + ": parameter '" + name + "' is an undefined tensor");
  if (!p.is_leaf())
    throw ValueError(describe() + ": parameter '" + name + "' must be a leaf tensor (detach() it first)");
  check_new_name(name);
  p.requires_grad_(true);
  params_.emplace_back(name, p);
  return p;
}

template <class T>
TensorT<T> Module<T>::register_buffer(const std::string& name, TensorT<T> b) {
  if (!b.defined()) throw ValueError(describe() + ": buffer '" + name + "' is an undefined tensor");
  check_new_name(name);
  buffers_.emplace_back(name, b);
  return b;
}

// Depth-first: own entries, then each child's under "child.". `seen` holds the storage already listed, so a module
// registered in two places contributes its parameters once (an optimizer must not update them twice).
template <class T>
void Module<T>::collect(const std::string& prefix, bool params, bool buffers, NamedTensors<T>& out,
                        std::vector<const void*>& seen) const {
  auto add = [&](const NamedTensors<T>& list) {
    for (const auto& [n, t] : list) {
      const void* key = t.impl_ptr();
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
      seen.push_back(key);
      out.emplace_back(prefix + n, t);
    }
  };
  if (params) add(params_);
  if (buffers) add(buffers_);
  for (const auto& [n, child] : children_) child->collect(prefix + n + ".", params, buffers, out, seen);
}

template <class T>
NamedTensors<T> Module<T>::named_parameters() const {
  NamedTensors<T> out;
  std::vector<const void*> seen;
  collect("", true, false, out, seen);
  return out;
}

template <class T>
NamedTensors<T> Module<T>::named_buffers() const {
  NamedTensors<T> out;
  std::vector<const void*> seen;
  collect("", false, true, out, seen);
  return out;
}

template <class T>
NamedTensors<T> Module<T>::state_dict() const {
  NamedTensors<T> out = named_parameters();
  NamedTensors<T> b = named_buffers();
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

template <class T>
std::vector<TensorT<T>> Module<T>::parameters() const {
  std::vector<TensorT<T>> out;
  for (auto& e : named_parameters()) out.push_back(std::move(e.second));
  return out;
}

template <class T>
std::size_t Module<T>::num_parameters() const {
  std::size_t n = 0;
  for (const auto& p : parameters()) n += p.numel();
  return n;
}

template <class T>
void Module<T>::train(bool on) {
  training_ = on;
  for (auto& c : children_) c.second->train(on);
}

template <class T>
void Module<T>::zero_grad(bool set_to_none) {
  for (auto& p : parameters()) p.zero_grad(set_to_none);
}

template <class T>
void Module<T>::print(std::ostream& os, const std::string& indent) const {
  os << name() << "(" << extra_repr();
  if (!children_.empty()) {
    os << "\n";
    for (const auto& [n, child] : children_) {
      os << indent << "  (" << n << "): ";
      child->print(os, indent + "  ");
      os << "\n";
    }
    os << indent;
  }
  os << ")";
}

template <class T>
std::string Module<T>::str() const {
  std::ostringstream os;
  print(os, "");
  return os.str();
}

template <class T>
std::ostream& operator<<(std::ostream& os, const Module<T>& m) {
  return os << m.str();
}

namespace {
template <class T>
void collect_modes(const Module<T>& m, std::vector<bool>& out) {
  out.push_back(m.is_training());
  for (const auto& [name, child] : m.named_children()) collect_modes(*child, out);
}
// Pre-order: a module's train() sets its whole subtree, then each submodule sets its own again.
template <class T>
void apply_modes(Module<T>& m, const std::vector<bool>& modes, std::size_t& i) {
  if (i >= modes.size()) throw ValueError("restore_training_modes: the module tree has more modules than the list");
  m.train(modes[i++]);
  for (const auto& [name, child] : m.named_children()) apply_modes(*child, modes, i);
}
}  // namespace

template <class T>
std::vector<bool> training_modes(const Module<T>& m) {
  std::vector<bool> out;
  collect_modes(m, out);
  return out;
}

template <class T>
void restore_training_modes(Module<T>& m, const std::vector<bool>& modes) {
  std::size_t i = 0;
  apply_modes(m, modes, i);
  if (i != modes.size()) throw ValueError("restore_training_modes: the list has more modes than the module tree");
}

template class Module<float>;
template class Module<double>;
template std::vector<bool> training_modes(const Module<float>&);
template std::vector<bool> training_modes(const Module<double>&);
template void restore_training_modes(Module<float>&, const std::vector<bool>&);
template void restore_training_modes(Module<double>&, const std::vector<bool>&);
template std::ostream& operator<<(std::ostream&, const Module<float>&);
template std::ostream& operator<<(std::ostream&, const Module<double>&);

}  // namespace ad::nn

#include "nn/summary.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <vector>

#include "autodiff/tape.h"

namespace ad::nn {
namespace {

// 1234567 -> "1,234,567".
std::string grouped(std::size_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string padded(const std::string& s, std::size_t width, bool right) {
  if (s.size() >= width) return s;
  const std::string fill(width - s.size(), ' ');
  return right ? fill + s : s + fill;
}

template <class T>
struct Row {
  std::string label;  // indented "name (Type)"
  const Module<T>* module;
  std::size_t params;
};

// Pre-order walk: each submodule with its dotted name, indented by depth.
template <class T>
void walk(Module<T>& m, const std::string& prefix, std::size_t depth, std::vector<Row<T>>& rows,
          std::vector<Module<T>*>& all) {
  for (const auto& [name, child] : m.named_children()) {
    const std::string dotted = prefix.empty() ? name : prefix + "." + name;
    rows.push_back(
        {std::string(2 * depth, ' ') + dotted + " (" + child->name() + ")", child.get(), child->num_parameters()});
    all.push_back(child.get());
    walk(*child, dotted, depth + 1, rows, all);
  }
}

}  // namespace

template <class T>
std::string summary(Module<T>& model, const Shape& input_shape) {
  std::vector<Row<T>> rows;
  std::vector<Module<T>*> all{&model};
  walk(model, "", 0, rows, all);

  // One forward pass of zeros with a hook on every module, recording its output shape.
  std::map<const Module<T>*, std::string> shapes;
  std::vector<RemovableHandle> handles;
  for (Module<T>* m : all)
    handles.push_back(m->register_forward_hook([&shapes](Module<T>& self, const TensorT<T>&, const TensorT<T>& out) {
      shapes[&self] = out.shape().str();
      return TensorT<T>();
    }));
  const std::vector<bool> modes = training_modes(model);
  model.eval();
  try {
    NoGradGuard no_grad;
    model(TensorT<T>::zeros(input_shape));
  } catch (...) {
    for (auto& h : handles) h.remove();
    restore_training_modes(model, modes);
    throw;
  }
  for (auto& h : handles) h.remove();
  restore_training_modes(model, modes);

  std::size_t trainable = 0, frozen = 0, buffer_values = 0;
  for (const auto& p : model.parameters()) (p.requires_grad() ? trainable : frozen) += p.numel();
  for (const auto& [name, b] : model.named_buffers()) buffer_values += b.numel();

  std::size_t w_label = std::string("Layer (type)").size(), w_shape = std::string("Output shape").size(),
              w_params = std::string("Param #").size();
  const auto shape_of = [&](const Module<T>* m) {
    auto it = shapes.find(m);
    return it == shapes.end() ? std::string("--") : it->second;
  };
  for (const auto& r : rows) {
    w_label = std::max(w_label, r.label.size());
    w_shape = std::max(w_shape, shape_of(r.module).size());
    w_params = std::max(w_params, grouped(r.params).size());
  }
  const std::string gap = "   ";
  const std::size_t width = w_label + w_shape + w_params + 2 * gap.size();
  std::string out = "Model: " + model.name() + ", input " + input_shape.str() + "\n";
  out += padded("Layer (type)", w_label, false) + gap + padded("Output shape", w_shape, false) + gap +
         padded("Param #", w_params, true) + "\n";
  out += std::string(width, '=') + "\n";
  for (const auto& r : rows)
    out += padded(r.label, w_label, false) + gap + padded(shape_of(r.module), w_shape, false) + gap +
           padded(grouped(r.params), w_params, true) + "\n";
  if (rows.empty())  // a single layer used as the model
    out += padded(model.name(), w_label, false) + gap + padded(shape_of(&model), w_shape, false) + gap +
           padded(grouped(trainable + frozen), w_params, true) + "\n";
  out += std::string(width, '=') + "\n";
  char size[64];
  std::snprintf(size, sizeof size, "%.2f MB", static_cast<double>((trainable + frozen) * sizeof(T)) / 1e6);
  out += "Output: " + shape_of(&model) + "\n";
  out += "Total params: " + grouped(trainable + frozen) + " (" + size + ")\n";
  out += "Trainable params: " + grouped(trainable) + "\n";
  out += "Non-trainable params: " + grouped(frozen) + "\n";
  out += "Buffers: " + grouped(buffer_values) + " values (saved in checkpoints, not trained)\n";
  return out;
}

template std::string summary(Module<float>&, const Shape&);
template std::string summary(Module<double>&, const Shape&);

}  // namespace ad::nn

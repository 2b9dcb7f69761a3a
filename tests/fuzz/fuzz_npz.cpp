// Fuzz harness for .npz files and checkpoints (io/npz.h, nn/checkpoint.h, Optimizer::load_state_dict).
//
// Every input is used as a whole file, four ways:
//   1. load_npz<float> and load_npz<double>: IOError or arrays (named, unique, not requiring grad);
//   2. load_checkpoint(path, model): IOError or ShapeError, and the model unchanged on failure; on success the model
//      holds exactly the file's values. The "optim." extras then go to Adam::load_state_dict: ValueError or
//      ShapeError, and the optimizer unchanged on failure;
//   3. the strict load_checkpoint(path, model, extra): the same for the model and the extra tensors.
// Anything else (a crash, another exception class, a failed load that changed a tensor) is a finding.
//
// The model is a small Sequential (Linear, BatchNorm1d with its buffers, Tanh, Linear without bias) with an Adam
// optimizer that has taken one step, so a checkpoint written by save_checkpoint (the seed corpus) loads.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "autodiff/autodiff.h"
#include "fuzz_util.h"
#include "io/npz.h"
#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/checkpoint.h"
#include "nn/linear.h"
#include "nn/sequential.h"
#include "optim/adam.h"

namespace {

using ad::NamedTensors;
using ad::Tensor;

// The values of every tensor, bit for bit, to tell whether a failed load changed anything.
std::vector<std::string> snapshot(const NamedTensors<float>& tensors) {
  std::vector<std::string> s;
  for (const auto& [name, t] : tensors)
    s.emplace_back(reinterpret_cast<const char*>(t.data()), t.numel() * sizeof(float));
  return s;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.numel() * sizeof(float)) == 0;
}

struct Fixture {
  ad::nn::Sequential<float> model{ad::nn::Linear<float>(3, 4), ad::nn::BatchNorm1d<float>(4), ad::nn::Tanh<float>(),
                                  ad::nn::Linear<float>(4, 2, /*bias=*/false)};
  std::unique_ptr<ad::optim::Adam<float>> opt;
  NamedTensors<float> extra;  // for the strict load: tensors that already exist
  std::vector<std::string> model_start, extra_start;
  NamedTensors<float> opt_start;

  Fixture() {
    ad::manual_seed(1);
    for (auto& [name, t] : model.state_dict()) {
      float* p = t.mutable_data();
      for (std::size_t i = 0; i < t.numel(); ++i) p[i] = 0.25f * static_cast<float>(i) - 1.0f;
    }
    opt = std::make_unique<ad::optim::Adam<float>>(model.parameters(), 0.01);
    // One training step, so that the optimizer's state is not all zeros.
    const Tensor x = Tensor::randn({5, 3});
    model(x).pow(2.0f).mean().backward();
    opt->step();
    opt->zero_grad();
    extra = {{"momentum", Tensor::full({2, 3}, 0.5f)}, {"count", Tensor::scalar(7.0f)}};
    model_start = snapshot(model.state_dict());
    extra_start = snapshot(extra);
    opt_start = opt->state_dict();
  }

  // Back to the starting values after a successful load.
  void reset() {
    ad::NoGradGuard no_grad;
    const NamedTensors<float> state = model.state_dict();
    for (std::size_t i = 0; i < state.size(); ++i)
      std::memcpy(Tensor(state[i].second).mutable_data(), model_start[i].data(), model_start[i].size());
    for (std::size_t i = 0; i < extra.size(); ++i)
      std::memcpy(extra[i].second.mutable_data(), extra_start[i].data(), extra_start[i].size());
    opt->load_state_dict(opt_start);
  }
};

// The documented form of a successful load_npz: unique non-empty names, defined tensors that do not require grad.
template <class T>
void check_arrays(const NamedTensors<T>& arrays) {
  std::set<std::string> names;
  for (const auto& [name, t] : arrays) {
    if (name.empty()) fuzz::finding("load_npz returned an array with an empty name");
    if (!names.insert(name).second) fuzz::finding("load_npz returned the name '" + name + "' twice");
    if (!t.defined() || t.requires_grad()) fuzz::finding("load_npz returned an undefined or grad-requiring tensor");
  }
}

const Tensor* find(const NamedTensors<float>& arrays, const std::string& name) {
  for (const auto& [n, t] : arrays)
    if (n == name) return &t;
  return nullptr;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fuzz::MemFile file;
  static Fixture fx;
  file.write(data, size);
  const std::string& path = file.path();

  // 1. Plain .npz reading, both element types.
  bool have_float = false;
  NamedTensors<float> arrays;
  try {
    arrays = ad::io::load_npz<float>(path);
    have_float = true;
    check_arrays(arrays);
  } catch (const ad::IOError&) {
  } catch (const std::exception& e) {
    fuzz::undocumented(e, "load_npz<float>");
  }
  try {
    const NamedTensors<double> d = ad::io::load_npz<double>(path);
    check_arrays(d);
    // One dtype per array: only an archive without arrays loads as both float and double.
    if (have_float && !(arrays.empty() && d.empty())) fuzz::finding("the same arrays loaded as float and as double");
  } catch (const ad::IOError&) {
  } catch (const std::exception& e) {
    fuzz::undocumented(e, "load_npz<double>");
  }

  // 2. Checkpoint into the model, extras to the optimizer.
  bool changed = false;
  try {
    const NamedTensors<float> extras = ad::nn::load_checkpoint(path, fx.model);
    changed = true;
    if (!have_float) fuzz::finding("load_checkpoint accepted a file that load_npz rejects");
    // The model now holds the file's values, bit for bit; the extras are the "optim." entries.
    for (const auto& [name, t] : fx.model.state_dict()) {
      const Tensor* f = find(arrays, name);
      if (!f || !same_bits(*f, t)) fuzz::finding("load_checkpoint: '" + name + "' differs from the file");
    }
    if (extras.size() + fx.model.state_dict().size() != arrays.size())
      fuzz::finding("load_checkpoint: entries were lost or invented");
    for (const auto& [name, t] : extras) {
      const Tensor* f = find(arrays, "optim." + name);
      if (!f || !same_bits(*f, t)) fuzz::finding("load_checkpoint: extra '" + name + "' differs from the file");
    }
    const std::vector<std::string> opt_before = snapshot(fx.opt->state_dict());
    try {
      fx.opt->load_state_dict(extras);
      // Restored: the optimizer's state dict is the file's (scalars re-encoded, so compared by value).
      for (const auto& [name, t] : fx.opt->state_dict()) {
        const Tensor* f = find(extras, name);
        if (!f || f->shape() != t.shape()) fuzz::finding("Adam::load_state_dict: '" + name + "' not restored");
        for (std::size_t i = 0; i < t.numel(); ++i)
          if (!(f->data()[i] == t.data()[i]) && !same_bits(*f, t))
            fuzz::finding("Adam::load_state_dict: '" + name + "' differs from the file");
      }
    } catch (const ad::Error& e) {
      if (!dynamic_cast<const ad::ValueError*>(&e) && !dynamic_cast<const ad::ShapeError*>(&e))
        fuzz::undocumented(e, "Adam::load_state_dict");
      if (snapshot(fx.opt->state_dict()) != opt_before)
        fuzz::finding("a failed Adam::load_state_dict changed its state");
    } catch (const std::exception& e) {
      fuzz::undocumented(e, "Adam::load_state_dict");
    }
  } catch (const ad::IOError&) {
  } catch (const ad::ShapeError&) {
  } catch (const std::exception& e) {
    fuzz::undocumented(e, "load_checkpoint");
  }
  if (!changed && snapshot(fx.model.state_dict()) != fx.model_start)
    fuzz::finding("a failed load_checkpoint changed the model");

  // 3. The strict form: exactly the model's entries plus "optim.momentum" and "optim.count".
  fx.reset();
  try {
    ad::nn::load_checkpoint(path, fx.model, fx.extra, "optim.");
    for (const auto& [name, t] : fx.extra) {
      const Tensor* f = find(arrays, "optim." + name);
      if (!f || !same_bits(*f, t)) fuzz::finding("strict load_checkpoint: extra '" + name + "' differs from the file");
    }
  } catch (const ad::IOError&) {
    if (snapshot(fx.model.state_dict()) != fx.model_start || snapshot(fx.extra) != fx.extra_start)
      fuzz::finding("a failed strict load_checkpoint changed the model or the extra tensors");
  } catch (const ad::ShapeError&) {
    if (snapshot(fx.model.state_dict()) != fx.model_start || snapshot(fx.extra) != fx.extra_start)
      fuzz::finding("a failed strict load_checkpoint changed the model or the extra tensors");
  } catch (const std::exception& e) {
    fuzz::undocumented(e, "strict load_checkpoint");
  }
  fx.reset();
  return 0;
}

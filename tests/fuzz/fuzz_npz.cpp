// Fuzz harness for .npz files, state files and checkpoints (io/npz.h, io/state.h, nn/checkpoint.h,
// Optimizer::load_state_dict, the schedulers' load_state_dict).
//
// Every input is used as a whole file, five ways:
//   1. load_npz<float> and load_npz<double>: IOError or arrays (named, unique, not requiring grad);
//   2. load_state: IOError, or a StateDict holding exactly the file's arrays (read_npz), in file order, each of the
//      kind its dtype and shape give ('<f4' float32 tensor; '<f8' a real when 0-d, else a float64 tensor; '<i8' 0-d
//      an integer; '<u8' 1-d 64-bit words; anything else is an IOError) with the file's bits; it agrees with
//      load_npz (a file load_npz<float> reads is all float32 tensors for load_state, and the converse);
//   3. load_checkpoint(path, model): IOError or ShapeError, and the model unchanged on failure; on success the model
//      holds exactly the file's values and the returned extras are exactly the file's "optim." entries (typed as
//      load_state types them). The extras then go to Adam::load_state_dict: ValueError or ShapeError, and the
//      optimizer unchanged on failure; on success its state dict is the extras, bit for bit;
//   4. the "plateau." and "step_lr." entries of load_state's dict go to ReduceLROnPlateau::load_state_dict and
//      StepLR::load_state_dict (integers, reals): ValueError and nothing changed (the optimizer's rate included), or
//      the scheduler's state dict is those entries, bit for bit;
//   5. the strict load_checkpoint(path, model, extra): the same for the model and the extra tensors.
// Anything else (a crash, another exception class, a failed load that changed a value) is a finding.
//
// The model is a small Sequential (Linear, BatchNorm1d with its buffers, Tanh, Linear without bias) with an Adam
// optimizer that has taken one step and two schedulers that have taken one, so that the seeds written by
// make_seeds.cpp (a checkpoint from save_checkpoint, the schedulers' state from save_state) load.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "autodiff/autodiff.h"
#include "fuzz_util.h"
#include "io/npz.h"
#include "io/state.h"
#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/checkpoint.h"
#include "nn/linear.h"
#include "nn/sequential.h"
#include "optim/adam.h"
#include "optim/reduce_lr_on_plateau.h"
#include "optim/step_lr.h"

namespace {

using ad::NamedTensors;
using ad::StateDict;
using ad::Tensor;
using ad::TensorD;

template <class V>
std::string raw(const V* p, std::size_t n) {
  return std::string(reinterpret_cast<const char*>(p), n * sizeof(V));
}

// One entry as bytes: its kind, its shape (tensors) or length (words), and its values bit for bit.
std::string bits(const StateDict::Value& v) {
  std::string s(1, static_cast<char>('0' + v.index()));
  if (const auto* t = std::get_if<Tensor>(&v)) return s + t->shape().str() + raw(t->data(), t->numel());
  if (const auto* t = std::get_if<TensorD>(&v)) return s + t->shape().str() + raw(t->data(), t->numel());
  if (const auto* r = std::get_if<double>(&v)) return s + raw(r, 1);
  if (const auto* i = std::get_if<std::int64_t>(&v)) return s + raw(i, 1);
  const auto& w = std::get<std::vector<std::uint64_t>>(v);
  return s + std::to_string(w.size()) + ":" + raw(w.data(), w.size());
}

// A whole state dict as bytes (names, order, kinds, bits), to compare two dicts or to tell whether a failed load
// changed one.
std::string bits(const StateDict& d) {
  std::string s;
  for (const auto& [name, v] : d.entries()) s += std::to_string(name.size()) + ":" + name + bits(v);
  return s;
}

// The values of every tensor, bit for bit.
std::vector<std::string> snapshot(const NamedTensors<float>& tensors) {
  std::vector<std::string> s;
  for (const auto& [name, t] : tensors) s.push_back(raw(t.data(), t.numel()));
  return s;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.numel() * sizeof(float)) == 0;
}

// `a` and `b` hold the same names with the same kinds and bits, in any order (an optimizer lists its entries in
// its own order, a file in the file's).
bool same_entries(const StateDict& a, const StateDict& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [name, v] : a.entries())
    if (!b.contains(name) || bits(v) != bits(b.at(name, "fuzz"))) return false;
  return true;
}

struct Fixture {
  ad::nn::Sequential<float> model{ad::nn::Linear<float>(3, 4), ad::nn::BatchNorm1d<float>(4), ad::nn::Tanh<float>(),
                                  ad::nn::Linear<float>(4, 2, /*bias=*/false)};
  std::unique_ptr<ad::optim::Adam<float>> opt;
  std::unique_ptr<ad::optim::ReduceLROnPlateau<float>> plateau;
  std::unique_ptr<ad::optim::StepLR<float>> step_lr;
  NamedTensors<float> extra;  // for the strict load: tensors that already exist
  std::vector<std::string> model_start, extra_start;
  StateDict opt_start, plateau_start, step_lr_start;

  Fixture() {
    ad::manual_seed(1);
    for (auto& [name, t] : model.state_dict()) {
      float* p = t.mutable_data();
      for (std::size_t i = 0; i < t.numel(); ++i) p[i] = 0.25f * static_cast<float>(i) - 1.0f;
    }
    opt = std::make_unique<ad::optim::Adam<float>>(model.parameters(), 0.01);
    // One training step, so that the optimizer's state is not all zeros, and one epoch of each scheduler.
    const Tensor x = Tensor::randn({5, 3});
    model(x).pow(2.0f).mean().backward();
    opt->step();
    opt->zero_grad();
    plateau = std::make_unique<ad::optim::ReduceLROnPlateau<float>>(*opt);
    plateau->step(0.5);
    step_lr = std::make_unique<ad::optim::StepLR<float>>(*opt, 2, 0.5);
    step_lr->step();
    extra = {{"momentum", Tensor::full({2, 3}, 0.5f)}, {"count", Tensor::scalar(7.0f)}};
    model_start = snapshot(model.state_dict());
    extra_start = snapshot(extra);
    opt_start = opt->state_dict();
    plateau_start = plateau->state_dict();
    step_lr_start = step_lr->state_dict();
  }

  // Back to the starting values after a successful load.
  void reset() {
    ad::NoGradGuard no_grad;
    const NamedTensors<float> state = model.state_dict();
    for (std::size_t i = 0; i < state.size(); ++i)
      std::memcpy(Tensor(state[i].second).mutable_data(), model_start[i].data(), model_start[i].size());
    for (std::size_t i = 0; i < extra.size(); ++i)
      std::memcpy(extra[i].second.mutable_data(), extra_start[i].data(), extra_start[i].size());
    step_lr->load_state_dict(step_lr_start);  // sets the optimizer's rate: the optimizer's own state comes after
    opt->load_state_dict(opt_start);
    plateau->load_state_dict(plateau_start);
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

// The kind load_state gives a member of this dtype and shape (a StateDict::Value index), or -1 for none.
int kind_of_member(const ad::io::NpzMember& m) {
  if (m.descr == "<f4") return 0;
  if (m.descr == "<f8") return m.shape.rank() == 0 ? 2 : 1;
  if (m.descr == "<i8" && m.shape.rank() == 0) return 3;
  if (m.descr == "<u8" && m.shape.rank() == 1) return 4;
  return -1;
}

// What load_state must have made of `m`: its kind, shape and bytes.
bool matches_member(const StateDict::Value& v, const ad::io::NpzMember& m) {
  if (static_cast<int>(v.index()) != kind_of_member(m)) return false;
  const std::string bytes(m.bytes.begin(), m.bytes.end());
  if (const auto* t = std::get_if<Tensor>(&v)) return t->shape() == m.shape && raw(t->data(), t->numel()) == bytes;
  if (const auto* t = std::get_if<TensorD>(&v)) return t->shape() == m.shape && raw(t->data(), t->numel()) == bytes;
  if (const auto* r = std::get_if<double>(&v)) return raw(r, 1) == bytes;
  if (const auto* i = std::get_if<std::int64_t>(&v)) return raw(i, 1) == bytes;
  const auto& w = std::get<std::vector<std::uint64_t>>(v);
  return w.size() == m.shape[0] && raw(w.data(), w.size()) == bytes;
}

// Feeds `dict` to a scheduler: ValueError with nothing changed (its state and the optimizer's rate), or its state
// dict becomes `dict`.
template <class Scheduler>
void load_scheduler(Scheduler& sched, const ad::optim::Optimizer<float>& opt, const StateDict& dict,
                    const std::string& what) {
  const std::string before = bits(sched.state_dict());
  const double lr_before = opt.lr();
  try {
    sched.load_state_dict(dict);
    if (!same_entries(sched.state_dict(), dict))
      fuzz::finding(what + "::load_state_dict: the state differs from the file");
  } catch (const ad::ValueError&) {
    if (bits(sched.state_dict()) != before) fuzz::finding("a failed " + what + "::load_state_dict changed its state");
    const double lr_after = opt.lr();
    if (std::memcmp(&lr_before, &lr_after, sizeof(double)) != 0)
      fuzz::finding("a failed " + what + "::load_state_dict changed the optimizer's learning rate");
  } catch (const std::exception& e) {
    fuzz::undocumented(e, what + "::load_state_dict");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fuzz::MemFile file;
  static Fixture fx;
  file.write(data, size);
  const std::string& path = file.path();

  // 1. Plain .npz reading, both element types.
  bool have_float = false, have_double = false;
  NamedTensors<float> arrays;
  NamedTensors<double> arrays_d;
  try {
    arrays = ad::io::load_npz<float>(path);
    have_float = true;
    check_arrays(arrays);
  } catch (const ad::IOError&) {
  } catch (const std::exception& e) {
    fuzz::undocumented(e, "load_npz<float>");
  }
  try {
    arrays_d = ad::io::load_npz<double>(path);
    have_double = true;
    check_arrays(arrays_d);
    // One dtype per array: only an archive without arrays loads as both float and double.
    if (have_float && !(arrays.empty() && arrays_d.empty()))
      fuzz::finding("the same arrays loaded as float and as double");
  } catch (const ad::IOError&) {
  } catch (const std::exception& e) {
    fuzz::undocumented(e, "load_npz<double>");
  }

  // 2. The typed state: every member of the archive, each as the kind of its dtype and shape.
  bool have_members = false, have_state = false;
  std::vector<ad::io::NpzMember> members;
  StateDict state;
  try {
    members = ad::io::read_npz(path, "fuzz");
    have_members = true;
  } catch (const ad::IOError&) {
  } catch (const std::exception& e) {
    fuzz::undocumented(e, "read_npz");
  }
  try {
    state = ad::io::load_state(path);
    have_state = true;
  } catch (const ad::IOError&) {
  } catch (const std::exception& e) {
    fuzz::undocumented(e, "load_state");
  }
  if (have_members) {
    bool all_entries = true, all_f4 = true;
    for (const ad::io::NpzMember& m : members) {
      all_entries = all_entries && kind_of_member(m) >= 0;
      all_f4 = all_f4 && m.descr == "<f4";
    }
    if (have_state != all_entries)
      fuzz::finding(have_state ? "load_state accepted an array that is not a state entry"
                               : "load_state rejected a file of valid state entries");
    if (have_float != all_f4) fuzz::finding("load_npz<float> and read_npz disagree on the dtypes");
  } else if (have_state || have_float || have_double) {
    fuzz::finding("a reader accepted a file that read_npz rejects");
  }
  if (have_state) {
    if (state.size() != members.size()) fuzz::finding("load_state: entries were lost or invented");
    for (std::size_t i = 0; i < state.size() && i < members.size(); ++i) {
      const auto& [name, v] = state.entries()[i];
      if (name != members[i].name || !matches_member(v, members[i]))
        fuzz::finding("load_state: entry '" + name + "' is not the file's array '" + members[i].name + "'");
    }
  }
  if ((have_float && arrays.size() != state.size()) || (have_double && arrays_d.size() != state.size()))
    fuzz::finding("load_npz and load_state read different numbers of arrays");
  if (have_float)
    for (std::size_t i = 0; i < arrays.size(); ++i)
      if (!same_bits(arrays[i].second, std::get<Tensor>(state.entries()[i].second)))
        fuzz::finding("load_npz<float> and load_state disagree on '" + arrays[i].first + "'");
  if (have_double)
    for (std::size_t i = 0; i < arrays_d.size(); ++i) {
      const TensorD& t = arrays_d[i].second;
      const StateDict::Value& v = state.entries()[i].second;  // a real when 0-d
      const std::string want = t.shape().rank() == 0 ? bits(StateDict::Value(t.data()[0])) : bits(StateDict::Value(t));
      if (bits(v) != want) fuzz::finding("load_npz<double> and load_state disagree on '" + arrays_d[i].first + "'");
    }

  // 3. Checkpoint into the model, extras to the optimizer.
  bool changed = false;
  try {
    const StateDict extras = ad::nn::load_checkpoint(path, fx.model);
    changed = true;
    if (!have_state) fuzz::finding("load_checkpoint accepted a file that load_state rejects");
    // The model now holds the file's values, bit for bit; the extras are the "optim." entries, in file order.
    for (const auto& [name, t] : fx.model.state_dict()) {
      const Tensor* f = state.contains(name) ? std::get_if<Tensor>(&state.at(name, "fuzz")) : nullptr;
      if (!f || !same_bits(*f, t)) fuzz::finding("load_checkpoint: '" + name + "' differs from the file");
    }
    if (extras.size() + fx.model.state_dict().size() != state.size())
      fuzz::finding("load_checkpoint: entries were lost or invented");
    if (bits(extras) != bits(state.with_prefix_removed("optim.")))
      fuzz::finding("load_checkpoint: the extras differ from the file's 'optim.' entries");
    const std::string opt_before = bits(fx.opt->state_dict());
    try {
      fx.opt->load_state_dict(extras);
      if (!same_entries(fx.opt->state_dict(), extras))
        fuzz::finding("Adam::load_state_dict: the optimizer's state differs from the file");
    } catch (const ad::Error& e) {
      if (!dynamic_cast<const ad::ValueError*>(&e) && !dynamic_cast<const ad::ShapeError*>(&e))
        fuzz::undocumented(e, "Adam::load_state_dict");
      if (bits(fx.opt->state_dict()) != opt_before) fuzz::finding("a failed Adam::load_state_dict changed its state");
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

  // 4. The schedulers' entries of the file.
  if (have_state) {
    const StateDict plateau = state.with_prefix_removed("plateau."), step_lr = state.with_prefix_removed("step_lr.");
    if (!plateau.empty()) load_scheduler(*fx.plateau, *fx.opt, plateau, "ReduceLROnPlateau");
    if (!step_lr.empty()) load_scheduler(*fx.step_lr, *fx.opt, step_lr, "StepLR");
  }

  // 5. The strict form: exactly the model's entries plus "optim.momentum" and "optim.count".
  fx.reset();
  try {
    ad::nn::load_checkpoint(path, fx.model, fx.extra, "optim.");
    if (!have_state) fuzz::finding("strict load_checkpoint accepted a file that load_state rejects");
    for (const auto& [name, t] : fx.extra) {
      const std::string full = "optim." + name;
      const Tensor* f = state.contains(full) ? std::get_if<Tensor>(&state.at(full, "fuzz")) : nullptr;
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

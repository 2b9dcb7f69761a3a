// Checkpoints: a module's state (named parameters and buffers, as in state_dict()) saved to an .npz file that
// numpy.load reads, optionally with an extra state dict, such as the optimizer's, stored under a prefix:
//
//   nn::save_checkpoint("model.npz", model);                              // "0.weight", "0.bias", ...
//   nn::save_checkpoint("run.npz", model, opt.state_dict(), "optim.");    // + "optim.lr", "optim.state.0.step", ...
//   opt.load_state_dict(nn::load_checkpoint("run.npz", model));           // restores both
//
// Every entry keeps its type (io/state.h): the model's tensors as float32 (or float64) arrays, an optimizer's
// learning rate as a float64 scalar and its step counts as int64, which NumPy shows as they are.
//
// Saving is atomic (see io/npz.h): a crash while writing leaves the previous checkpoint intact. Loading is
// all-or-nothing: the whole file is read and checked first (a damaged file, a wrong dtype, a missing or unexpected
// entry throw IOError; a shape that differs from the module's throws ShapeError; every message names the file and
// the entry), and only then are the values copied in place into the module's tensors, bit-exactly. On any error the
// module is left unchanged. The copies happen under NoGradGuard and bump the tensors' versions.
#pragma once
#include <string>

#include "autodiff/named.h"
#include "autodiff/state_dict.h"
#include "nn/module.h"

namespace ad::nn {

// Writes model.state_dict() plus each `extra` entry under the name extra_prefix + name (ValueError if two names
// collide).
template <class T>
void save_checkpoint(const std::string& path, const Module<T>& model, const StateDict& extra = {},
                     const std::string& extra_prefix = "optim.");

// Restores model.state_dict() from the file. Entries named extra_prefix + <name> are not matched against the model:
// they are returned (prefix removed, in file order) for the caller to restore, e.g. an optimizer whose state
// tensors are created lazily. Any other entry must match a model entry exactly. An empty prefix allows no extras.
template <class T>
StateDict load_checkpoint(const std::string& path, Module<T>& model, const std::string& extra_prefix = "optim.");

// Strict form for extras whose tensors already exist: the file must hold exactly the model's entries and
// extra_prefix + name for every `extra` entry (same shapes); the values are copied into the `extra` tensors.
template <class T>
void load_checkpoint(const std::string& path, Module<T>& model, const NamedTensors<T>& extra,
                     const std::string& extra_prefix = "optim.");

}  // namespace ad::nn

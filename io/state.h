// save_state / load_state: a StateDict (autodiff/state_dict.h) as an .npz file, each entry as the NumPy array of its
// own type, so that numpy.load shows real values and a restore is bit-exact:
//
//   float32 tensor -> '<f4' array of its shape      float64 tensor -> '<f8' array of its shape
//   real           -> '<f8' array of shape ()       integer        -> '<i8' array of shape ()
//   64-bit words   -> '<u8' array of shape (n,)
//
// Reading maps them back; a '<f8' array of shape () reads back as a real (a 0-d float64 tensor is stored as one).
// Writing is atomic (io/npz.h); reading validates the whole file (IOError naming the file and the entry).
#pragma once
#include <string>

#include "autodiff/state_dict.h"

namespace ad::io {

void save_state(const std::string& path, const StateDict& state);
StateDict load_state(const std::string& path);

}  // namespace ad::io

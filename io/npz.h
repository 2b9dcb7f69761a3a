// .npz files: NumPy's format for a set of named arrays, readable with numpy.load(path)[name].
//
// An .npz is a zip archive with one member "<name>.npy" per array. Each .npy member is the 6-byte magic "\x93NUMPY",
// a version (1.0 here), a little-endian length and a Python dict literal padded with spaces to a multiple of 64
// bytes, {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }, followed by the raw values in C order
// ('<f4' float32, '<f8' float64, little-endian). Members are stored uncompressed with their CRC-32 (zlib), so saved
// values come back bit-exactly.
//
// save_npz writes atomically: the archive goes to a temporary file in the target's directory, which is flushed to
// disk (fsync) and then renamed over the target; the directory is flushed after the rename so that the rename itself
// survives a power loss. A crash or error at any point leaves either the old file or the new one, never a mixture;
// the temporary file is removed on error. A process killed while saving cannot remove its temporary file: the next
// save to the same path removes those whose process is gone (tests/test_checkpoint_kill.cpp kills writers at random).
//
// load_npz reads what save_npz writes and what numpy.savez / numpy.savez_compressed write (stored or deflated
// members, with or without zip64 extra fields, .npy versions 1.0 to 3.0). Everything is validated and a damaged file
// throws IOError naming the file and the member: bad magic bytes, truncation, a CRC mismatch, a malformed header,
// an unsupported dtype (only '<f4' / '<f8'; the one matching T is required), Fortran order, duplicate names.
#pragma once
#include <string>
#include <vector>

#include "autodiff/named.h"

namespace ad::io {

// One array of an archive, as raw little-endian bytes: dtype '<f4', '<f8', '<i8' or '<u8' (NumPy's float32,
// float64, int64, uint64), its shape, and shape.numel() values. io/state.h builds on it.
struct NpzMember {
  std::string name;
  std::string descr;
  Shape shape;
  std::vector<unsigned char> bytes;
};
// Writes the members (ValueError for a bad name, dtype or size), atomically; `op` names the caller in messages.
void write_npz(const std::string& path, const std::vector<NpzMember>& members, const std::string& op);
// Reads every member, validated as load_npz does (IOError naming `op`, the file and the member).
std::vector<NpzMember> read_npz(const std::string& path, const std::string& op);

// Names must be non-empty and unique, tensors defined (ValueError otherwise); IOError if the file cannot be written.
template <class T>
void save_npz(const std::string& path, const NamedTensors<T>& tensors);

// The arrays in file order, as fresh tensors that do not require grad.
template <class T>
NamedTensors<T> load_npz(const std::string& path);

}  // namespace ad::io

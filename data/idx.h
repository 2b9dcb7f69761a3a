// The IDX format of MNIST, Fashion-MNIST, KMNIST and EMNIST: a tiny header followed by raw bytes.
//
//   bytes 0-1  zero
//   byte  2    element type: 0x08 = unsigned byte (the only type these data sets use, and the only one read here)
//   byte  3    number of dimensions k
//   then k big-endian 32-bit sizes, then prod(sizes) elements in row-major order.
//
// The first four bytes read as one big-endian integer are the "magic number": 0x00000801 for a label file (one
// dimension: N labels), 0x00000803 for an image file (three: N, rows, cols). Files are usually distributed
// gzip-compressed; both forms are read (detected by the gzip magic 1f 8b, see io/file.h).
//
// Every inconsistency throws IOError naming the file and what is wrong: a bad magic number (with the value found),
// a header cut short, fewer data bytes than the header announces ("truncated: expected 7840000 bytes of data after
// the 16-byte header, got 7839000") or more than it announces (trailing bytes).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ad::data {

struct IdxArray {
  std::vector<std::size_t> dims;     // e.g. {10000, 28, 28}
  std::vector<std::uint8_t> values;  // prod(dims) bytes, row-major
};

// Reads an unsigned-byte IDX file. With expected_rank > 0, the magic number must be 0x0000080<expected_rank>
// (1 for labels, 3 for images); with 0, any unsigned-byte IDX file is accepted.
IdxArray read_idx(const std::string& path, std::size_t expected_rank = 0);

}  // namespace ad::data

#include "data/idx.h"

#include <cstdio>

#include "autodiff/error.h"
#include "io/file.h"

namespace ad::data {
namespace {

// Rethrows an IOError of io::read_file_bytes under the name of the function the caller called:
// "read_file_bytes: 'x': cannot open ..." becomes "read_idx: 'x': cannot open ...".
[[noreturn]] void rethrow_as(const char* op, const IOError& e) {
  const std::string m = e.what();
  const std::size_t colon = m.find(": ");
  throw IOError(std::string(op) + (colon == std::string::npos ? ": " + m : m.substr(colon)));
}

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::uint32_t big_endian32(const unsigned char* p) {
  return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | std::uint32_t(p[3]);
}

std::string dims_str(const std::vector<std::size_t>& dims) {
  std::string s;
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? " x " : "") + std::to_string(dims[i]);
  return s;
}

const char* kind_of(std::size_t rank) { return rank == 1 ? "a label file" : rank == 3 ? "an image file" : "this file"; }

}  // namespace

IdxArray read_idx(const std::string& path, std::size_t expected_rank) {
  std::vector<std::uint8_t> bytes;
  try {
    bytes = io::read_file_bytes(path);
  } catch (const IOError& e) {
    rethrow_as("read_idx", e);
  }
  const std::uint8_t* p = bytes.data();
  const std::size_t size = bytes.size();
  auto fail = [&](const std::string& what) { throw IOError("read_idx: '" + path + "': " + what); };

  if (size < 4) fail("truncated: " + std::to_string(size) + " bytes, too short for the 4-byte magic number");
  const std::uint32_t magic = big_endian32(p);
  const std::size_t rank = p[3];
  if (expected_rank > 0) {
    const std::uint32_t want = 0x00000800u | static_cast<std::uint32_t>(expected_rank);
    if (magic != want)
      fail("bad magic number " + hex32(magic) + " (expected " + hex32(want) + " for " + kind_of(expected_rank) +
           " of unsigned bytes with " + std::to_string(expected_rank) +
           (expected_rank == 1 ? " dimension)" : " dimensions)"));
  } else if (p[0] != 0 || p[1] != 0 || p[2] != 0x08 || rank == 0) {
    fail("bad magic number " + hex32(magic) + " (expected 0x000008nn: unsigned bytes with nn > 0 dimensions)");
  }

  const std::size_t header = 4 + 4 * rank;
  if (size < header)
    fail("truncated header: " + std::to_string(rank) + " dimensions need " + std::to_string(header) +
         " header bytes, the file has " + std::to_string(size));
  IdxArray out;
  std::size_t count = 1;
  for (std::size_t d = 0; d < rank; ++d) {
    const std::size_t n = big_endian32(p + 4 + 4 * d);
    out.dims.push_back(n);
    // Up to 255 sizes below 2^32 each: the product can overflow, and then no file is long enough.
    if (__builtin_mul_overflow(count, n, &count))
      fail("dimensions " + dims_str(out.dims) + "... describe more elements than any file can hold");
  }
  const std::size_t got = size - header;
  if (got < count)
    fail("truncated: expected " + std::to_string(count) + " bytes of data after the " + std::to_string(header) +
         "-byte header, got " + std::to_string(got));
  if (got > count)
    fail(std::to_string(got - count) + " trailing bytes: expected " + std::to_string(count) +
         " bytes of data after the " + std::to_string(header) + "-byte header, got " + std::to_string(got));
  // The file's buffer becomes the data: the header is shifted out in place (no second 47 MB buffer for MNIST).
  bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(header));
  out.values = std::move(bytes);
  return out;
}

}  // namespace ad::data

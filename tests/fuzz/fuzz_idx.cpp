// Fuzz harness for the IDX reader (data/idx.h), through its only entry point, read_idx(path, expected_rank).
//
// Input layout: byte 0 chooses the options, the rest is the file.
//   bits 0-1  expected_rank: 0 (any), 1 (labels), 3 (images) or 2 (a rank no MNIST file has)
//   bit  2    gzip the rest before writing it, so that structured IDX data reaches the parser through the gzip
//             path too (raw gzip bytes, valid or damaged, come from the corpus and the fuzzer's mutations)
//
// Oracle: read_idx either throws IOError (the one class idx.h documents) or returns an array that agrees with
// the header: the dimensions as written, prod(dims) values equal to the bytes after the header, and the rank
// that was asked for.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "autodiff/error.h"
#include "data/idx.h"
#include "fuzz_util.h"

namespace {

std::uint32_t big_endian32(const std::uint8_t* p) {
  return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | std::uint32_t(p[3]);
}

// The checks of a successful read, against the uncompressed bytes `file`.
void check_array(const ad::data::IdxArray& a, const std::uint8_t* file, std::size_t size, std::size_t expected_rank) {
  if (size < 4 || file[0] != 0 || file[1] != 0 || file[2] != 0x08) fuzz::finding("accepted a bad magic number");
  const std::size_t rank = file[3];
  if (rank == 0 || (expected_rank && rank != expected_rank)) fuzz::finding("accepted the wrong rank");
  if (a.dims.size() != rank) fuzz::finding("dims.size() differs from the rank in the header");
  const std::size_t header = 4 + 4 * rank;
  if (size < header) fuzz::finding("accepted a truncated header");
  std::size_t count = 1;
  for (std::size_t d = 0; d < rank; ++d) {
    if (a.dims[d] != big_endian32(file + 4 + 4 * d)) fuzz::finding("a dimension differs from the header");
    count *= a.dims[d];  // cannot overflow: the values below are in memory
  }
  if (a.values.size() != count || size - header != count) fuzz::finding("values do not match the dimensions");
  if (count && std::memcmp(a.values.data(), file + header, count) != 0) fuzz::finding("values differ from the file");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static fuzz::MemFile file;
  static const std::size_t ranks[4] = {0, 1, 3, 2};
  const std::size_t expected_rank = ranks[data[0] & 3];
  const bool compress = data[0] & 4;
  const std::uint8_t* body = data + 1;
  const std::size_t body_size = size - 1;
  if (compress)
    file.write(fuzz::gzip(body, body_size));
  else
    file.write(body, body_size);

  try {
    const ad::data::IdxArray a = ad::data::read_idx(file.path(), expected_rank);
    if (compress) {
      check_array(a, body, body_size, expected_rank);
    } else if (body_size < 2 || body[0] != 0x1f || body[1] != 0x8b) {
      check_array(a, body, body_size, expected_rank);  // a gzip body was decompressed: no plain bytes to compare
    } else if (a.dims.empty() || (expected_rank && a.dims.size() != expected_rank)) {
      fuzz::finding("a gzip file was accepted with the wrong rank");
    }
  } catch (const ad::IOError&) {
    // The documented failure: a malformed, truncated or corrupt file.
  } catch (const std::exception& e) {
    fuzz::undocumented(e, "read_idx");
  }
  return 0;
}
